/** Receives what a {@link ByteSocket} reads. */
export interface ByteReceiver {
  /** Bytes from the peer; the receiver owns the chunk (its memory is never reused). */
  data(chunk: Uint8Array): void;
  /** The socket is closed, by either side or by an error. */
  closed(): void;
}

/**
 * A runtime's TCP or TLS socket reduced to what the frames engine needs. Writes are queued
 * and coalesced; partial writes are retried when the socket drains.
 */
export interface ByteSocket {
  readonly secure: boolean;
  /** Bytes queued and not yet handed to the operating system. */
  readonly pending: number;
  /** Where read bytes go from now on; chunks read before the first call are kept for it. */
  receive(receiver: ByteReceiver): void;
  /** Queues `data`; true when all of it was handed to the operating system at once. */
  write(data: Uint8Array): boolean;
  /** Resolves once everything queued so far was handed over, or the socket closed. */
  drained(): Promise<void>;
  pause(): void;
  resume(): void;
  /** Closes once the queued bytes are written. */
  end(): void;
  /** Closes at once, dropping queued bytes. */
  destroy(): void;
}

/**
 * Where a socket adapter sends what it reads: chunks that arrive before a receiver is set
 * are kept for it, and the end of the socket is reported once.
 */
export class Inbox {
  #receiver: ByteReceiver | undefined;
  #early: Uint8Array[] = [];
  #closed = false;

  set(receiver: ByteReceiver): void {
    this.#receiver = receiver;
    const early = this.#early;
    this.#early = [];
    for (const chunk of early) receiver.data(chunk);
    if (this.#closed) receiver.closed();
  }

  data(chunk: Uint8Array): void {
    if (this.#receiver === undefined) this.#early.push(chunk);
    else this.#receiver.data(chunk);
  }

  closed(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#receiver?.closed();
  }
}

/** Callers waiting for a socket's write queue to empty. */
export class DrainWaiters {
  #waiters: (() => void)[] = [];

  wait(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
