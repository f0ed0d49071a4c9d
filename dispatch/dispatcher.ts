import { CloseCode } from "../frame/close.ts";
import type { FrameError } from "../frame/errors.ts";
import type { Connection, ConnectionEvents } from "../connection/connection.ts";
import { bindMessage, type Bound, NOT_PARSED } from "./binding.ts";
import { Caller, type CallerLink } from "./caller.ts";
import { bindingFailureReason, fitReason } from "./close-reason.ts";
import { closeAndAwaitReply } from "./closing.ts";
import type { DispatchSettings } from "./dispatch-config.ts";
import { fromFrameError, type PayloadBindingError, toError } from "./errors.ts";
import { IdleClock, type IdleListener } from "./idle-clock.ts";
import { type ReplyMode, ReplyWriter } from "./reply-writer.ts";
import { routeText } from "./routing.ts";
import { hasMethod, type Service } from "./service.ts";
import { Signal } from "./signal.ts";
import { type BacklogListener, type Task, TaskQueue } from "./task-queue.ts";
import { isThenable } from "./thenable.ts";

/**
 * Settings of a service's dispatchers, already validated; one object serves every
 * connection of the service.
 */
export interface DispatcherOptions {
  /** Milliseconds without reads or writes before `onIdleTimeout`; 0 is off. */
  idleTimeoutMs: number;
  /** Default seconds `close()` waits for the peer's close; -1 forever. */
  closureTimeout: number;
  /** Custom dispatch and data binding. */
  dispatch: DispatchSettings;
  /** Called once a connection has ended and every queued method has run. */
  onEnded?(dispatcher: ConnectionDispatcher): void;
}

/** Bits of a dispatcher's state. */
const CLOSE_SENT = 1;
const CLOSE_RECEIVED = 2;
const ENDED = 4;
/** Either side started closing. */
const STOPPED = 8;
/** The state counts backlogged queues above its bits, in units of this. */
const BACKLOG = 16;

/**
 * Runs one connection's service: turns what the engine reports into method calls, one at a
 * time and in order, writes back what the methods return, and keeps the closing handshake
 * and the idle timer. It never touches a runtime API; the engine does the I/O.
 */
export class ConnectionDispatcher
  implements ConnectionEvents, CallerLink, BacklogListener, IdleListener {
  /** Made for the first method call: a connection whose service has no `onOpen` may idle without. */
  #caller: Caller | undefined;
  readonly #service: Service;
  readonly #connection: Connection;
  readonly #options: DispatcherOptions;
  /** Messages, the peer's close and failures, in wire order. */
  readonly #messages: TaskQueue;
  /**
   * Pings and pongs, so that a long method or stream does not hold them up; made for the
   * first one the service handles.
   */
  #controls: TaskQueue | undefined;
  /** Made when a method first returns something to write. */
  #replies: ReplyWriter | undefined;
  /**
   * {@link CLOSE_SENT}, {@link CLOSE_RECEIVED}, {@link ENDED}, {@link STOPPED} and the count
   * of backlogged queues in one field: with four fields fewer, each connection's dispatcher
   * fits a smaller allocation in JavaScriptCore.
   */
  #state = 0;
  #closeWaiter: ((received: boolean) => void) | undefined;
  /** Made when the service has `onIdleTimeout` and an idle timeout. */
  #idleClock: IdleClock | undefined;
  /** Made when the listener waits for this connection to end. */
  #endedSignal: Signal | undefined;
  /** Settles once either side starts closing, so that streams waiting for an element stop. */
  #stopping: Signal | undefined;

  constructor(service: Service, connection: Connection, options: DispatcherOptions) {
    this.#service = service;
    this.#connection = connection;
    this.#options = options;
    this.#messages = new TaskQueue(this);
    if (options.idleTimeoutMs > 0 && typeof service.onIdleTimeout === "function") {
      this.#idleClock = new IdleClock(options.idleTimeoutMs, this);
    }
    // onOpen goes first in the queue, but runs only once the connection reports to us, so
    // that whatever it does to the connection is heard.
    this.#messages.push(() => this.#call("onOpen", []));
    connection.listen(this);
    this.#messages.start();
  }

  get caller(): Caller {
    return this.#caller ??= new Caller(this);
  }

  // --- CallerLink ---

  get protocol(): string {
    return this.#connection.protocol;
  }

  get secure(): boolean {
    return this.#connection.secure;
  }

  get open(): boolean {
    return !this.#ended();
  }

  get closeSent(): boolean {
    return this.#closeSent();
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
    return this.#connection.sendPing(data);
  }

  pong(data: Uint8Array): Promise<void> {
    this.#touch();
    return this.#connection.sendPong(data);
  }

  /** Sends our close and waits for the peer's, then drops the transport either way. */
  async close(code: number, reason: string, timeout: number): Promise<void> {
    this.#state |= CLOSE_SENT;
    this.#stop();
    const reply = this.#closeReceived() || this.#ended()
      ? Promise.resolve(this.#closeReceived())
      : new Promise<boolean>((resolve) => this.#closeWaiter = resolve);
    await closeAndAwaitReply(this.#connection, code, reason, timeout, reply);
  }

  // --- ConnectionEvents, from the engine ---

  text(data: string): void {
    this.#received(() => {
      const route = routeText(this.#service, this.#options.dispatch, data);
      if (route === undefined) return;
      const { method, requestId } = route;
      if (method === "onTextMessage") return this.#call(method, [data], "message", requestId);
      return this.#bindAndCall(method, data, route.json, requestId, true);
    });
  }

  // Binary messages are never custom-dispatched.
  binary(data: Uint8Array): void {
    this.#received(() => {
      if (hasMethod(this.#service, "onBinaryMessage")) {
        return this.#call("onBinaryMessage", [data]);
      }
      if (!hasMethod(this.#service, "onMessage")) return;
      return this.#bindAndCall("onMessage", data, NOT_PARSED, undefined, false);
    });
  }

  // The engine answers pings itself unless the service has onPing.
  pingReceived(data: Uint8Array): void {
    this.#touch();
    if (hasMethod(this.#service, "onPing")) {
      this.#controlQueue().push(() => this.#call("onPing", [data], "pong"));
    }
  }

  pongReceived(data: Uint8Array): void {
    this.#touch();
    if (hasMethod(this.#service, "onPong")) {
      this.#controlQueue().push(() => this.#call("onPong", [data], "silent"));
    }
  }

  closing(code: number, reason: string): void {
    this.#state |= CLOSE_RECEIVED;
    this.#stop();
    if (this.#closeSent()) {
      this.#closeWaiter?.(true);
      return;
    }
    this.#messages.push(() => {
      const echo = () => {
        if (this.#closeSent()) return;
        this.#state |= CLOSE_SENT;
        const echoed = code === CloseCode.NoStatusReceived ? undefined : code;
        return this.#connection.sendClose(echoed, "").catch(() => {});
      };
      const result = this.#call("onClose", [code, reason], "silent");
      return isThenable(result) ? result.then(echo) : echo();
    });
  }

  failed(error: FrameError): void {
    this.#stop();
    this.#messages.push(() => {
      if (!this.#closeSent()) {
        this.#state |= CLOSE_SENT;
        this.#connection.fail(error.closeCode, fitReason(error.message));
      }
      return this.#call("onError", [fromFrameError(error)], "silent");
    });
  }

  ended(): void {
    if (this.#ended()) return;
    this.#state |= ENDED;
    this.#endedSignal?.fire();
    this.#stop();
    this.#idleClock?.stop();
    this.#closeWaiter?.(this.#closeReceived());
    const abnormal = !this.#closeReceived() && !this.#closeSent();
    this.#messages.push(() => {
      if (abnormal) return this.#call("onClose", [CloseCode.AbnormalClosure, ""], "silent");
    });
    this.#messages.push(() => this.#options.onEnded?.(this));
  }

  /** The listener is stopping: close with 1001 and wait up to `timeout` seconds. */
  goAway(timeout: number): Promise<void> {
    if (this.#ended()) return Promise.resolve();
    if (!this.#closeSent()) return this.close(CloseCode.GoingAway, "", timeout).catch(() => {});
    // A close is already under way: give it the same time, then drop what is left.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.#connection.terminate();
        resolve();
      }, timeout * 1000);
    });
    const ended = (this.#endedSignal ??= new Signal()).promise;
    return Promise.race([ended, expired]).finally(() => clearTimeout(timer));
  }

  /** Drops the connection at once. */
  terminate(): void {
    this.#connection.terminate();
  }

  // --- internals ---

  #closeSent(): boolean {
    return (this.#state & CLOSE_SENT) !== 0;
  }

  #closeReceived(): boolean {
    return (this.#state & CLOSE_RECEIVED) !== 0;
  }

  #ended(): boolean {
    return (this.#state & ENDED) !== 0;
  }

  #stopped(): boolean {
    return (this.#state & STOPPED) !== 0;
  }

  #controlQueue(): TaskQueue {
    if (this.#controls === undefined) {
      this.#controls = new TaskQueue(this);
      this.#controls.start();
    }
    return this.#controls;
  }

  #stop(): void {
    this.#state |= STOPPED;
    this.#stopping?.fire();
  }

  #received(task: Task): void {
    this.#touch();
    if (this.#closeSent()) return;
    this.#messages.push(task);
  }

  /** From the idle clock: `onIdleTimeout` queues like a message. */
  idleTimedOut(): void {
    this.#messages.push(() => this.#call("onIdleTimeout", [], "silent"));
  }

  /** Reading pauses while either queue is backlogged. */
  backlogChanged(backlogged: boolean): void {
    this.#state += backlogged ? BACKLOG : -BACKLOG;
    const backlogs = Math.floor(this.#state / BACKLOG);
    if (backlogged && backlogs === 1) this.#connection.pause();
    if (!backlogged && backlogs === 0) this.#connection.resume();
  }

  #bindAndCall(
    method: string,
    data: string | Uint8Array,
    json: unknown,
    requestId: unknown,
    text: boolean,
  ): unknown {
    const settings = this.#options.dispatch;
    const target = settings.bindings.get(method) ?? settings.binding;
    const deliver = (bound: Bound) =>
      bound.error === undefined
        ? this.#call(method, [bound.value], "message", requestId)
        : this.#bindingFailed(method, bound.error, requestId, text);
    const bound = bindMessage(data, target, settings.validation, json);
    return isThenable(bound) ? bound.then(deliver) : deliver(bound);
  }

  /**
   * A message could not be bound: `<method>Error` (text messages only), else `onError`,
   * else close with 1003.
   */
  #bindingFailed(
    method: string,
    error: PayloadBindingError,
    requestId: unknown,
    text: boolean,
  ): unknown {
    const handler = `${method}Error`;
    if (text && hasMethod(this.#service, handler)) {
      return this.#call(handler, [error], "message", requestId);
    }
    if (hasMethod(this.#service, "onError")) {
      return this.#call("onError", [error], "silent");
    }
    console.error(`[tether] ${method}: data binding failed:`, error.message);
    if (this.#closeSent() || this.#ended()) return;
    return this.caller.close(CloseCode.UnsupportedData, bindingFailureReason(error.message))
      .catch(() => {});
  }

  /** Calls a service method if it exists and writes back what it returns. */
  #call(name: string, args: unknown[], mode: ReplyMode = "message", requestId?: unknown): unknown {
    const method = this.#service[name];
    if (typeof method !== "function") return;
    let result: unknown;
    try {
      // A message's one argument is passed without spreading: JavaScriptCore spends about 20
      // ns per call spreading even a one-element array.
      result = args.length === 1
        ? method.call(this.#service, this.caller, args[0])
        : method.call(this.#service, this.caller, ...args);
    } catch (error) {
      return this.#methodFailed(name, error);
    }
    if (isThenable(result)) {
      return Promise.resolve(result).then(
        (value) => this.#reply(name, value, mode, requestId),
        (error) => this.#methodFailed(name, error),
      );
    }
    return this.#reply(name, result, mode, requestId);
  }

  #reply(name: string, value: unknown, mode: ReplyMode, requestId: unknown): unknown {
    // An error returned by onError has nowhere further to go.
    if (name === "onError" && value instanceof Error) return console.error(value);
    if (value === undefined || value === null) return;
    return this.#writer().write(value, mode, requestId);
  }

  #writer(): ReplyWriter {
    if (this.#replies !== undefined) return this.#replies;
    const stopping = () => (this.#stopping ??= new Signal(this.#stopped())).promise;
    this.#replies = new ReplyWriter({
      writable: () => !this.#closeSent() && !this.#ended(),
      get stopping() {
        return stopping();
      },
      sendText: (text) => this.sendText(text),
      sendBinary: (data) => this.sendBinary(data),
      pong: (data) => this.pong(data),
      close: (frame) => this.caller.close(frame.status, frame.reason),
      closeSoon: (code, reason) => this.#closeSoon(code, reason),
      report: (error) => this.#report(error),
    }, this.#options.dispatch.streamId);
    return this.#replies;
  }

  /** Starts the closing handshake without waiting for it; its failure has no one to tell. */
  #closeSoon(code: number, reason: string): void {
    this.close(code, reason, this.#options.closureTimeout).catch(() => {});
  }

  /** A method threw: close with 1011 (unless closing already) and tell `onError`. */
  #methodFailed(name: string, thrown: unknown): unknown {
    const error = toError(thrown);
    if (name === "onError" || name === "onClose") {
      console.error(`${name} threw:`, error);
      return;
    }
    if (!this.#closeSent() && !this.#ended()) {
      this.#closeSoon(CloseCode.InternalServerError, "Internal server error");
    }
    return this.#report(error);
  }

  #report(error: unknown): unknown {
    if (!hasMethod(this.#service, "onError")) {
      console.error("WebSocket service error:", error);
      return;
    }
    return this.#call("onError", [toError(error)], "silent");
  }

  #touch(): void {
    this.#idleClock?.touch();
  }
}
