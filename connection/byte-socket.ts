import { allocateBytes, releaseUnused } from "../frame/bytes.ts";

/**
 * Queued bytes below which a socket whose writes complete later counts a frame it encoded into
 * memory of its own as sent once queued. Nothing else can change those bytes, and waiting for
 * each write to complete would cost every message a promise and a turn of the event loop.
 */
export const OWNED_QUEUE_LIMIT = 64 * 1024;

/** Puts up to `target.length` bytes at the start of `target`; returns how many it put. */
export type Fill = (target: Uint8Array) => number;

/** Receives what a {@link ByteSocket} reads. */
export interface ByteReceiver {
  /**
   * Bytes from the peer; the receiver owns the chunk. Returning true says it kept nothing of
   * it, so that a socket that {@link ByteSocket.recyclesChunks} may read into it again.
   */
  data(chunk: Uint8Array): boolean | void;
  /** The socket is closed, by either side or by an error. */
  closed(): void;
}

/**
 * A runtime's TCP or TLS socket reduced to what our wire layer needs, on either end of a
 * connection. Writes are queued and coalesced; partial writes are retried when the socket
 * drains.
 */
export interface ByteSocket {
  readonly secure: boolean;
  /**
   * Whether the socket reads into a chunk's memory again once its receiver says it kept
   * nothing of it; a receiver that copies what it keeps then costs no allocation per read.
   */
  readonly recyclesChunks: boolean;
  /** The error that ended the socket, where the runtime reports one (TLS alerts, resets). */
  readonly failure?: Error;
  /** Bytes queued and not yet handed to the operating system. */
  readonly pending: number;
  /**
   * Where read bytes go from now on. While no receiver is set (before the first call, or
   * after `receive(undefined)`) chunks are kept for the next one.
   */
  receive(receiver: ByteReceiver | undefined): void;
  /**
   * Puts bytes back in front of those kept for the next receiver: what was read past an
   * HTTP head belongs to the connection that takes the socket over.
   */
  unread(chunk: Uint8Array): void;
  /** Queues `data`; true when all of it was handed to the operating system at once. */
  write(data: Uint8Array): boolean;
  /**
   * Writes what `fill` puts into memory the socket lends it for the call (at most `length`
   * bytes). True when the caller need not wait: the bytes were handed to the operating system
   * at once, or the socket keeps them in memory of its own behind fewer than
   * {@link OWNED_QUEUE_LIMIT} queued bytes. A socket that writes synchronously reuses that
   * memory, so a frame encoded straight into it costs no allocation. `lead` (0-15, see
   * `frameLead`) is how far past a 16-byte boundary that memory should start, where the
   * socket copies through a runtime whose copies care.
   */
  writeInto(length: number, fill: Fill, lead?: number): boolean;
  /**
   * Resolves `true` once everything queued so far was handed to the operating system, or
   * `false` when the socket closed before all of it was.
   */
  drained(): Promise<boolean>;
  pause(): void;
  resume(): void;
  /** Closes once the queued bytes are written. */
  end(): void;
  /** Closes at once, dropping queued bytes. */
  destroy(): void;
}

/**
 * `writeInto` for sockets that keep the buffer they are given until it is sent: a frame
 * buffer of its own (small ones share slabs), starting `lead` bytes past a 16-byte boundary
 * when `lead` is not 0.
 */
export function writeOwned(socket: ByteSocket, length: number, fill: Fill, lead = 0): boolean {
  if (lead !== 0) {
    const memory = allocateBytes(length + 15);
    const start = (lead - memory.byteOffset) & 15;
    const used = fill(memory.subarray(start, start + length));
    return socket.write(memory.subarray(start, start + used));
  }
  const target = allocateBytes(length);
  const used = fill(target);
  releaseUnused(target, used);
  return socket.write(used === target.length ? target : target.subarray(0, used));
}

/**
 * The receiving side every socket adapter shares: chunks that arrive before a receiver is
 * set are kept for it, and the end of the socket is reported once. Adapters extend it rather
 * than hold one, so that each connection's socket is one object.
 */
export class Inbox {
  #receiver: ByteReceiver | undefined;
  #early: Uint8Array[] | undefined;
  #ended = false;

  /** {@link ByteSocket.receive}. */
  receive(receiver: ByteReceiver | undefined): void {
    this.#receiver = receiver;
    if (receiver === undefined) return;
    const early = this.#early;
    this.#early = undefined;
    for (const chunk of early ?? []) receiver.data(chunk);
    if (this.#ended) receiver.closed();
  }

  /** {@link ByteSocket.unread}: keeps `chunk` for the next receiver, ahead of any kept already. */
  unread(chunk: Uint8Array): void {
    if (chunk.length > 0) (this.#early ??= []).unshift(chunk);
  }

  /** Whether the end of the socket was reported. */
  protected get inboxEnded(): boolean {
    return this.#ended;
  }

  /** Delivers or keeps `chunk`; true when the receiver kept nothing of it. */
  protected deliver(chunk: Uint8Array): boolean {
    if (this.#receiver !== undefined) return this.#receiver.data(chunk) === true;
    (this.#early ??= []).push(chunk);
    return false;
  }

  /** Reports the end of the socket, once. */
  protected deliverEnd(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#receiver?.closed();
  }
}

interface DrainWaiter {
  /** How many bytes the socket must have handed over, over its life, for this waiter. */
  target: number;
  resolve(flushed: boolean): void;
}

/**
 * Callers waiting for their bytes to reach the operating system. Each waits for the bytes
 * queued up to its call, not for the queue to empty, so that a socket that dies with later
 * bytes unsent still tells earlier writers their bytes went out.
 */
export class DrainWaiters {
  /** Made for the first waiter. */
  #waiters: DrainWaiter[] | undefined;
  #flushed = 0;

  /**
   * A socket's `drained()`: `true` once its `pending` bytes were handed over (at once when
   * there are none), `false` when it is `closed` before.
   */
  drained(pending: number, closed: boolean): Promise<boolean> {
    if (closed) return Promise.resolve(false);
    if (pending === 0) return Promise.resolve(true);
    const target = this.#flushed + pending;
    return new Promise((resolve) => (this.#waiters ??= []).push({ target, resolve }));
  }

  /** `count` more bytes were handed over. */
  progress(count: number): void {
    this.#flushed += count;
    const waiters = this.#waiters;
    if (waiters === undefined) return;
    let woken = 0;
    while (woken < waiters.length && waiters[woken].target <= this.#flushed) {
      waiters[woken++].resolve(true);
    }
    if (woken > 0) waiters.splice(0, woken);
  }

  /** The socket closed: whoever still waits, waits in vain. */
  close(): void {
    const waiters = this.#waiters ?? [];
    this.#waiters = undefined;
    for (const waiter of waiters) waiter.resolve(false);
  }
}
