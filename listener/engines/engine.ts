import type { Connection, ConnectionOptions } from "../../connection/connection.ts";
import type { ServerTlsSettings } from "../../connection/tls-settings.ts";

/** An upgrade the listener accepted; the engine completes it and opens the connection. */
export interface Acceptance {
  /** The client's Sec-WebSocket-Key. */
  key: string;
  /** The chosen sub-protocol, or "". */
  protocol: string;
  /** The client's Sec-WebSocket-Extensions header, for engines that negotiate themselves. */
  extensions: string | null;
  /** Whether permessage-deflate may be agreed. */
  compression: boolean;
  /** Extra headers for the 101 response (the upgrade function's and `Server`). */
  headers: Headers;
  options: ConnectionOptions;
  /** Hands the open connection to its service. */
  open(connection: Connection): void;
}

/** A fetch handler with whatever per-request value the engine passes along. */
export type FetchHandler = (request: Request, env: unknown) => Response | Promise<Response>;

/** Where and how a port-owning listener serves. */
export interface ServeOptions {
  port: number;
  host: string;
  /** Seconds for the whole upgrade request to arrive; 0 disables. */
  timeout: number;
  maxUriLength: number;
  maxHeaderSize: number;
  compression: boolean;
  /** Headers every plain HTTP response the engine makes by itself carries. */
  responseHeaders: Headers;
  /** Serve TLS with these settings. */
  tls?: ServerTlsSettings;
}

/** One way of running WebSocket connections on a runtime. */
export interface Engine {
  /** Whether `onPing`/`onPong`, `ping()` and `pong()` reach the wire. */
  readonly controlFrames: boolean;
  /** Whether permessage-deflate can be negotiated. */
  readonly compression: boolean;
  /** Completes an accepted upgrade; returns the response the fetch handler gives back. */
  upgrade(request: Request, acceptance: Acceptance, env: unknown): Response;
  /** Serves `fetch` on a port; resolves with the bound port. */
  serve(fetch: FetchHandler, options: ServeOptions): Promise<number>;
  /** Stops accepting connections; open WebSocket connections are left alone. */
  stopAccepting(): Promise<void>;
  /** Releases everything, dropping whatever is still open. */
  close(): Promise<void>;
}
