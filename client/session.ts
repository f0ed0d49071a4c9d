import type { Connection, ConnectionEvents } from "../connection/connection.ts";
import { fitReason } from "../dispatch/close-reason.ts";
import { closeAndAwaitReply } from "../dispatch/closing.ts";
import { fromFrameError, type WebSocketError } from "../dispatch/errors.ts";
import { CloseCode } from "../frame/close.ts";
import type { FrameError } from "../frame/errors.ts";

/** What a session reports to its client. */
export interface SessionOwner {
  message(session: Session, data: string | Uint8Array): void;
  ping(session: Session, data: Uint8Array): void;
  pong(session: Session, data: Uint8Array): void;
  /** The peer's close frame arrived (it was already answered). */
  peerClosed(session: Session, code: number, reason: string): void;
  /** The peer broke the protocol; the connection is failing with the matching code. */
  failed(session: Session, error: WebSocketError): void;
  ended(session: Session): void;
}

/**
 * One connection of a client, from its handshake to its end: keeps the closing handshake
 * (answers the peer's close, waits for the answer to ours) and tells the client the rest.
 * A client that reconnects has one session per connection.
 */
export class Session implements ConnectionEvents {
  readonly id: string = crypto.randomUUID();
  readonly connection: Connection;
  readonly #owner: SessionOwner;
  #closeSent = false;
  #closeReceived = false;
  #ended = false;
  #closeWaiter: ((received: boolean) => void) | undefined;
  /** Settles when the transport has closed. */
  readonly endedSignal: Promise<void>;
  #signalEnded!: () => void;

  constructor(connection: Connection, owner: SessionOwner) {
    this.connection = connection;
    this.#owner = owner;
    this.endedSignal = new Promise((resolve) => this.#signalEnded = resolve);
  }

  /** Whether messages may still be sent. */
  get writable(): boolean {
    return !this.#closeSent && !this.#closeReceived && !this.#ended;
  }

  /** Whether the connection ended without a closing handshake from either side. */
  get lost(): boolean {
    return this.#ended && !this.#closeSent && !this.#closeReceived;
  }

  /** Sends our close and waits up to `timeout` seconds (-1: forever) for the peer's. */
  close(code: number, reason: string, timeout: number): Promise<void> {
    this.#closeSent = true;
    const reply = this.#closeReceived || this.#ended
      ? Promise.resolve(this.#closeReceived)
      : new Promise<boolean>((resolve) => this.#closeWaiter = resolve);
    return closeAndAwaitReply(this.connection, code, reason, timeout, reply);
  }

  // --- ConnectionEvents ---

  text(data: string): void {
    this.#owner.message(this, data);
  }

  binary(data: Uint8Array): void {
    this.#owner.message(this, data);
  }

  pingReceived(data: Uint8Array): void {
    this.#owner.ping(this, data);
  }

  pongReceived(data: Uint8Array): void {
    this.#owner.pong(this, data);
  }

  // The owner hears of the close before the echo goes out: a runtime may report the end
  // of the socket from inside the call that closes it.
  closing(code: number, reason: string): void {
    this.#closeReceived = true;
    this.#owner.peerClosed(this, code, reason);
    if (this.#closeSent) {
      this.#closeWaiter?.(true);
    } else {
      this.#closeSent = true;
      const echo = code === CloseCode.NoStatusReceived ? undefined : code;
      this.connection.sendClose(echo, "").catch(() => {});
    }
  }

  failed(error: FrameError): void {
    this.#owner.failed(this, fromFrameError(error));
    if (!this.#closeSent) {
      this.#closeSent = true;
      this.connection.fail(error.closeCode, fitReason(error.message));
    }
  }

  ended(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#closeWaiter?.(this.#closeReceived);
    this.#owner.ended(this);
    this.#signalEnded();
  }
}
