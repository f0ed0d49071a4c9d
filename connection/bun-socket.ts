import { gatherInto } from "../frame/bytes.ts";
import { simdFrameMemory } from "../frame/mask.ts";
import {
  type ByteSocket,
  DrainWaiters,
  type Fill,
  Inbox,
  OWNED_QUEUE_LIMIT,
  writeOwned,
} from "./byte-socket.ts";

/** The part of Bun's TCP socket this adapter uses. */
export interface BunTcpSocket {
  write(data: Uint8Array, byteOffset?: number, byteLength?: number): number;
  end(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
}

/**
 * Frames up to this size are encoded into one buffer shared by every socket: Bun writes
 * synchronously, so the buffer is free again as soon as `write` returns, and only the bytes
 * the socket could not take yet are copied out to wait. Reusing memory that is already
 * mapped and cached makes a client's 1 MiB message about 15% faster than a fresh buffer per
 * frame; the process keeps one buffer of at most this size for it. Where WebAssembly runs,
 * the buffer lies in the memory of the module that masks client frames, which then masks a
 * payload where it lies instead of passing it through its memory and back.
 */
const SCRATCH_LIMIT = 4 * 1024 * 1024;
let scratch: Uint8Array | undefined;

function scratchOf(length: number): Uint8Array {
  const shared = simdFrameMemory(length);
  if (shared !== undefined) return shared;
  if (scratch === undefined || scratch.length < length) {
    scratch = new Uint8Array(Math.max(64 * 1024, 2 ** Math.ceil(Math.log2(length))));
  }
  return scratch;
}

// Bun gives memory without zero-filling it; messages gathered from pieces take theirs from it.
const allocUnsafe = (globalThis as { Bun?: { allocUnsafe?(length: number): Uint8Array } }).Bun
  ?.allocUnsafe;
if (allocUnsafe !== undefined) gatherInto(allocUnsafe);

/** Bits of a socket's `#mode`. */
const SECURE = 1;
const ENDING = 2;

/**
 * A Bun TCP socket as a {@link ByteSocket}. Bun writes synchronously and reports how much it
 * took; the rest is queued here and retried when Bun reports the socket drained. It is closed
 * once its {@link Inbox} has reported the end.
 */
export class BunByteSocket extends Inbox implements ByteSocket {
  readonly #socket: BunTcpSocket;
  /** Bytes Bun could not take yet, made for the first; `pending` counts them. */
  #queue: Uint8Array[] | undefined;
  #pending = 0;
  /** Made for the first caller of `drained()`: only writers the socket could not keep up with. */
  #drainWaiters: DrainWaiters | undefined;
  /**
   * {@link SECURE} and {@link ENDING} in one field: an idle connection's socket then fits
   * a smaller allocation in JavaScriptCore.
   */
  #mode = 0;

  constructor(socket: BunTcpSocket, secure: boolean) {
    super();
    this.#socket = socket;
    if (secure) this.#mode = SECURE;
  }

  get secure(): boolean {
    return (this.#mode & SECURE) !== 0;
  }

  get recyclesChunks(): boolean {
    return false;
  }

  get pending(): number {
    return this.#pending;
  }

  #closed(): boolean {
    return this.inboxEnded;
  }

  #ending(): boolean {
    return (this.#mode & ENDING) !== 0;
  }

  /** Bun's `data` handler: bytes from the peer. */
  onData(chunk: Uint8Array): void {
    this.deliver(chunk);
  }

  /** Bun's `drain` handler: the socket can take more. */
  onDrain(): void {
    const queue = this.#queue ?? [];
    while (queue.length > 0) {
      const chunk = queue[0];
      const written = Math.max(this.#socket.write(chunk), 0);
      this.#pending -= written;
      this.#drainWaiters?.progress(written);
      if (written < chunk.length) {
        queue[0] = chunk.subarray(written);
        return;
      }
      queue.shift();
    }
    if (this.#ending()) this.#socket.end();
  }

  /** Bun's `close` handler. */
  onClose(): void {
    if (this.#closed()) return;
    this.#queue = undefined;
    this.#pending = 0;
    this.#drainWaiters?.close();
    this.deliverEnd();
  }

  write(data: Uint8Array): boolean {
    if (this.#closed() || this.#ending()) return false;
    if (this.#pending === 0) {
      const written = Math.max(this.#socket.write(data), 0);
      this.#drainWaiters?.progress(written);
      if (written === data.length) return true;
      data = data.subarray(written);
    }
    (this.#queue ??= []).push(data);
    this.#pending += data.length;
    return false;
  }

  writeInto(length: number, fill: Fill, lead = 0): boolean {
    if (this.#closed() || this.#ending()) return false;
    if (this.#pending > 0 || length > SCRATCH_LIMIT) {
      return writeOwned(this, length, fill, lead) || this.#pending <= OWNED_QUEUE_LIMIT;
    }
    const memory = scratchOf(lead + length);
    const used = fill(lead === 0 ? memory : memory.subarray(lead));
    const written = Math.max(this.#socket.write(memory, lead, used), 0);
    this.#drainWaiters?.progress(written);
    if (written === used) return true;
    const rest = memory.slice(lead + written, lead + used);
    (this.#queue ??= []).push(rest);
    this.#pending += rest.length;
    return this.#pending <= OWNED_QUEUE_LIMIT;
  }

  drained(): Promise<boolean> {
    return (this.#drainWaiters ??= new DrainWaiters()).drained(this.#pending, this.#closed());
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  end(): void {
    if (this.#closed() || this.#ending()) return;
    this.#mode |= ENDING;
    if (this.#pending === 0) this.#socket.end();
  }

  destroy(): void {
    if (this.#closed()) return;
    this.#socket.terminate();
    this.onClose();
  }
}
