/**
 * The parts of Bun's API the engines use, typed here because the project is type-checked by
 * Deno, which has no Bun types. Reached through `globalThis` so that nothing runs on Deno.
 */
export interface BunRuntime {
  listen(options: {
    hostname: string;
    port: number;
    binaryType: "uint8array";
    socket: {
      open(socket: BunSocket): void;
      data(socket: BunSocket, chunk: Uint8Array): void;
      drain(socket: BunSocket): void;
      close(socket: BunSocket): void;
      error(socket: BunSocket, error: Error): void;
    };
  }): { port: number; stop(closeActive?: boolean): void };
  serve(options: BunServeOptions): BunServer;
}

/** A Bun TCP socket with the per-socket `data` slot. */
export interface BunSocket {
  data: unknown;
  write(data: Uint8Array): number;
  end(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
  setNoDelay(enabled?: boolean): boolean;
}

/** Bun's server-side WebSocket. */
export interface BunServerWebSocket {
  data: unknown;
  readonly remoteAddress: string;
  send(data: string | Uint8Array, compress?: boolean): number;
  ping(data?: Uint8Array): number;
  pong(data?: Uint8Array): number;
  close(code?: number, reason?: string): void;
  terminate(): void;
  getBufferedAmount(): number;
  binaryType?: string;
}

/** `Bun.serve`'s WebSocket handlers and settings. */
export interface BunWebSocketHandler {
  open(ws: BunServerWebSocket): void;
  message(ws: BunServerWebSocket, message: string | Uint8Array): void;
  ping(ws: BunServerWebSocket, data: Uint8Array): void;
  pong(ws: BunServerWebSocket, data: Uint8Array): void;
  close(ws: BunServerWebSocket, code: number, reason: string): void;
  drain(ws: BunServerWebSocket): void;
  maxPayloadLength: number;
  idleTimeout: number;
  backpressureLimit: number;
  closeOnBackpressureLimit: boolean;
  sendPings: boolean;
  perMessageDeflate: boolean;
}

/** The options of `Bun.serve` the bun engine sets. */
export interface BunServeOptions {
  hostname: string;
  port: number;
  idleTimeout: number;
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
  if (bun === undefined) throw new Error("this engine needs the Bun runtime");
  return bun;
}
