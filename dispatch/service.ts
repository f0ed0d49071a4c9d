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
  /** A text message. A returned string is sent as text, bytes as binary, data as JSON. */
  onTextMessage?(caller: Caller, text: string): unknown;
  /** A binary message. */
  onBinaryMessage?(caller: Caller, data: Uint8Array): unknown;
  /** Any message, when the service has neither `onTextMessage` nor `onBinaryMessage`. */
  onMessage?(caller: Caller, data: string | Uint8Array): unknown;
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
  /** Custom methods, reached through custom dispatch. */
  [method: string]: unknown;
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
}
