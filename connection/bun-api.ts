/** The socket handlers `Bun.listen` and `Bun.connect` call. */
export interface BunSocketHandlers {
  open(socket: BunSocket): void;
  data(socket: BunSocket, chunk: Uint8Array): void;
  drain(socket: BunSocket): void;
  close(socket: BunSocket): void;
  error(socket: BunSocket, error: Error): void;
}

/** What `Bun.connect` is given. */
export interface BunConnectOptions {
  hostname: string;
  port: number;
  /** TLS settings; `serverName` is sent as SNI and checked against the certificate. */
  tls?: { serverName: string; rejectUnauthorized: boolean };
  socket: BunSocketHandlers & {
    binaryType: "uint8array";
    connectError(socket: BunSocket, error: Error): void;
    handshake?(socket: BunSocket, success: boolean, authorizationError: Error | null): void;
  };
}

/**
 * The parts of Bun's API the library uses, typed here because the project is type-checked
 * by Deno, which has no Bun types. Reached through `globalThis` so that nothing runs on Deno.
 */
export interface BunRuntime {
  listen(options: {
    hostname: string;
    port: number;
    binaryType: "uint8array";
    socket: BunSocketHandlers;
  }): { port: number; stop(closeActive?: boolean): void };
  connect(options: BunConnectOptions): Promise<BunSocket>;
  serve(options: BunServeOptions): BunServer;
  /** Bun's synchronous SHA-1. */
  SHA1: { hash(input: string, encoding: "base64"): string };
}

/** A Bun TCP socket with the per-socket `data` slot. */
export interface BunSocket {
  data: unknown;
  write(data: Uint8Array, byteOffset?: number, byteLength?: number): number;
  end(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  setNoDelay(enabled?: boolean): boolean;
}

/**
 * Bun's server-side WebSocket, as the bun engine uses it.
 *
 * @example
 * ```ts
 * import type { BunServerWebSocket } from "@tether/websocket";
 * const describe = (ws: BunServerWebSocket) => `${ws.remoteAddress}: ${ws.getBufferedAmount()} queued`;
 * ```
 */
export interface BunServerWebSocket {
  /** The engine's per-connection state. */
  data: unknown;
  /** The peer's IP address. */
  readonly remoteAddress: string;
  /** Sends a message: bytes sent, -1 when queued behind backpressure, 0 when dropped. */
  send(data: string | Uint8Array, compress?: boolean): number;
  /** 1 while open. */
  readonly readyState: number;
  /** Sends a ping. */
  ping(data?: Uint8Array): number;
  /** Sends a pong. */
  pong(data?: Uint8Array): number;
  /** Sends a close frame. */
  close(code?: number, reason?: string): void;
  /** Drops the connection. */
  terminate(): void;
  /** Bytes queued for the socket. */
  getBufferedAmount(): number;
  /** How binary messages are delivered. */
  binaryType?: string;
}

/**
 * `Bun.serve`'s WebSocket handlers and settings, as `listener.websocket` provides them for
 * an app you serve yourself with the bun engine.
 *
 * @example
 * ```ts
 * import type { BunWebSocketHandler } from "@tether/websocket";
 * const serveOptions = (fetch: (request: Request) => Response, websocket: BunWebSocketHandler) => ({
 *   fetch,
 *   websocket,
 * });
 * ```
 */
export interface BunWebSocketHandler {
  /** A connection opened. */
  open(ws: BunServerWebSocket): void;
  /** A message arrived. */
  message(ws: BunServerWebSocket, message: string | Uint8Array): void;
  /** A ping arrived. */
  ping(ws: BunServerWebSocket, data: Uint8Array): void;
  /** A pong arrived. */
  pong(ws: BunServerWebSocket, data: Uint8Array): void;
  /** The connection closed. */
  close(ws: BunServerWebSocket, code: number, reason: string): void;
  /** The socket can take more data. */
  drain(ws: BunServerWebSocket): void;
  /** Largest message Bun accepts, in bytes. */
  maxPayloadLength: number;
  /** Bun's own idle timeout; 0, since the dispatcher keeps idle time. */
  idleTimeout: number;
  /** Bun's own backpressure cap; 0, since each service has its own. */
  backpressureLimit: number;
  /** Whether Bun closes at its backpressure cap. */
  closeOnBackpressureLimit: boolean;
  /** Whether Bun pings on its own. */
  sendPings: boolean;
  /** Whether Bun negotiates permessage-deflate. */
  perMessageDeflate: boolean;
}

/** The TLS options of `Bun.serve` the bun engine uses. */
export interface BunServeTls {
  cert: string;
  key: string;
  ca?: string;
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
  ciphers?: string;
  /** OpenSSL `SSL_OP_*` flags; the bun engine turns protocol versions off with them. */
  secureOptions?: number;
}

/** The options of `Bun.serve` the bun engine uses. */
export interface BunServeOptions {
  hostname: string;
  port: number;
  idleTimeout: number;
  tls?: BunServeTls;
  fetch(request: Request, server: BunServer): Response | Promise<Response> | undefined;
  error?(error: Error): Response;
  websocket: BunWebSocketHandler;
}

/** What `Bun.serve` returns. */
export interface BunServer {
  readonly port: number;
  upgrade(request: Request, options: { headers?: Headers; data?: unknown }): boolean;
  stop(closeActiveConnections?: boolean): Promise<void>;
}

/** Bun's global, or a clear error where it is missing. */
export function bunRuntime(): BunRuntime {
  const bun = (globalThis as { Bun?: BunRuntime }).Bun;
  if (bun === undefined) throw new Error("this needs the Bun runtime");
  return bun;
}
