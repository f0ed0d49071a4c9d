import type { ListenerAuthConfig } from "../auth/listener/config.ts";
import type { BindingTarget } from "./binding.ts";
import type { Caller } from "./caller.ts";
import type { WebSocketError } from "./errors.ts";

/**
 * A WebSocket service: a plain object or class instance with any of these methods. Each
 * may return a value (written back to the peer) or a promise of one. The messages of one
 * connection are handled one at a time, in order.
 *
 * @example
 * ```ts
 * import type { Caller, Service } from "@tether/websocket";
 * const echo: Service = {
 *   onOpen: (caller: Caller) => console.log("open", caller.getConnectionId()),
 *   onTextMessage: (_caller: Caller, text: string) => text,
 *   onBinaryMessage: (_caller: Caller, data: Uint8Array) => data,
 *   onClose: (_caller: Caller, code: number, reason: string) => console.log(code, reason),
 * };
 * ```
 */
export interface Service {
  /** The handshake completed. */
  onOpen?(caller: Caller): unknown;
  /** A text message, as it arrived. */
  onTextMessage?(caller: Caller, text: string): unknown;
  /** A binary message, as it arrived. */
  onBinaryMessage?(caller: Caller, data: Uint8Array): unknown;
  /**
   * Any message, bound to the service's binding target (JSON unless configured). A service
   * has either this or `onTextMessage`/`onBinaryMessage`, not both.
   */
  onMessage?(caller: Caller, data: unknown): unknown;
  /** A ping. When defined, the service answers it: return bytes or call `caller.pong`. */
  onPing?(caller: Caller, data: Uint8Array): unknown;
  /** A pong, solicited or not. */
  onPong?(caller: Caller, data: Uint8Array): unknown;
  /** Nothing was read or written for `idleTimeout` seconds; fires again each period. */
  onIdleTimeout?(caller: Caller): unknown;
  /** The peer started the closing handshake; the same code is echoed afterwards. */
  onClose?(caller: Caller, code: number, reason: string): unknown;
  /** The connection failed, or a method threw; the connection has been closed first. */
  onError?(caller: Caller, error: WebSocketError | Error): unknown;
  /**
   * Custom methods, reached through custom dispatch (`dispatcherKey`), and their binding
   * error handlers (`<method>Error`).
   */
  [method: string]: unknown;
}

/** Whether the service has a method called `name` (its own or inherited). */
export function hasMethod(service: Service, name: string): boolean {
  return typeof service[name] === "function";
}

/**
 * Configuration of a service attached to a listener. Times are in seconds and sizes in
 * bytes, as in the specification.
 *
 * @example
 * ```ts
 * import type { ServiceConfig } from "@tether/websocket";
 * const config: ServiceConfig = { subProtocols: ["chat.v2"], idleTimeout: 30, maxFrameSize: 1 << 20 };
 * ```
 */
export interface ServiceConfig {
  /**
   * The JSON key whose string value routes a text message to a custom method:
   * `{"event": "heartbeat"}` goes to `onHeartbeat`.
   */
  dispatcherKey?: string;
  /**
   * The JSON key of a request's id: the replies produced for the request that are JSON
   * objects carry the same id under this key. Needs `dispatcherKey`.
   */
  dispatcherStreamId?: string;
  /**
   * Explicit routes for custom dispatch, by method name: `{ onSubscribeMessage: { value:
   * "subscribe" } }`. They are tried before the camelCase name; two methods cannot share
   * a value. Needs `dispatcherKey`.
   */
  dispatcherConfig?: Record<string, DispatcherConfig>;
  /** What `onMessage` and custom methods receive, unless `bindings` says otherwise. Default "json". */
  binding?: BindingTarget;
  /** Binding targets by method name, such as `{ onJoin: JoinSchema, onMessage: "text" }`. */
  bindings?: Record<string, BindingTarget>;
  /** Whether schema targets validate what they bind. Default true. */
  validation?: boolean;
  /** Sub-protocols the service speaks; the first one the client offers is chosen. */
  subProtocols?: string[];
  /** Seconds without reads or writes before `onIdleTimeout` runs; 0 or less is off. */
  idleTimeout?: number;
  /** Largest frame payload accepted (larger closes 1009); <= 0 means 65536. */
  maxFrameSize?: number;
  /** Seconds `caller.close()` waits for the peer's close reply; -1 waits forever. Default 60. */
  connectionClosureTimeout?: number;
  /**
   * Largest message after reassembly and inflation (larger closes 1009). Default 16 MiB,
   * and never less than `maxFrameSize`.
   */
  maxMessageSize?: number;
  /**
   * Most bytes a connection may have waiting for a slow peer. A write that would go past
   * it fails with `ConnectionError` and the connection is dropped. Default 16 MiB.
   */
  writeBufferLimit?: number;
  /**
   * How upgrade requests must authenticate, tried in order (Basic against a user file,
   * Bearer JWTs); checked before the upgrade function runs. 401 without acceptable
   * credentials, 403 without a listed scope.
   */
  auth?: ListenerAuthConfig[];
  /**
   * Origins (`https://app.example`) allowed to open connections; any other `Origin`, or
   * none, is refused with 403 before the upgrade function runs. Unset: every origin.
   */
  allowedOrigins?: string[];
}

/**
 * Routes one value of `dispatcherKey` to a custom method, in `ServiceConfig.dispatcherConfig`.
 *
 * @example
 * ```ts
 * import type { ServiceConfig } from "@tether/websocket";
 * const config: ServiceConfig = {
 *   dispatcherKey: "type",
 *   dispatcherConfig: { onSubscribeMessage: { value: "subscribe" } },
 * };
 * ```
 */
export interface DispatcherConfig {
  /** The value at `dispatcherKey` that reaches the method. */
  value: string;
}
