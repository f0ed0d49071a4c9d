import { FrameError } from "../../frame/errors.ts";
import {
  bunRuntime,
  type BunServer,
  type BunServerWebSocket,
  type BunServeTls,
  type BunWebSocketHandler,
} from "../../connection/bun-api.ts";
import {
  type Connection,
  type ConnectionEvents,
  type ConnectionOptions,
  SENT,
} from "../../connection/connection.ts";
import { serverTlsOptions, type ServerTlsSettings } from "../../connection/tls-settings.ts";
import type { Acceptance, Engine, FetchHandler, ServeOptions } from "./engine.ts";

// OpenSSL's (and BoringSSL's) SSL_OP_NO_TLSv1, _TLSv1_1, _TLSv1_2 and _TLSv1_3.
const NO_TLS_1_0 = 0x04000000;
const NO_TLS_1_1 = 0x10000000;
const NO_TLS_1_2 = 0x08000000;
const NO_TLS_1_3 = 0x20000000;

/** Listener TLS settings as `Bun.serve` options; versions become `secureOptions` flags. */
function bunServeTls(tls: ServerTlsSettings): BunServeTls {
  let secureOptions = NO_TLS_1_0 | NO_TLS_1_1;
  if (tls.minVersion === "TLSv1.3") secureOptions |= NO_TLS_1_2;
  if (tls.maxVersion === "TLSv1.2") secureOptions |= NO_TLS_1_3;
  return { ...serverTlsOptions(tls), secureOptions };
}
const encoder = new TextEncoder();

/**
 * One connection on Bun's native WebSocket. It is made at the upgrade and rides in `ws.data`
 * until Bun opens the connection.
 */
class BunConnection implements Connection {
  readonly secure: boolean;
  readonly protocol: string;
  #ws!: BunServerWebSocket;
  /** What the upgrade agreed, until the connection opens. */
  #acceptance: Acceptance | undefined;
  readonly #options: ConnectionOptions;
  #events: ConnectionEvents | undefined;
  /** Writers waiting for Bun to drain; made for the first one. */
  #drainWaiters: (() => void)[] | undefined;
  #ended = false;

  constructor(acceptance: Acceptance, secure: boolean) {
    this.#acceptance = acceptance;
    this.secure = secure;
    this.#options = acceptance.options;
    this.protocol = acceptance.protocol;
  }

  // A getter rather than a field: the same for every connection, it takes no room in each.
  get canControlPings(): boolean {
    return true;
  }

  /** Bun opened the connection: the service takes it over. */
  opened(ws: BunServerWebSocket): void {
    this.#ws = ws;
    const acceptance = this.#acceptance!;
    this.#acceptance = undefined;
    acceptance.open(this);
  }

  listen(events: ConnectionEvents): void {
    this.#events = events;
  }

  message(message: string | Uint8Array): void {
    const limit = this.#options.maxFrameSize;
    // Bun checks its server-wide limit; each service's own limit is checked here.
    if (typeof message === "string") {
      if (message.length > limit / 3 && encoder.encode(message).length > limit) {
        return this.#tooBig();
      }
      this.#events!.text(message);
    } else {
      if (message.length > limit) return this.#tooBig();
      this.#events!.binary(message);
    }
  }

  pinged(data: Uint8Array): void {
    this.#events!.pingReceived(data);
  }

  ponged(data: Uint8Array): void {
    this.#events!.pongReceived(data);
  }

  closed(code: number, reason: string): void {
    this.#ended = true;
    this.#acceptance = undefined;
    const events = this.#events;
    // A connection Bun closed before opening it never reached a service.
    if (events === undefined) return;
    if (code !== 1006) events.closing(code, reason);
    events.ended();
    this.drained();
  }

  drained(): void {
    const waiters = this.#drainWaiters;
    if (waiters === undefined) return;
    this.#drainWaiters = undefined;
    for (const wake of waiters) wake();
  }

  sendText(text: string): Promise<void> {
    return this.#refused() ?? this.#sent(this.#ws.send(text), text.length);
  }

  sendBinary(data: Uint8Array): Promise<void> {
    return this.#refused() ?? this.#sent(this.#ws.send(data), data.length);
  }

  sendPing(data: Uint8Array): Promise<void> {
    if (data.length > 125) return Promise.reject(new RangeError("ping payload over 125 bytes"));
    return this.#refused() ?? this.#sent(this.#ws.ping(data), data.length);
  }

  sendPong(data: Uint8Array): Promise<void> {
    if (data.length > 125) return Promise.reject(new RangeError("pong payload over 125 bytes"));
    return this.#refused() ?? this.#sent(this.#ws.pong(data), data.length);
  }

  sendClose(code: number | undefined, reason: string): Promise<void> {
    if (!this.#ended) this.#ws.close(code, reason);
    return SENT;
  }

  fail(code: number, reason: string): void {
    if (!this.#ended) this.#ws.close(code, reason);
  }

  terminate(): void {
    if (!this.#ended) this.#ws.terminate();
  }

  pause(): void {}

  resume(): void {}

  #tooBig(): void {
    this.#events!.failed(
      new FrameError(1009, `message larger than the limit of ${this.#options.maxFrameSize} bytes`),
    );
  }

  /**
   * Why a send may not go ahead, as the promise it returns; undefined when it may. Bun
   * buffers only past a send that reported backpressure, which leaves a drain waiter behind,
   * so the buffered amount is asked for only then.
   */
  #refused(): Promise<void> | undefined {
    if (this.#ended) {
      return Promise.reject(this.#options.connectionError("Connection already closed"));
    }
    if (this.#drainWaiters === undefined) return undefined;
    const limit = this.#options.writeBufferLimit;
    if (this.#ws.getBufferedAmount() <= limit) return undefined;
    this.#ws.terminate();
    return Promise.reject(this.#options.connectionError(
      `write buffer limit of ${limit} bytes exceeded: the peer is not reading; ` +
        "the connection was dropped",
    ));
  }

  /**
   * What a send returns, from Bun's `status`: the payload bytes sent (so 0 for an empty
   * one), -1 when the message was queued behind backpressure, 0 when it was dropped.
   */
  #sent(status: number, size: number): Promise<void> {
    if (status > 0 || (status === 0 && size === 0 && this.#ws.readyState === 1)) return SENT;
    if (status === 0) {
      return Promise.reject(this.#options.connectionError("the message could not be sent"));
    }
    return new Promise((resolve) => (this.#drainWaiters ??= []).push(resolve));
  }
}

function connectionOf(ws: BunServerWebSocket): BunConnection {
  return ws.data as BunConnection;
}

/**
 * Bun.serve's native WebSocket. Bun parses and frames natively; this engine maps its
 * callbacks onto the engine-neutral connection and applies each service's limits.
 */
export class BunEngine implements Engine {
  readonly controlFrames = true;
  readonly compression = true;
  /** The `websocket` option to give `Bun.serve` when you serve the Hono app yourself. */
  readonly websocket: BunWebSocketHandler;
  #server: BunServer | undefined;

  constructor(settings: { compression: boolean; maxPayloadLength: number }) {
    this.websocket = {
      open: (ws) => connectionOf(ws).opened(ws),
      message: (ws, message) => connectionOf(ws).message(message),
      ping: (ws, data) => connectionOf(ws).pinged(data),
      pong: (ws, data) => connectionOf(ws).ponged(data),
      close: (ws, code, reason) => connectionOf(ws).closed(code, reason),
      drain: (ws) => connectionOf(ws).drained(),
      maxPayloadLength: settings.maxPayloadLength,
      // Idle time is the dispatcher's business; Bun must neither ping nor close on its own.
      idleTimeout: 0,
      sendPings: false,
      backpressureLimit: 0,
      closeOnBackpressureLimit: false,
      perMessageDeflate: settings.compression,
    };
  }

  upgrade(request: Request, acceptance: Acceptance, env: unknown): Response {
    const server = env as BunServer | undefined;
    if (typeof server?.upgrade !== "function") {
      throw new Error(
        "the bun engine needs Bun's server: serve with Bun.serve({ fetch: app.fetch, websocket: listener.websocket })",
      );
    }
    const headers = new Headers(acceptance.headers);
    if (acceptance.protocol) headers.set("sec-websocket-protocol", acceptance.protocol);
    const connection = new BunConnection(acceptance, request.url.startsWith("https:"));
    if (!server.upgrade(request, { headers, data: connection })) {
      return new Response("the upgrade failed", { status: 400 });
    }
    // Bun has answered 101 on the socket already; this response is never sent.
    return new Response(null);
  }

  serve(fetch: FetchHandler, options: ServeOptions): Promise<number> {
    this.#server = bunRuntime().serve({
      hostname: options.host,
      port: options.port,
      // Bun's idle timeout for HTTP connections bounds the wait for the upgrade request.
      idleTimeout: Math.min(Math.ceil(options.timeout), 255),
      fetch: (request, server) => fetch(request, server),
      websocket: this.websocket,
      tls: options.tls && bunServeTls(options.tls),
    });
    return Promise.resolve(this.#server.port);
  }

  stopAccepting(): Promise<void> {
    // stop(false) resolves only when every connection is gone, so it is not awaited here.
    this.#server?.stop(false).catch(() => {});
    return Promise.resolve();
  }

  async close(): Promise<void> {
    await this.#server?.stop(true);
    this.#server = undefined;
  }
}
