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
