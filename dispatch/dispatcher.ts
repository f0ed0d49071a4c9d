import { CloseCode } from "../frame/close.ts";
import type { FrameError } from "../frame/errors.ts";
import type { Connection, ConnectionEvents } from "../listener/engines/connection.ts";
import { Caller, type CallerLink } from "./caller.ts";
import {
  ConnectionClosureError,
  CorruptedFrameError,
  PayloadTooLargeError,
  WebSocketError,
} from "./errors.ts";
import { toReply } from "./reply.ts";
import type { Service } from "./service.ts";

/** Settings of one connection's dispatcher, already validated. */
export interface DispatcherOptions {
  /** Milliseconds without reads or writes before `onIdleTimeout`; 0 is off. */
  idleTimeoutMs: number;
  /** Default seconds `close()` waits for the peer's close; -1 forever. */
  closureTimeout: number;
  /** Called once the connection has ended and every queued method has run. */
  onEnded?(): void;
}

type Task = () => unknown;

/** Queued messages past which reading pauses until the service catches up. */
const PAUSE_AT = 256;
const RESUME_AT = 32;
const MAX_LOGGED_REASON = 123;
const encoder = new TextEncoder();

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new WebSocketError(String(value));
}

/** A close reason that fits in a close frame: at most 123 bytes of UTF-8. */
function fitReason(reason: string): string {
  if (encoder.encode(reason).length <= MAX_LOGGED_REASON) return reason;
  let cut = reason.slice(0, MAX_LOGGED_REASON);
  while (encoder.encode(cut).length > MAX_LOGGED_REASON) cut = cut.slice(0, -1);
  return cut;
}

function frameErrorToError(error: FrameError): WebSocketError {
  return error.closeCode === CloseCode.MessageTooBig
    ? new PayloadTooLargeError(error.message, { cause: error })
    : new CorruptedFrameError(error.message, { cause: error });
}

/**
 * Runs one connection's service: turns what the engine reports into method calls, one at a
 * time and in order, writes back what the methods return, and keeps the closing handshake
 * and the idle timer. It never touches a runtime API; the engine does the I/O.
 */
export class ConnectionDispatcher implements ConnectionEvents, CallerLink {
  readonly id: string = crypto.randomUUID();
  readonly caller: Caller;
  readonly #service: Service;
  readonly #connection: Connection;
  readonly #options: DispatcherOptions;
  #queue: (Task | undefined)[] = [];
  #head = 0;
  #running = false;
  #paused = false;
  #closeSent = false;
  #closeReceived = false;
  #ended = false;
  #closeWaiter: ((received: boolean) => void) | undefined;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Whether reads and writes are timed, for `onIdleTimeout`. */
  readonly #tracksIdle: boolean;
  #lastActivity = 0;
  readonly #endedSignal: Promise<void>;
  #signalEnded!: () => void;

  constructor(service: Service, connection: Connection, options: DispatcherOptions) {
    this.#service = service;
    this.#connection = connection;
    this.#options = options;
    this.caller = new Caller(this);
    this.#endedSignal = new Promise((resolve) => this.#signalEnded = resolve);
    this.#tracksIdle = options.idleTimeoutMs > 0 && typeof service.onIdleTimeout === "function";
    if (this.#tracksIdle) {
      this.#touch();
      this.#armIdleTimer(options.idleTimeoutMs);
    }
    // onOpen goes first in the queue, but runs only once the connection reports to us, so
    // that whatever it does to the connection is heard.
    this.#queue.push(() => this.#call("onOpen", []));
    connection.listen(this);
    if (!this.#running) void this.#run();
  }

  // --- CallerLink ---

  get protocol(): string {
    return this.#connection.protocol;
  }

  get secure(): boolean {
    return this.#connection.secure;
  }

  get open(): boolean {
    return !this.#ended;
  }

  get closeSent(): boolean {
    return this.#closeSent;
  }

  get closureTimeout(): number {
    return this.#options.closureTimeout;
  }

  sendText(text: string): Promise<void> {
    this.#touch();
    return this.#connection.sendText(text);
  }

  sendBinary(data: Uint8Array): Promise<void> {
    this.#touch();
    return this.#connection.sendBinary(data);
  }

  ping(data: Uint8Array): Promise<void> {
    this.#touch();
    return this.#connection.ping(data);
  }

  pong(data: Uint8Array): Promise<void> {
    this.#touch();
    return this.#connection.pong(data);
  }

  /** Sends our close and waits for the peer's, then drops the transport either way. */
  async close(code: number, reason: string, timeout: number): Promise<void> {
    this.#closeSent = true;
    const reply = this.#closeReceived || this.#ended
      ? Promise.resolve(this.#closeReceived)
      : new Promise<boolean>((resolve) => this.#closeWaiter = resolve);
    await this.#connection.close(code, reason).catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = timeout < 0 ? undefined : new Promise<"expired">((resolve) => {
      timer = setTimeout(() => resolve("expired"), timeout * 1000);
    });
    const outcome = await (expired ? Promise.race([reply, expired]) : reply);
    clearTimeout(timer);
    if (outcome === true) return;
    this.#connection.terminate();
    throw new ConnectionClosureError(
      outcome === "expired"
        ? `no close frame from the peer within ${timeout} s; the connection was dropped`
        : "the connection ended before the peer answered the close frame",
    );
  }

  // --- ConnectionEvents, from the engine ---

  text(data: string): void {
    this.#received(() => {
      const service = this.#service;
      const method = typeof service.onTextMessage === "function" ? "onTextMessage" : "onMessage";
      return this.#call(method, [data]);
    });
  }

  binary(data: Uint8Array): void {
    this.#received(() => {
      const service = this.#service;
      const method = typeof service.onBinaryMessage === "function"
        ? "onBinaryMessage"
        : "onMessage";
      return this.#call(method, [data]);
    });
  }

  // The engine answers pings itself unless the service has onPing.
  pingReceived(data: Uint8Array): void {
    this.#touch();
    if (typeof this.#service.onPing === "function") {
      this.#enqueue(() => this.#call("onPing", [data]));
    }
  }

  pongReceived(data: Uint8Array): void {
    this.#touch();
    if (typeof this.#service.onPong === "function") {
      this.#enqueue(() => this.#call("onPong", [data]));
    }
  }

  closing(code: number, reason: string): void {
    this.#closeReceived = true;
    if (this.#closeSent) {
      this.#closeWaiter?.(true);
      return;
    }
    this.#enqueue(() => {
      const echo = () => {
        if (this.#closeSent) return;
        this.#closeSent = true;
        return this.#connection.close(code === CloseCode.NoStatusReceived ? undefined : code, "")
          .catch(() => {});
      };
      const result = this.#call("onClose", [code, reason]);
      return isThenable(result) ? result.then(echo) : echo();
    });
  }

  failed(error: FrameError): void {
    this.#enqueue(() => {
      if (!this.#closeSent) {
        this.#closeSent = true;
        this.#connection.fail(error.closeCode, fitReason(error.message));
      }
      return this.#call("onError", [frameErrorToError(error)]);
    });
  }

  ended(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#signalEnded();
    clearTimeout(this.#idleTimer);
    this.#closeWaiter?.(this.#closeReceived);
    const abnormal = !this.#closeReceived && !this.#closeSent;
    this.#enqueue(() => {
      if (abnormal) return this.#call("onClose", [CloseCode.AbnormalClosure, ""]);
    });
    this.#enqueue(() => this.#options.onEnded?.());
  }

  /** The listener is stopping: close with 1001 and wait up to `timeout` seconds. */
  goAway(timeout: number): Promise<void> {
    if (this.#ended) return Promise.resolve();
    if (!this.#closeSent) return this.close(CloseCode.GoingAway, "", timeout).catch(() => {});
    // A close is already under way: give it the same time, then drop what is left.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.#connection.terminate();
        resolve();
      }, timeout * 1000);
    });
    return Promise.race([this.#endedSignal, expired]).finally(() => clearTimeout(timer));
  }

  /** Drops the connection at once. */
  terminate(): void {
    this.#connection.terminate();
  }

  // --- internals ---

  #received(task: Task): void {
    this.#touch();
    if (this.#closeSent) return;
    this.#enqueue(task);
  }

  #enqueue(task: Task): void {
    this.#queue.push(task);
    if (!this.#paused && this.#queue.length - this.#head > PAUSE_AT) {
      this.#paused = true;
      this.#connection.pause();
    }
    if (!this.#running) void this.#run();
  }

  async #run(): Promise<void> {
    this.#running = true;
    const queue = this.#queue;
    while (this.#head < queue.length) {
      const task = queue[this.#head]!;
      queue[this.#head++] = undefined;
      try {
        const result = task();
        if (isThenable(result)) await result;
      } catch (error) {
        // Service errors are handled inside the tasks; this is the last guard for the process.
        console.error("[tether] dispatcher error:", error);
      }
      if (this.#paused && queue.length - this.#head <= RESUME_AT) {
        this.#paused = false;
        this.#connection.resume();
      }
    }
    queue.length = 0;
    this.#head = 0;
    this.#running = false;
  }

  /** Calls a service method if it exists and writes back what it returns. */
  #call(name: string, args: unknown[]): unknown {
    const method = this.#service[name];
    if (typeof method !== "function") return;
    let result: unknown;
    try {
      result = method.call(this.#service, this.caller, ...args);
    } catch (error) {
      return this.#methodFailed(name, error);
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        (value) => this.#reply(name, value),
        (error) => this.#methodFailed(name, error),
      );
    }
    return this.#reply(name, result);
  }

  #reply(name: string, value: unknown): unknown {
    const reply = toReply(value);
    const messageMethod = name !== "onPong" && name !== "onClose" && name !== "onError" &&
      name !== "onIdleTimeout";
    switch (reply.kind) {
      case "none":
        return;
      case "close":
        if (this.#closeSent || this.#ended) return;
        return this.caller.close(reply.frame.status, reply.frame.reason).catch((error) =>
          this.#report(error)
        );
      case "error":
        if (name === "onError") return console.error(reply.error);
        return this.#report(reply.error);
      case "text":
        if (!messageMethod || this.#closeSent || this.#ended) return;
        return this.sendText(reply.text).catch((error) => this.#report(error));
      case "binary":
        if (!messageMethod || this.#closeSent || this.#ended) return;
        if (name === "onPing") return this.pong(reply.data).catch((error) => this.#report(error));
        return this.sendBinary(reply.data).catch((error) => this.#report(error));
    }
  }

  /** A method threw: close with 1011 (unless closing already) and tell `onError`. */
  #methodFailed(name: string, thrown: unknown): unknown {
    const error = asError(thrown);
    if (name === "onError" || name === "onClose") {
      console.error(`${name} threw:`, error);
      return;
    }
    if (!this.#closeSent && !this.#ended) {
      this.close(
        CloseCode.InternalServerError,
        "Internal server error",
        this.#options.closureTimeout,
      )
        .catch(() => {});
    }
    return this.#report(error);
  }

  #report(error: unknown): unknown {
    if (typeof this.#service.onError !== "function") {
      console.error("WebSocket service error:", error);
      return;
    }
    return this.#call("onError", [asError(error)]);
  }

  #touch(): void {
    if (this.#tracksIdle) this.#lastActivity = Date.now();
  }

  #armIdleTimer(delay: number): void {
    this.#idleTimer = setTimeout(() => {
      if (this.#ended) return;
      const idleFor = Date.now() - this.#lastActivity;
      const limit = this.#options.idleTimeoutMs;
      if (idleFor >= limit) {
        this.#touch();
        this.#enqueue(() => this.#call("onIdleTimeout", []));
        this.#armIdleTimer(limit);
      } else {
        this.#armIdleTimer(limit - idleFor);
      }
    }, delay);
  }
}
