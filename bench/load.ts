/**
 * The load generator: N connections in a closed loop, each with one message outstanding,
 * sending one pre-masked binary frame again and again and counting the echoes. It runs in
 * a process of its own (never sharing an event loop with the server under test), allocates
 * nothing per message, and reports messages/s, latency percentiles, and the CPU time the
 * server process and the generator itself used while measuring.
 *
 *   bun bench/load.ts --port 9090 --connections 100 --payload 1024 --seconds 5
 *     [--raw] [--server-pid PID] [--path /ws] [--watch-cores 0,1]
 *
 * `--raw` skips the upgrade and expects every byte back as sent: for the raw TCP echo.
 * `--watch-cores` names the server's core and the generator's: it then also reports how much
 * of the server's core sat idle and how much of both the hypervisor took (steal).
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { coreShares, coreTimes, meanSteal } from "./cores.ts";
import { option } from "./option.ts";

const port = Number(option("port", "9090"));
const connections = Number(option("connections", "100"));
const payloadSize = Number(option("payload", "20"));
const seconds = Number(option("seconds", "5"));
const warmupSeconds = Number(option("warmup", "1"));
const path = option("path", "/ws");
const serverPid = Number(option("server-pid", "0"));
const raw = process.argv.includes("--raw");
/** Cores to account for, the server's first (`--watch-cores 0,1`); none when not given. */
const watchedCores = option("watch-cores", "").split(",").filter(Boolean).map(Number);

/** A binary frame of `size` bytes, masked as a client must send it. */
function maskedFrame(size: number): Uint8Array {
  const extra = size < 126 ? 0 : size < 65536 ? 2 : 8;
  const frame = new Uint8Array(2 + extra + 4 + size);
  frame[0] = 0x82;
  frame[1] = 0x80 | (extra === 0 ? size : extra === 2 ? 126 : 127);
  const view = new DataView(frame.buffer);
  if (extra === 2) view.setUint16(2, size);
  if (extra === 8) view.setBigUint64(2, BigInt(size));
  const mask = [0x12, 0x34, 0x56, 0x78];
  frame.set(mask, 2 + extra);
  for (let i = 0; i < size; i++) frame[6 + extra + i] = (i & 0xff) ^ mask[i & 3];
  return frame;
}

const frame = maskedFrame(payloadSize);
const serverHeader = payloadSize < 126 ? 2 : payloadSize < 65536 ? 4 : 10;
/** Bytes that make one answer: the echoed frame unmasked, or everything back in raw mode. */
const answerBytes = raw ? frame.length : serverHeader + payloadSize;

/** Latency histogram in 10 µs steps up to 2 s; the last bucket takes everything slower. */
const BUCKET_US = 10;
const histogram = new Uint32Array(200_000);
let measuring = false;
let running = true;
let completed = 0;

function record(started: number): void {
  if (!measuring) return;
  completed++;
  const bucket = Math.min(
    histogram.length - 1,
    Math.floor(((performance.now() - started) * 1000) / BUCKET_US),
  );
  histogram[bucket]++;
}

function percentile(q: number): number {
  const target = Math.ceil(completed * q);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i];
    if (seen >= target) return ((i + 1) * BUCKET_US) / 1000;
  }
  return Infinity;
}

const handshake = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
  "Sec-WebSocket-Version: 13\r\n\r\n";

interface BunSocket {
  write(data: Uint8Array | string): number;
  setNoDelay(enabled: boolean): boolean;
  end(): void;
  data: Driver;
}
declare const Bun: {
  connect(options: {
    hostname: string;
    port: number;
    socket: {
      binaryType: "uint8array";
      open(socket: BunSocket): void;
      data(socket: BunSocket, chunk: Uint8Array): void;
      error(socket: BunSocket, error: Error): void;
    };
  }): Promise<BunSocket>;
};

/** One connection's loop: one message in flight, the next sent as soon as it is answered. */
class Driver {
  upgraded = raw;
  head = "";
  pending = 0;
  started = 0;
  readonly ready: Promise<void>;
  resolve!: () => void;
  reject!: (error: Error) => void;

  constructor() {
    this.ready = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  send(socket: BunSocket): void {
    this.started = performance.now();
    socket.write(frame);
  }

  received(socket: BunSocket, chunk: Uint8Array): void {
    let length = chunk.length;
    if (!this.upgraded) {
      this.head += new TextDecoder().decode(chunk);
      const end = this.head.indexOf("\r\n\r\n");
      if (end < 0) return;
      if (!this.head.startsWith("HTTP/1.1 101")) {
        return this.reject(new Error(this.head.split("\r\n")[0]));
      }
      this.upgraded = true;
      length = new TextEncoder().encode(this.head.slice(end + 4)).length;
      this.resolve();
      this.send(socket);
    }
    this.pending += length;
    while (this.pending >= answerBytes) {
      this.pending -= answerBytes;
      record(this.started);
      if (running) this.send(socket);
    }
  }
}

/** Opens one connection (Bun's native sockets: the cheapest client on this machine). */
async function drive(): Promise<BunSocket> {
  const driver = new Driver();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      binaryType: "uint8array",
      open(socket) {
        socket.data = driver;
        socket.setNoDelay(true);
        if (raw) {
          driver.resolve();
          driver.send(socket);
        } else {
          socket.write(handshake);
        }
      },
      data: (socket, chunk) => socket.data.received(socket, chunk),
      error: (_socket, error) => driver.reject(error),
    },
  });
  await driver.ready;
  return socket;
}

/** CPU seconds a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

const sockets = await Promise.all(Array.from({ length: connections }, drive));
await new Promise((resolve) => setTimeout(resolve, warmupSeconds * 1000));
const ownBefore = process.cpuUsage();
const serverBefore = cpuSeconds(serverPid);
const coresBefore = coreTimes(watchedCores);
const startedAt = performance.now();
measuring = true;
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
measuring = false;
const elapsed = (performance.now() - startedAt) / 1000;
const own = process.cpuUsage(ownBefore);
const serverCpu = (cpuSeconds(serverPid) - serverBefore) / elapsed;
const cores = coreShares(coresBefore, coreTimes(watchedCores));
running = false;
for (const socket of sockets) socket.end();
console.log(
  "RESULT " + JSON.stringify({
    messagesPerSecond: completed / elapsed,
    p50: percentile(0.5),
    p99: percentile(0.99),
    p999: percentile(0.999),
    serverCpu,
    loaderCpu: (own.user + own.system) / 1e6 / elapsed,
    // The share of the first watched core (the server's) that sat idle, and of all watched
    // cores that the hypervisor took: absent when no cores were watched.
    serverCoreIdle: cores[0]?.idle,
    steal: meanSteal(cores),
  }),
);
process.exit(0);
