import type { Document } from "@xmldom/xmldom";
import {
  type BindingTarget,
  bindMessage,
  isBindingTarget,
  type StandardSchema,
} from "../dispatch/binding.ts";
import { closeArgumentsProblem } from "../dispatch/closing.ts";
import {
  ConnectionClosureError,
  ConnectionError,
  type HandshakeResponse,
  HandshakeTimedOut,
  InvalidHandshakeError,
  type WebSocketError,
} from "../dispatch/errors.ts";
import { binaryArgument, writeOutgoing } from "../dispatch/outgoing.ts";
import { isThenable } from "../dispatch/thenable.ts";
import { type BinaryInput, toBytes } from "../frame/bytes.ts";
import { type Connection, SENT } from "../connection/connection.ts";
import { type ClientConfiguration, type ClientSettings, resolveClientConfig } from "./config.ts";
import { parseWebSocketUrl, type WebSocketUrl } from "./handshake.ts";
import { type IncomingMessage, MessageInbox } from "./inbox.ts";
import { retryDelay } from "./retry.ts";
import { Session, type SessionOwner } from "./session.ts";
import type { Transport } from "./transport.ts";
import { framesTransport } from "./transports/frames.ts";
import { whatwgCloseProblem, whatwgTransport } from "./transports/whatwg.ts";

/** Reading stops while this many messages, or this many bytes, wait to be read. */
const INBOX_LIMITS = { messages: 256, bytes: 1024 * 1024 };
const DEFAULT_CLOSE_TIMEOUT = 60;
const EMPTY = new Uint8Array(0);

function closedError(): ConnectionClosureError {
  return new ConnectionClosureError("Connection already closed");
}

/** Whether a failed connection attempt is worth another try. */
function isRetryable(error: unknown): boolean {
  return (error instanceof ConnectionError && !(error instanceof ConnectionClosureError)) ||
    error instanceof HandshakeTimedOut;
}

/**
 * One kind of write, given its payload when called, so that a write costs no closure and can
 * go out again on a new connection.
 */
type Write<T> = (connection: Connection, payload: T) => Promise<void>;
const sendText: Write<string> = (connection, text) => connection.sendText(text);
const sendBinary: Write<Uint8Array> = (connection, bytes) => connection.sendBinary(bytes);
const sendPing: Write<Uint8Array> = (connection, bytes) => connection.sendPing(bytes);
const sendPong: Write<Uint8Array> = (connection, bytes) => connection.sendPong(bytes);

function withWriteTimeout(sent: Promise<void>, timeoutMs: number): Promise<void> {
  // Bytes the socket took at once have nothing left to time out.
  if (timeoutMs <= 0 || sent === SENT) return sent;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConnectionError("Write timed out")), timeoutMs);
  });
  return Promise.race([sent, expired]).finally(() => clearTimeout(timer));
}

/**
 * A WebSocket client: connect with {@link Client.connect}, then write, read (pull-style or
 * with `for await`), ping and close. Pings, pongs and the server's close are handled as
 * they arrive, whether or not a read is waiting. Messages that arrive before they are read
 * wait in a bounded queue; when it is full the client stops reading the socket, and the
 * server feels the backpressure.
 *
 * @example
 * ```ts
 * import { Client } from "@tether/websocket";
 * const connect = async (url: string) => {
 *   const client = await Client.connect(url, { readTimeout: 10 });
 *   await client.writeTextMessage("hello");
 *   console.log(await client.readTextMessage());
 *   await client.close();
 * };
 * ```
 */
export class Client implements AsyncIterable<string | Uint8Array> {
  readonly #url: WebSocketUrl;
  readonly #settings: ClientSettings;
  readonly #transport: Transport;
  readonly #inbox: MessageInbox;
  readonly #attributes = new Map<string, unknown>();
  readonly #owner: SessionOwner;
  #session: Session | undefined;
  #response: HandshakeResponse | undefined;
  /** A reconnection under way; writes wait for it. */
  #reconnecting: Promise<Session> | undefined;
  /** `close()` was called; nothing reconnects after that. */
  #closing = false;
  /** Ends a back-off wait early when the client is closed. */
  #interruptBackOff: (() => void) | undefined;
  /** Stops a connection attempt under way when the client is closed. */
  readonly #attempts = new AbortController();
  /** `onPing`/`onPong` calls, one at a time in arrival order. */
  #controls: Promise<void> = Promise.resolve();

  private constructor(url: WebSocketUrl, settings: ClientSettings) {
    this.#url = url;
    this.#settings = settings;
    this.#transport = settings.transport === "frames" ? framesTransport : whatwgTransport;
    this.#inbox = new MessageInbox({
      pause: () => this.#session?.connection.pause(),
      resume: () => this.#session?.connection.resume(),
    }, INBOX_LIMITS);
    this.#owner = {
      message: (session, data) => {
        if (session === this.#session) this.#inbox.push(data);
      },
      ping: (session, data) => this.#control(session, "onPing", data),
      pong: (session, data) => this.#control(session, "onPong", data),
      peerClosed: (session, code, reason) => {
        if (session !== this.#session) return;
        this.#inbox.finish(new ConnectionClosureError(`${reason}: Status code: ${code}`), true);
      },
      failed: (session, error) => {
        if (session === this.#session) this.#inbox.finish(error, false);
      },
      ended: (session) => this.#sessionEnded(session),
    };
  }

  /**
   * Connects to `url` (ws: or wss:) and resolves once the opening handshake is done. A
   * malformed URL or configuration is refused before any connection is tried. With
   * `retryConfig`, failures to reach the server are retried with back-off; a refused or
   * malformed handshake is not.
   *
   * Rejects with `InvalidHandshakeError` (with the response's `status`),
   * `HandshakeTimedOut`, `SslError` or `ConnectionError`.
   */
  static async connect(url: string | URL, config: ClientConfiguration = {}): Promise<Client> {
    const client = new Client(parseWebSocketUrl(url), resolveClientConfig(config));
    await client.#establish(true, undefined);
    return client;
  }

  // --- writing ---

  /** Sends a text message. */
  writeTextMessage(text: string): Promise<void> {
    if (typeof text !== "string") {
      return Promise.reject(new TypeError("writeTextMessage needs a string"));
    }
    return this.#send(sendText, text);
  }

  /** Sends a binary message with exactly the bytes of `data`. */
  writeBinaryMessage(data: BinaryInput): Promise<void> {
    const bytes = binaryArgument("writeBinaryMessage", data);
    if (bytes instanceof TypeError) return Promise.reject(bytes);
    return this.#send(sendBinary, bytes);
  }

  /** Sends a string or an XML node as text, bytes as binary, and any other value as JSON text. */
  writeMessage(data: unknown): Promise<void> {
    return writeOutgoing(this, data);
  }

  /** Sends a ping (payload up to 125 bytes). */
  ping(data: BinaryInput = EMPTY): Promise<void> {
    const bytes = binaryArgument("ping", data);
    if (bytes instanceof TypeError) return Promise.reject(bytes);
    return this.#send(sendPing, bytes);
  }

  /** Sends a pong (payload up to 125 bytes), for instance from `onPing`. */
  pong(data: BinaryInput = EMPTY): Promise<void> {
    const bytes = binaryArgument("pong", data);
    if (bytes instanceof TypeError) return Promise.reject(bytes);
    return this.#send(sendPong, bytes);
  }

  // --- reading ---

  /**
   * The next message as it arrived: text as a string, binary as bytes. With a `target`,
   * the message is bound to it as a service's `onMessage` would be: `"text"`, `"bytes"`,
   * `"json"`, `"xml"` (an @xmldom/xmldom `Document`) or a Standard Schema (its output, once
   * validated unless `validation` is off). Binary messages are read as UTF-8 for anything
   * but bytes.
   *
   * Rejects with `ReadTimedOutError` after `readTimeout` (later reads still work), with
   * `PayloadBindingError`/`PayloadValidationError` when the message does not bind (it is
   * consumed), and with `ConnectionClosureError` ("<reason>: Status code: <code>") when the
   * connection closed; reads after that fail with "Connection already closed".
   */
  readMessage(): Promise<string | Uint8Array>;
  /** The next message as text. */
  readMessage(target: "text"): Promise<string>;
  /** The next message as bytes. */
  readMessage(target: "bytes"): Promise<Uint8Array>;
  /** The next message parsed as JSON. */
  readMessage(target: "json"): Promise<unknown>;
  /** The next message parsed as an XML document. */
  readMessage(target: "xml"): Promise<Document>;
  /** The next message parsed as JSON and validated by a Standard Schema. */
  readMessage<T>(target: StandardSchema<T>): Promise<T>;
  readMessage(target?: BindingTarget): Promise<unknown> {
    if (target !== undefined && !isBindingTarget(target)) {
      return Promise.reject(
        new TypeError('readMessage target must be "text", "bytes", "json", "xml" or a schema'),
      );
    }
    const taken = this.#inbox.take(this.#settings.readTimeoutMs);
    if (target === undefined) return taken;
    return taken.then((message) => {
      const bound = bindMessage(message, target, this.#settings.validation);
      return isThenable(bound) ? bound.then(unwrapBound) : unwrapBound(bound);
    });
  }

  /** The next message as text; a binary message is read as UTF-8. */
  readTextMessage(): Promise<string> {
    return this.readMessage("text");
  }

  /** The next message as bytes; a text message gives its UTF-8 bytes. */
  readBinaryMessage(): Promise<Uint8Array> {
    return this.readMessage("bytes");
  }

  /**
   * Reads messages until the connection closes: text as strings, binary as bytes. The
   * iteration ends when either side closed with a close frame, and throws for anything
   * else (a lost connection, a protocol error, a read timeout). Leaving the loop early
   * does not close the client.
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<string | Uint8Array, void, undefined> {
    for (;;) {
      let message: IncomingMessage;
      try {
        message = await this.#inbox.take(this.#settings.readTimeoutMs);
      } catch (error) {
        if (this.#inbox.cleanEnd && error instanceof ConnectionClosureError) return;
        throw error;
      }
      yield message;
    }
  }

  // --- closing ---

  /**
   * Starts the closing handshake with `code` (1000-1003, 1007-1011, 3000-4999; the whatwg
   * transport can send only 1000 and 3000-4999) and waits up to `timeout` seconds (-1:
   * forever) for the server's close; the connection is dropped either way. Rejects with
   * `ConnectionClosureError` for a bad code or reason, a second close, a closed connection
   * or a missing reply. A reconnection under way is abandoned.
   */
  close(code = 1000, reason = "", timeout = DEFAULT_CLOSE_TIMEOUT): Promise<void> {
    const problem = closeArgumentsProblem(code, reason, timeout) ??
      (this.#settings.transport === "whatwg" ? whatwgCloseProblem(code) : undefined);
    if (problem !== undefined) return Promise.reject(problem);
    if (this.#closing) {
      return Promise.reject(new ConnectionClosureError("Close frame already sent"));
    }
    if (this.#reconnecting !== undefined) {
      this.#closing = true;
      this.#interruptBackOff?.();
      this.#attempts.abort();
      this.#inbox.finish(closedError(), true);
      return Promise.resolve();
    }
    const session = this.#session;
    if (session === undefined || !session.writable) return Promise.reject(closedError());
    this.#closing = true;
    return session.close(code, reason, timeout);
  }

  // --- state ---

  /** The id of the current connection; it changes when the client reconnects. */
  getConnectionId(): string {
    return this.#session?.id ?? "";
  }

  /** The sub-protocol agreed at the handshake, or `undefined`. */
  getNegotiatedSubProtocol(): string | undefined {
    return this.#session?.connection.protocol || undefined;
  }

  /** Whether the connection runs over TLS (wss). */
  isSecure(): boolean {
    return this.#url.secure;
  }

  /** True while connected with no close frame sent or received. */
  isOpen(): boolean {
    return !this.#closing && this.#reconnecting === undefined &&
      this.#session?.writable === true;
  }

  /**
   * The status line and headers of the latest handshake response, including one that
   * refused a reconnection; `undefined` before any arrived.
   */
  getHttpResponse(): HandshakeResponse | undefined {
    return this.#response;
  }

  /** Keeps `value` with this client under `key`. */
  setAttribute(key: string, value: unknown): void {
    this.#attributes.set(key, value);
  }

  /** The value kept under `key`, or `undefined`. */
  getAttribute(key: string): unknown {
    return this.#attributes.get(key);
  }

  /** Forgets the value kept under `key`; returns it. */
  removeAttribute(key: string): unknown {
    const value = this.#attributes.get(key);
    this.#attributes.delete(key);
    return value;
  }

  // --- connecting and reconnecting ---

  /**
   * Connects, retrying with back-off when `retryConfig` allows. The first connect tries at
   * once; a reconnection waits before each try.
   */
  async #establish(initial: boolean, cause: Error | undefined): Promise<Session> {
    const retry = this.#settings.retry;
    let lastError = cause;
    for (let attempt = 0;; attempt++) {
      const retryNumber = initial ? attempt - 1 : attempt;
      if (retryNumber >= 0 && retry !== undefined) {
        if (retry.maxCount > 0 && retryNumber >= retry.maxCount) {
          throw new ConnectionError(
            `no connection to ${this.#url.host} after ${retry.maxCount} retries: ` +
              lastError?.message,
            { cause: lastError },
          );
        }
        await this.#backOff(retryDelay(retry, retryNumber));
      }
      if (this.#closing) throw closedError();
      try {
        const authorization = await this.#settings.authorization?.();
        const handshake = await this.#transport({
          url: this.#url,
          settings: this.#settings,
          autoPong: typeof this.#settings.pingPongHandler?.onPing !== "function",
          signal: this.#attempts.signal,
          authorization,
        });
        this.#response = handshake.response;
        if (this.#closing) {
          handshake.connection.terminate();
          throw closedError();
        }
        return this.#attach(handshake.connection);
      } catch (error) {
        if (error instanceof InvalidHandshakeError && error.response !== undefined) {
          this.#response = error.response;
        }
        if (retry === undefined || this.#closing || !isRetryable(error)) throw error;
        lastError = error as Error;
      }
    }
  }

  #attach(connection: Connection): Session {
    const session = new Session(connection, this.#owner);
    this.#session = session;
    connection.listen(session);
    if (this.#inbox.full) connection.pause();
    return session;
  }

  #backOff(delayMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#interruptBackOff = undefined;
        resolve();
      };
      const timer = setTimeout(done, delayMs);
      this.#interruptBackOff = done;
    });
  }

  #sessionEnded(session: Session): void {
    if (session !== this.#session) return;
    if (!session.lost) {
      this.#inbox.finish(closedError(), true);
      return;
    }
    const lost = new ConnectionError(
      "the connection was lost without a closing handshake (1006)",
    );
    if (this.#settings.retry === undefined || this.#closing) {
      this.#inbox.finish(lost, false);
      return;
    }
    const reconnecting = this.#establish(false, lost);
    this.#reconnecting = reconnecting;
    reconnecting.then(
      () => this.#reconnecting = undefined,
      (error: WebSocketError) => {
        this.#reconnecting = undefined;
        this.#inbox.finish(error, error instanceof ConnectionClosureError);
      },
    );
  }

  // --- internals ---

  /**
   * Runs a write on the current connection. With `retryConfig`, a write that fails because
   * the connection was lost waits for the reconnection and goes out again on it.
   */
  #send<T>(write: Write<T>, payload: T): Promise<void> {
    const session = this.#session;
    let sent: Promise<void>;
    if (
      session !== undefined && session.writable && this.#reconnecting === undefined &&
      !this.#closing
    ) {
      sent = write(session.connection, payload);
      if (this.#settings.retry !== undefined && sent !== SENT) {
        sent = sent.catch(async (error) => {
          await this.#awaitRetry(session, error);
          return this.#sendLater(write, payload);
        });
      }
    } else {
      sent = this.#sendLater(write, payload);
    }
    return withWriteTimeout(sent, this.#settings.writeTimeoutMs);
  }

  /** Waits for the current connection, or the reconnection under way, and writes on it. */
  async #sendLater<T>(write: Write<T>, payload: T): Promise<void> {
    for (;;) {
      if (this.#closing) throw closedError();
      if (this.#reconnecting !== undefined) {
        await this.#reconnecting;
        continue;
      }
      const session = this.#session;
      if (session === undefined || !session.writable) throw closedError();
      try {
        return await write(session.connection, payload);
      } catch (error) {
        await this.#awaitRetry(session, error);
      }
    }
  }

  /**
   * Settles once the failed write may be tried again: the connection it failed on was
   * lost and `retryConfig` reconnects. Rethrows `error` otherwise.
   */
  async #awaitRetry(session: Session, error: unknown): Promise<void> {
    if (!(error instanceof ConnectionError) || this.#settings.retry === undefined) throw error;
    await session.endedSignal;
    if (!session.lost || this.#closing) throw error;
  }

  /** Calls `onPing`/`onPong` in arrival order; bytes returned by `onPing` are the pong. */
  #control(session: Session, name: "onPing" | "onPong", data: Uint8Array): void {
    const handler = this.#settings.pingPongHandler;
    const method = handler?.[name];
    if (typeof method !== "function" || session !== this.#session) return;
    this.#controls = this.#controls.then(async () => {
      const result = await method.call(handler, this, data);
      if (name === "onPing" && (result instanceof ArrayBuffer || ArrayBuffer.isView(result))) {
        if (session.writable) await session.connection.sendPong(toBytes(result));
      }
    }).catch((error) => console.error(`[tether] pingPongHandler.${name} failed:`, error));
  }
}

function unwrapBound(bound: { value: unknown; error?: undefined } | { error: Error }): unknown {
  if (bound.error !== undefined) throw bound.error;
  return bound.value;
}
