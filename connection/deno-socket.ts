import {
  type ByteSocket,
  DrainWaiters,
  type Fill,
  Inbox,
  OWNED_QUEUE_LIMIT,
  writeOwned,
} from "./byte-socket.ts";
import { ReadBuffer } from "./read-buffer.ts";

/** The part of `Deno.Conn` this adapter uses. */
export interface DenoConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  close(): void;
}

/** Queued chunks up to this size are merged into one write; larger ones go alone. */
const COALESCE_LIMIT = 64 * 1024;

/**
 * Frames at least this large are encoded into buffers that go back to a pool shared by every
 * socket once written. A fresh buffer of a megabyte costs V8 a zero-fill and the collector a
 * large object per frame, which made a client's 1 MiB messages about a third slower.
 */
const REUSED_FRAME_MIN = 128 * 1024;
/** The most bytes the pool keeps in spare buffers; a buffer that would pass it is dropped. */
const SPARE_BYTES_LIMIT = 16 * 1024 * 1024;
const spares: Uint8Array[] = [];
let spareBytes = 0;
/** The memory of the pool's buffers, so that only those go back to it. */
const pooled = new WeakSet<object>();

function takeSpare(length: number): Uint8Array {
  const index = spares.findIndex((spare) => spare.length >= length);
  if (index < 0) {
    const made = new Uint8Array(length);
    pooled.add(made.buffer);
    return made;
  }
  const [spare] = spares.splice(index, 1);
  spareBytes -= spare.length;
  return spare;
}

/** `written` was handed to the operating system whole: its buffer may be used again. */
function giveBack(written: Uint8Array): void {
  const memory = written.buffer;
  if (!pooled.has(memory) || spareBytes + memory.byteLength > SPARE_BYTES_LIMIT) return;
  spares.push(new Uint8Array(memory));
  spareBytes += memory.byteLength;
}

/**
 * A `Deno.Conn` as a {@link ByteSocket}. One read is in flight at a time, into a
 * {@link ReadBuffer} of 4 to 64 KiB. One write is in flight at a time, and frames queued
 * meanwhile are merged into the next.
 */
export class DenoByteSocket extends Inbox implements ByteSocket {
  readonly secure: boolean;
  readonly recyclesChunks = true;
  readonly #conn: DenoConn;
  #queue: Uint8Array[] = [];
  #pending = 0;
  #writing = false;
  readonly #drainWaiters = new DrainWaiters();
  #paused = false;
  #resumeReading: (() => void) | undefined;
  #ending = false;
  #closed = false;

  constructor(conn: DenoConn, secure: boolean) {
    super();
    this.#conn = conn;
    this.secure = secure;
    this.#readLoop();
  }

  get pending(): number {
    return this.#pending;
  }

  write(data: Uint8Array): boolean {
    if (this.#closed || this.#ending) return false;
    this.#queue.push(data);
    this.#pending += data.length;
    if (!this.#writing) this.#writeLoop();
    return false;
  }

  writeInto(length: number, fill: Fill): boolean {
    if (this.#closed || this.#ending) return false;
    if (length < REUSED_FRAME_MIN) {
      writeOwned(this, length, fill);
    } else {
      const target = takeSpare(length);
      this.write(target.subarray(0, fill(target)));
    }
    return this.#pending <= OWNED_QUEUE_LIMIT;
  }

  drained(): Promise<boolean> {
    return this.#drainWaiters.drained(this.#pending, this.#closed);
  }

  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    const resume = this.#resumeReading;
    this.#resumeReading = undefined;
    resume?.();
  }

  end(): void {
    if (this.#closed) return;
    this.#ending = true;
    if (!this.#writing) this.destroy();
  }

  destroy(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue = [];
    this.#pending = 0;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the runtime; nothing to release.
    }
    this.#drainWaiters.close();
    this.resume();
  }

  async #readLoop(): Promise<void> {
    const buffer = new ReadBuffer();
    try {
      while (!this.#closed) {
        if (this.#paused) await new Promise<void>((resolve) => this.#resumeReading = resolve);
        if (this.#closed) break;
        const count = await this.#conn.read(buffer.room());
        if (count === null) break;
        const chunk = buffer.filled(count);
        if (!this.deliver(chunk)) buffer.keep(count);
      }
    } catch {
      // A reset or a close from our side ends reading the same way as end of stream.
    }
    this.destroy();
    this.deliverEnd();
  }

  async #writeLoop(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0 && !this.#closed) {
        const chunk = this.#takeChunk();
        let offset = 0;
        while (offset < chunk.length && !this.#closed) {
          const written = await this.#conn.write(offset === 0 ? chunk : chunk.subarray(offset));
          if (this.#closed) break;
          offset += written;
          this.#pending -= written;
          this.#drainWaiters.progress(written);
        }
        // Only a chunk written whole is free: an interrupted write may still be reading it.
        if (offset === chunk.length && chunk.length >= REUSED_FRAME_MIN) giveBack(chunk);
      }
    } catch {
      this.destroy();
    }
    this.#writing = false;
    if (this.#ending) this.destroy();
  }

  #takeChunk(): Uint8Array {
    const queue = this.#queue;
    // A lone chunk, the usual case, is popped: V8 shifts a one-element array far more slowly.
    if (queue.length === 1) return queue.pop()!;
    if (queue[0].length >= COALESCE_LIMIT) return queue.shift()!;
    let count = 0;
    let size = 0;
    while (count < queue.length && size + queue[count].length <= COALESCE_LIMIT) {
      size += queue[count++].length;
    }
    if (count <= 1) return queue.shift()!;
    const merged = new Uint8Array(size);
    let offset = 0;
    for (const part of queue.splice(0, count)) {
      merged.set(part, offset);
      offset += part.length;
    }
    return merged;
  }
}
