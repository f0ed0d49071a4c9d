/**
 * Client benchmark, run under the runtime being measured against an echo server in another
 * process: round trips/s with one and with 100 connections (32-byte messages, one in flight
 * per connection), and MB/s of 1 MiB binary messages echoed on one connection. With each, the
 * client's own CPU time per round trip (per MiB echoed) and the share of its core it kept
 * busy: a client below 100% waited on the server, so its rate says more about the server.
 *
 *   deno run -A bench/client.ts --port 9090 --kind tether|native|ws --mode rtt1|rtt100|mib
 *   bun bench/client.ts ...
 */
import { createRequire } from "node:module";
import process from "node:process";
import { Client } from "../mod.ts";
import { option } from "./option.ts";

const url = `ws://127.0.0.1:${option("port", "9090")}/ws`;
const kind = option("kind", "tether");
const mode = option("mode", "rtt1");
const seconds = Number(option("seconds", "3"));
const MiB = 1 << 20;

/**
 * One connection as the benchmark uses it: send a message, get its echo, give the echo's
 * size. Every client hands over the echo's bytes: a runtime's own client that makes them
 * only when `event.data` is read would otherwise be measured doing less than any user does.
 */
interface Echoer {
  roundTrip(message: Uint8Array): Promise<number>;
  close(): void;
}

async function tether(): Promise<Echoer> {
  const client = await Client.connect(url, {
    webSocketCompressionEnabled: false,
    maxFrameSize: 2 * MiB,
    maxMessageSize: 2 * MiB,
  });
  return {
    async roundTrip(message) {
      await client.writeBinaryMessage(message);
      return (await client.readMessage()).length;
    },
    close: () => void client.close().catch(() => {}),
  };
}

interface BrowserLikeSocket {
  binaryType: string;
  onmessage: ((event: { data: ArrayBuffer }) => void) | null;
  onopen: (() => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(): void;
}

/** Wraps a socket with the WebSocket API (the runtime's own, or ws's). */
function wrap(socket: BrowserLikeSocket): Promise<Echoer> {
  socket.binaryType = "arraybuffer";
  let answered: ((size: number) => void) | undefined;
  socket.onmessage = (event) => {
    const done = answered;
    answered = undefined;
    done?.(event.data.byteLength);
  };
  return new Promise((resolve, reject) => {
    socket.onopen = () =>
      resolve({
        roundTrip(message) {
          return new Promise<number>((done) => {
            answered = done;
            socket.send(message);
          });
        },
        close: () => socket.close(),
      });
    socket.onerror = (event) => reject(new Error(`cannot connect: ${String(event)}`));
  });
}

function native(): Promise<Echoer> {
  const WebSocketClass = (globalThis as unknown as {
    WebSocket: new (url: string) => BrowserLikeSocket;
  }).WebSocket;
  return wrap(new WebSocketClass(url));
}

function ws(): Promise<Echoer> {
  // Loaded by path: Bun answers a bare "ws" import with its own built-in replacement.
  const { WebSocket } = createRequire(import.meta.url)("../node_modules/ws/index.js") as {
    WebSocket: new (url: string, options: Record<string, unknown>) => BrowserLikeSocket;
  };
  return wrap(new WebSocket(url, { perMessageDeflate: false, maxPayload: 2 * MiB }));
}

const open = { tether, native, ws }[kind as "tether" | "native" | "ws"];
if (open === undefined) throw new Error(`--kind must be tether, native or ws, got ${kind}`);

const connections = mode === "rtt100" ? 100 : 1;
const message = new Uint8Array(mode === "mib" ? MiB : 32).fill(42);
const echoers = await Promise.all(Array.from({ length: connections }, open));
let completed = 0;
let measuring = false;
let running = true;
const loops = echoers.map(async (echoer) => {
  while (running) {
    const size = await echoer.roundTrip(message);
    if (size !== message.length) throw new Error(`echo of ${size} bytes for ${message.length}`);
    if (measuring) completed++;
  }
});
await new Promise((resolve) => setTimeout(resolve, 500));
measuring = true;
const started = performance.now();
const cpuBefore = process.cpuUsage();
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
measuring = false;
const elapsed = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
running = false;
await Promise.race([Promise.all(loops), new Promise((resolve) => setTimeout(resolve, 2000))]);
for (const echoer of echoers) echoer.close();
const value = mode === "mib" ? (completed * message.length) / MiB / elapsed : completed / elapsed;
console.log(
  "RESULT " + JSON.stringify({
    value,
    // µs of the client's CPU per round trip, or per MiB echoed.
    cpuMicros: (cpuSeconds * 1e6) / (value * elapsed),
    busy: cpuSeconds / elapsed,
  }),
);
process.exit(0);
