import type { DeflateRaw, InflateRaw } from "node:zlib";
import { CloseCode } from "./close.ts";
import type { DeflateParams } from "./deflate-negotiation.ts";
import { FrameError } from "./errors.ts";
import { readLimit } from "./limits.ts";
import { nodeBuiltin } from "./node-builtin.ts";

/** The empty stored block a sync flush ends with; RFC 7692 strips it on the wire. */
const SYNC_FLUSH_TAIL = new Uint8Array([0x00, 0x00, 0xff, 0xff]);
const DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

type ZlibStream = DeflateRaw | InflateRaw;

/**
 * Options of a {@link PerMessageDeflate} codec.
 *
 * @example
 * ```ts
 * import type { PerMessageDeflateOptions } from "@tether/websocket";
 * const options: PerMessageDeflateOptions = { role: "client", maxMessageSize: 1 << 20 };
 * ```
 */
export interface PerMessageDeflateOptions {
  /** Which end of the connection this codec serves; decides which parameters apply. */
  role: "server" | "client";
  /** Largest inflated message, in bytes; past it inflation stops with 1009. Default 16 MiB. */
  maxMessageSize?: number;
  /** zlib compression level, 0-9. Default 6. */
  level?: number;
}

interface Job {
  input: Uint8Array;
  chunks: Uint8Array[];
  length: number;
  resolve(result: Uint8Array | FrameError): void;
}

/** Joins zlib's output chunks; a single chunk becomes a plain view, not a `Buffer`. */
function concat(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) {
    const [chunk] = chunks;
    return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  const result = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    result.set(chunk, offset);
    offset += chunk.length;
  }
  return result;
}

function endsWithTail(data: Uint8Array): boolean {
  const n = data.length;
  return n >= 4 && data[n - 4] === 0 && data[n - 3] === 0 && data[n - 2] === 0xff &&
    data[n - 1] === 0xff;
}

function invalidData(error: Error): FrameError {
  return new FrameError(CloseCode.InvalidPayload, `invalid compressed data: ${error.message}`);
}

/**
 * Serialises work on one zlib stream: one message at a time, in call order, so the output
 * of each flush belongs to exactly one message.
 */
class ZlibLane {
  readonly #create: () => ZlibStream;
  readonly #afterJob: (stream: ZlibStream) => void;
  readonly #feed: (stream: ZlibStream, input: Uint8Array) => void;
  readonly #limit: number;
  readonly #syncFlush: number;
  #stream: ZlibStream | undefined;
  #failure: FrameError | undefined;
  readonly #queue: Job[] = [];

  constructor(
    create: () => ZlibStream,
    feed: (stream: ZlibStream, input: Uint8Array) => void,
    afterJob: (stream: ZlibStream) => void,
    limit: number,
    syncFlush: number,
  ) {
    this.#create = create;
    this.#feed = feed;
    this.#afterJob = afterJob;
    this.#limit = limit;
    this.#syncFlush = syncFlush;
  }

  run(input: Uint8Array): Promise<Uint8Array | FrameError> {
    if (this.#failure) return Promise.resolve(this.#failure);
    return new Promise((resolve) => {
      this.#queue.push({ input, chunks: [], length: 0, resolve });
      if (this.#queue.length === 1) this.#start();
    });
  }

  close(): void {
    this.#fail(new FrameError(CloseCode.AbnormalClosure, "compression codec closed"));
  }

  #open(): ZlibStream {
    const stream = this.#create();
    stream.on("data", (chunk: Uint8Array) => {
      const job = this.#queue[0];
      if (job === undefined) return;
      job.length += chunk.length;
      if (job.length > this.#limit) {
        this.#fail(
          new FrameError(CloseCode.MessageTooBig, `inflated message exceeds ${this.#limit} bytes`),
        );
      } else {
        job.chunks.push(chunk);
      }
    });
    stream.on("error", (error: Error) => this.#fail(invalidData(error)));
    return stream;
  }

  #start(): void {
    const job = this.#queue[0];
    const stream = this.#stream ??= this.#open();
    this.#feed(stream, job.input);
    stream.flush(this.#syncFlush, () => {
      if (this.#queue[0] !== job || this.#failure) return;
      // Deno completes the flush of corrupt input before it emits "error".
      if (stream.errored) {
        this.#fail(invalidData(stream.errored));
        return;
      }
      this.#queue.shift();
      this.#afterJob(stream);
      job.resolve(concat(job.chunks, job.length));
      if (this.#queue.length > 0) this.#start();
    });
  }

  #fail(failure: FrameError): void {
    if (this.#failure) return;
    this.#failure = failure;
    this.#stream?.destroy();
    this.#stream = undefined;
    for (const job of this.#queue.splice(0)) job.resolve(failure);
  }
}

/**
 * The permessage-deflate codec of RFC 7692 for one connection, on `node:zlib`, which is
 * loaded with the first codec rather than with the library. Each message is compressed with
 * a sync flush and sent without the trailing `00 00 ff ff`, which inflation appends again. The sliding window is kept across messages unless the
 * negotiated parameters ask for no context takeover. Inflation is capped: a small frame
 * that inflates past `maxMessageSize` stops there with a 1009 error (decompression bomb).
 *
 * Calls on each direction are processed one at a time, in order. Failures are returned as
 * {@link FrameError} values, never thrown.
 *
 * @example
 * ```ts
 * import { PerMessageDeflate } from "@tether/websocket";
 * const params = {
 *   serverNoContextTakeover: false,
 *   clientNoContextTakeover: false,
 *   serverMaxWindowBits: 15,
 *   clientMaxWindowBits: 15,
 * };
 * const server = new PerMessageDeflate(params, { role: "server" });
 * const client = new PerMessageDeflate(params, { role: "client" });
 * const wire = await server.compress(new TextEncoder().encode("hello hello hello"));
 * const plain = await client.decompress(wire as Uint8Array);
 * console.log(new TextDecoder().decode(plain as Uint8Array)); // "hello hello hello"
 * server.close();
 * client.close();
 * ```
 */
export class PerMessageDeflate {
  readonly #deflate: ZlibLane;
  readonly #inflate: ZlibLane;

  /** A codec for one connection with the negotiated `params`; bad options throw `RangeError`. */
  constructor(params: DeflateParams, options: PerMessageDeflateOptions) {
    const server = options.role === "server";
    const ownBits = server ? params.serverMaxWindowBits : params.clientMaxWindowBits;
    const ownReset = server ? params.serverNoContextTakeover : params.clientNoContextTakeover;
    const peerBits = server ? params.clientMaxWindowBits : params.serverMaxWindowBits;
    const peerReset = server ? params.clientNoContextTakeover : params.serverNoContextTakeover;
    if (options.role !== "server" && options.role !== "client") {
      throw new RangeError(`role must be "server" or "client", got ${options.role}`);
    }
    const level = options.level ?? 6;
    if (!Number.isInteger(level) || level < 0 || level > 9) {
      throw new RangeError(`level must be an integer from 0 to 9, got ${level}`);
    }
    for (const bits of [params.serverMaxWindowBits, params.clientMaxWindowBits]) {
      if (!Number.isInteger(bits) || bits < 8 || bits > 15) {
        throw new RangeError(`window bits must be 8-15, got ${bits}`);
      }
    }
    const maxMessageSize = readLimit(
      "maxMessageSize",
      options.maxMessageSize,
      DEFAULT_MAX_MESSAGE_SIZE,
    );
    const zlib = nodeBuiltin("node:zlib");
    // zlib cannot deflate with a 256-byte window; run-length matches reach back one byte,
    // which fits any window, so an 8-bit agreement is kept that way.
    const deflateOptions = ownBits === 8
      ? { level, windowBits: 9, strategy: zlib.constants.Z_RLE }
      : { level, windowBits: ownBits };

    this.#deflate = new ZlibLane(
      () => zlib.createDeflateRaw(deflateOptions),
      (stream, input) => stream.write(input),
      (stream) => ownReset && stream.reset(),
      Infinity,
      zlib.constants.Z_SYNC_FLUSH,
    );
    this.#inflate = new ZlibLane(
      () => zlib.createInflateRaw({ windowBits: peerBits }),
      (stream, input) => {
        stream.write(input);
        stream.write(SYNC_FLUSH_TAIL);
      },
      (stream) => peerReset && stream.reset(),
      maxMessageSize,
      zlib.constants.Z_SYNC_FLUSH,
    );
  }

  /** The compressed payload of one message, without the sync-flush tail. */
  async compress(data: Uint8Array): Promise<Uint8Array | FrameError> {
    const output = await this.#deflate.run(data);
    if (output instanceof FrameError || !endsWithTail(output)) return output;
    return output.subarray(0, output.length - SYNC_FLUSH_TAIL.length);
  }

  /** The inflated payload of one compressed message, or a 1007/1009 error. */
  decompress(data: Uint8Array): Promise<Uint8Array | FrameError> {
    if (data.length === 0) return Promise.resolve(data);
    return this.#inflate.run(data);
  }

  /** Releases both zlib streams; pending calls resolve with an error. */
  close(): void {
    this.#deflate.close();
    this.#inflate.close();
  }
}
