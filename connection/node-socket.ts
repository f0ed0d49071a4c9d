import type { Socket } from "node:net";
import {
  type ByteSocket,
  DrainWaiters,
  type Fill,
  Inbox,
  OWNED_QUEUE_LIMIT,
  writeOwned,
} from "./byte-socket.ts";

/**
 * A `node:net` or `node:tls` socket as a {@link ByteSocket}, for the TLS settings only
 * `node:tls` offers on Deno and Bun (client certificates, protocol versions, ciphers).
 * The stream queues writes itself; a write's callback says its bytes left.
 */
export class NodeByteSocket extends Inbox implements ByteSocket {
  readonly secure: boolean;
  readonly recyclesChunks = false;
  failure: Error | undefined;
  readonly #socket: Socket;
  #pending = 0;
  readonly #drainWaiters = new DrainWaiters();
  #ending = false;
  #closed = false;

  constructor(socket: Socket, secure: boolean) {
    super();
    this.#socket = socket;
    this.secure = secure;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Uint8Array) => {
      // A plain view: Buffer's slice() shares memory where Uint8Array's copies.
      this.deliver(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
    // "close" follows every error, which is kept for whoever asks why the socket ended.
    socket.on("error", (error) => this.failure = error);
    socket.on("close", () => this.#onClose());
    if (socket.destroyed) this.#onClose();
  }

  get pending(): number {
    return this.#pending;
  }

  write(data: Uint8Array): boolean {
    if (this.#closed || this.#ending) return false;
    const size = data.length;
    this.#pending += size;
    this.#socket.write(data, (error) => {
      if (error || this.#closed) return;
      this.#pending -= size;
      this.#drainWaiters.progress(size);
    });
    // The stream reports bytes sent only in a later callback.
    return false;
  }

  writeInto(length: number, fill: Fill): boolean {
    if (this.#closed || this.#ending) return false;
    writeOwned(this, length, fill);
    return this.#pending <= OWNED_QUEUE_LIMIT;
  }

  drained(): Promise<boolean> {
    return this.#drainWaiters.drained(this.#pending, this.#closed);
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  end(): void {
    if (this.#closed || this.#ending) return;
    this.#ending = true;
    this.#socket.end();
  }

  destroy(): void {
    if (this.#closed) return;
    this.#socket.destroy();
    this.#onClose();
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending = 0;
    this.#drainWaiters.close();
    this.deliverEnd();
  }
}
