import type { BinaryInput } from "../frame/bytes.ts";
import { closeArgumentsProblem } from "./closing.ts";
import { ConnectionClosureError } from "./errors.ts";
import { binaryArgument, writeOutgoing } from "./outgoing.ts";

/** What a {@link Caller} needs from the connection it belongs to. */
export interface CallerLink {
  readonly protocol: string;
  readonly secure: boolean;
  readonly open: boolean;
  readonly closeSent: boolean;
  readonly closureTimeout: number;
  sendText(text: string): Promise<void>;
  sendBinary(data: Uint8Array): Promise<void>;
  ping(data: Uint8Array): Promise<void>;
  pong(data: Uint8Array): Promise<void>;
  close(code: number, reason: string, timeout: number): Promise<void>;
}

const EMPTY = new Uint8Array(0);

/**
 * The service's handle on one connection: write to the peer, control and close the
 * connection, and keep per-connection attributes. Every write resolves once its bytes are
 * handed to the socket and rejects with a `ConnectionError` when the connection is closed.
 *
 * @example
 * ```ts
 * import type { Caller, Service } from "@tether/websocket";
 * const service: Service = {
 *   async onTextMessage(caller: Caller, text: string) {
 *     caller.setAttribute("last", text);
 *     await caller.writeTextMessage(`you said ${text}`);
 *     if (text === "bye") await caller.close(1000, "bye");
 *   },
 * };
 * ```
 */
export class Caller {
  readonly #link: CallerLink;
  /** Made on the first `setAttribute`: most connections never keep anything. */
  #attributes: Map<string, unknown> | undefined;
  /** Made when first asked for: most connections never are. */
  #id: string | undefined;

  /** Made by the library for each connection; services receive it, they do not make it. */
  constructor(link: CallerLink) {
    this.#link = link;
  }

  /** Sends a text message. */
  writeTextMessage(text: string): Promise<void> {
    if (typeof text !== "string") {
      return Promise.reject(new TypeError("writeTextMessage needs a string"));
    }
    return this.#writable() ?? this.#link.sendText(text);
  }

  /**
   * Sends a binary message with exactly the bytes of `data`. A received payload sent on as it
   * is may go out without a copy (see the README's "Backpressure"): change it only once this
   * resolves.
   */
  writeBinaryMessage(data: BinaryInput): Promise<void> {
    const bytes = binaryArgument("writeBinaryMessage", data);
    if (bytes instanceof TypeError) return Promise.reject(bytes);
    return this.#writable() ?? this.#link.sendBinary(bytes);
  }

  /** Sends a string or an XML node as text, bytes as binary, and any other value as JSON text. */
  writeMessage(data: unknown): Promise<void> {
    return writeOutgoing(this, data);
  }

  /** Sends a ping (payload up to 125 bytes). */
  ping(data: BinaryInput = EMPTY): Promise<void> {
    const bytes = binaryArgument("ping", data);
    if (bytes instanceof TypeError) return Promise.reject(bytes);
    return this.#writable() ?? this.#link.ping(bytes);
  }

  /** Sends a pong (payload up to 125 bytes), for instance from `onPing`. */
  pong(data: BinaryInput = EMPTY): Promise<void> {
    const bytes = binaryArgument("pong", data);
    if (bytes instanceof TypeError) return Promise.reject(bytes);
    return this.#writable() ?? this.#link.pong(bytes);
  }

  /**
   * Starts the closing handshake with `code` (1000-1003, 1007-1011, 3000-4999) and waits up
   * to `timeout` seconds (-1: forever; default the service's `connectionClosureTimeout`) for
   * the peer's close; the connection is dropped either way. Rejects with
   * `ConnectionClosureError` for a bad code or reason, a second close, or a missing reply.
   */
  close(code = 1000, reason = "", timeout?: number): Promise<void> {
    const wait = timeout ?? this.#link.closureTimeout;
    const problem = closeArgumentsProblem(code, reason, wait);
    if (problem !== undefined) return Promise.reject(problem);
    if (this.#link.closeSent) {
      return Promise.reject(new ConnectionClosureError("Close frame already sent"));
    }
    if (!this.#link.open) {
      return Promise.reject(new ConnectionClosureError("Connection already closed"));
    }
    return this.#link.close(code, reason, wait);
  }

  /** A unique id for this connection. */
  getConnectionId(): string {
    return this.#id ??= crypto.randomUUID();
  }

  /** The sub-protocol agreed at the handshake, or `undefined`. */
  getNegotiatedSubProtocol(): string | undefined {
    return this.#link.protocol || undefined;
  }

  /** Whether the connection runs over TLS (wss). */
  isSecure(): boolean {
    return this.#link.secure;
  }

  /** True until a close frame was sent or the connection ended. */
  isOpen(): boolean {
    return this.#link.open && !this.#link.closeSent;
  }

  /** Keeps `value` with this connection under `key`. */
  setAttribute(key: string, value: unknown): void {
    (this.#attributes ??= new Map()).set(key, value);
  }

  /** The value kept under `key`, or `undefined`. */
  getAttribute(key: string): unknown {
    return this.#attributes?.get(key);
  }

  /** Forgets the value kept under `key`; returns it. */
  removeAttribute(key: string): unknown {
    const value = this.#attributes?.get(key);
    this.#attributes?.delete(key);
    return value;
  }

  #writable(): Promise<never> | undefined {
    if (this.#link.open && !this.#link.closeSent) return undefined;
    return Promise.reject(new ConnectionClosureError("Connection already closed"));
  }
}
