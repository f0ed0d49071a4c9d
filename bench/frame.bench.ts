/**
 * Wire-layer throughput: parse+unmask and serialize+mask, for tether's frame layer and for
 * the `ws` package's own Receiver and Sender, measured one after the other in one process.
 *
 * Each measurement starts from a collected heap, so that none pays for the garbage the one
 * before it left: after the parse rows, Bun's 1 KiB serialize row read 0.87x `ws` without
 * this and 1.16-1.30x with it (or alone). On Deno this needs V8's `gc()`:
 *
 *   deno run -A --v8-flags=--expose-gc bench/frame.bench.ts
 *   bun bench/frame.bench.ts
 */
import { Buffer } from "node:buffer";
import { createRequire } from "node:module";
import { encodeFrame, FrameParser, Opcode } from "../mod.ts";

interface WsReceiver {
  on(event: "message", listener: () => void): void;
  on(event: "error", listener: (error: Error) => void): void;
  write(chunk: Uint8Array): boolean;
}
interface WsPackage {
  Receiver: new (options: Record<string, unknown>) => WsReceiver;
  Sender: { frame(data: Uint8Array, options: Record<string, unknown>): Uint8Array[] };
}

// Loaded by path: Bun answers a bare "ws" import with its own built-in replacement.
const { Receiver, Sender } = createRequire(import.meta.url)(
  "../node_modules/ws/index.js",
) as WsPackage;

const SIZES = [20, 1024, 16 * 1024, 1024 * 1024];
/** Bytes of frames handed to a parser per timed round. */
const BATCH_BYTES = 4 * 1024 * 1024;
const MEASURE_MS = 600;
const WARMUP_ROUNDS = 3;

declare const Deno: { version: { deno: string } } | undefined;
declare const Bun: { version: string; gc(force: boolean): void } | undefined;

/** A full collection: Bun's, or V8's where Deno runs with `--expose-gc`; false when neither. */
function collectGarbage(): boolean {
  if (typeof Bun !== "undefined") {
    Bun.gc(true);
    return true;
  }
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  return gc !== undefined;
}

function runtimeName(): string {
  if (typeof Bun !== "undefined") return `Bun ${Bun.version}`;
  if (typeof Deno !== "undefined") return `Deno ${Deno.version.deno}`;
  return "unknown runtime";
}

function payloadOf(size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * 131 + 17) & 0xff);
}

/** Runs `round` (which returns the messages it handled) repeatedly; returns messages/s. */
function measure(round: () => number): number {
  for (let i = 0; i < WARMUP_ROUNDS; i++) round();
  let messages = 0;
  let elapsed = 0;
  while (elapsed < MEASURE_MS) {
    const start = performance.now();
    messages += round();
    elapsed += performance.now() - start;
  }
  return (messages / elapsed) * 1000;
}

/**
 * Feeds a parser batches of masked client frames; each round gets a fresh copy of the
 * batch, made outside the timed part, since both parsers unmask in place. Returns
 * messages/s after checking that every message was delivered.
 */
function measureParse(
  size: number,
  makeParser: (onMessage: () => void) => (chunk: Uint8Array) => void,
): number {
  const frame = encodeFrame(Opcode.Binary, payloadOf(size), true);
  const count = Math.max(1, Math.floor(BATCH_BYTES / frame.length));
  const template = new Uint8Array(frame.length * count);
  for (let i = 0; i < count; i++) template.set(frame, i * frame.length);
  let received = 0;
  const push = makeParser(() => received++);
  for (let i = 0; i < WARMUP_ROUNDS; i++) push(template.slice());
  const warmup = received;
  let timed = 0;
  let total = 0;
  while (timed < MEASURE_MS) {
    const chunk = template.slice();
    const start = performance.now();
    push(chunk);
    timed += performance.now() - start;
    total += count;
  }
  if (received - warmup < total) throw new Error("a parser lost messages");
  return (total / timed) * 1000;
}

function parseTether(size: number): number {
  return measureParse(size, (onMessage) => {
    const parser = new FrameParser({
      role: "server",
      maxFrameSize: Infinity,
      maxMessageSize: Infinity,
    }, {
      text: onMessage,
      binary: onMessage,
      compressed: () => {},
      ping: () => {},
      pong: () => {},
      close: () => {},
      error: (error) => {
        throw error;
      },
    });
    return (chunk) => parser.push(chunk);
  });
}

function parseWs(size: number): number {
  return measureParse(size, (onMessage) => {
    const receiver = new Receiver({ isServer: true, maxPayload: 0, allowSynchronousEvents: true });
    receiver.on("message", onMessage);
    receiver.on("error", (error: Error) => {
      throw error;
    });
    return (chunk) => receiver.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  });
}

function serializeTether(size: number): number {
  const payload = payloadOf(size);
  const perRound = Math.max(1, Math.floor(BATCH_BYTES / 8 / (size + 14)));
  return measure(() => {
    for (let i = 0; i < perRound; i++) encodeFrame(Opcode.Binary, payload, true);
    return perRound;
  });
}

function serializeWs(size: number): number {
  const payload = Buffer.from(payloadOf(size));
  const perRound = Math.max(1, Math.floor(BATCH_BYTES / 8 / (size + 14)));
  const options = { fin: true, mask: true, opcode: 2, readOnly: true, rsv1: false };
  return measure(() => {
    for (let i = 0; i < perRound; i++) Sender.frame(payload, options);
    return perRound;
  });
}

function formatSize(size: number): string {
  return size >= 1024 * 1024
    ? `${size / 1024 / 1024} MiB`
    : size >= 1024
    ? `${size / 1024} KiB`
    : `${size} B`;
}

function formatRate(messagesPerSecond: number, size: number): string {
  const megabytes = (messagesPerSecond * size) / 1e6;
  return `${Math.round(messagesPerSecond).toLocaleString("en-US")} msg/s (${
    megabytes.toFixed(0)
  } MB/s)`;
}

const rows: string[] = [];
for (
  const [name, ours, theirs] of [
    ["parse+unmask", parseTether, parseWs],
    ["serialize+mask", serializeTether, serializeWs],
  ] as const
) {
  for (const size of SIZES) {
    collectGarbage();
    const tether = ours(size);
    collectGarbage();
    const ws = theirs(size);
    rows.push(
      `| ${name} | ${formatSize(size)} | ${formatRate(tether, size)} | ${formatRate(ws, size)} | ${
        (tether / ws).toFixed(2)
      }x |`,
    );
  }
}

console.log(`\n### Wire layer on ${runtimeName()}\n`);
if (!collectGarbage()) {
  console.log("(no full collection between measurements: run Deno with --v8-flags=--expose-gc)\n");
}
console.log("| operation | payload | tether | ws | tether / ws |");
console.log("| --- | --- | --- | --- | --- |");
for (const row of rows) console.log(row);
