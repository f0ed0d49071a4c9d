import {
  type ListenerSecureSocket,
  resolveServerTls,
  type ServerTlsSettings,
} from "../connection/tls-settings.ts";

/**
 * The server engines: `bun` is Bun.serve's native WebSocket, `frames` is this library's
 * wire layer on raw sockets (Deno and Bun), `deno` is Deno.serve with
 * Deno.upgradeWebSocket (for Deno Deploy).
 *
 * @example
 * ```ts
 * import type { EngineName } from "@tether/websocket";
 * const engine: EngineName = "frames";
 * ```
 */
export type EngineName = "bun" | "frames" | "deno";

/**
 * HTTP/1.x settings for the upgrade request and for the plain HTTP responses a listener
 * sends (refusals, 404...).
 *
 * @example
 * ```ts
 * import type { ListenerHttp1Settings } from "@tether/websocket";
 * const settings: ListenerHttp1Settings = { keepAlive: "NEVER" };
 * ```
 */
export interface ListenerHttp1Settings {
  /**
   * `"AUTO"` (default) follows the request's `Connection` header, `"ALWAYS"` keeps
   * connections open, `"NEVER"` closes after every response. The frames engine closes every
   * connection it does not upgrade, whatever this says.
   */
  keepAlive?: "AUTO" | "ALWAYS" | "NEVER";
  /** Accepted for compatibility with the specification; no engine pipelines upgrades. */
  maxPipelinedRequests?: number;
}

/**
 * Size limits on the upgrade request.
 *
 * @example
 * ```ts
 * import type { RequestLimitConfigs } from "@tether/websocket";
 * const limits: RequestLimitConfigs = { maxUriLength: 1024, maxHeaderSize: 4096 };
 * ```
 */
export interface RequestLimitConfigs {
  /** Longest request target in bytes; longer is answered 414. Default 4096. */
  maxUriLength?: number;
  /** Largest header section in bytes; larger is answered 431. Default 8192. */
  maxHeaderSize?: number;
  /** Largest declared body in bytes; larger is answered 413. Default -1 (no limit). */
  maxEntityBodySize?: number;
}

/**
 * Configuration of a {@link Listener} that owns its port. Times are in seconds.
 *
 * @example
 * ```ts
 * import type { ListenerConfiguration } from "@tether/websocket";
 * const config: ListenerConfiguration = { host: "127.0.0.1", timeout: 30, server: "chat" };
 * ```
 */
export interface ListenerConfiguration {
  /** Address to listen on. Default "0.0.0.0". */
  host?: string;
  /** See {@link ListenerHttp1Settings}. */
  http1Settings?: ListenerHttp1Settings;
  /** TLS settings: with them the listener serves `wss://` only. */
  secureSocket?: ListenerSecureSocket;
  /** Seconds allowed for the whole upgrade request to arrive; 0 disables. Default 120. */
  timeout?: number;
  /** The `Server` header of every response. Default "tether". */
  server?: string;
  /** Offer permessage-deflate to clients that ask for it. Default true. */
  webSocketCompressionEnabled?: boolean;
  /** See {@link RequestLimitConfigs}. */
  requestLimits?: RequestLimitConfigs;
  /** The engine; default `bun` on Bun and `frames` on Deno. */
  engine?: EngineName;
  /**
   * Answers HTTP requests for paths no service is attached to, so that one port serves a
   * page and its WebSocket service; without it they get 404. The frames engine reads no
   * request bodies: a request that declares one gets 501 instead of reaching `fetch`.
   */
  fetch?: (request: Request) => Response | Promise<Response>;
}

/** A listener configuration with every default filled in and every value checked. */
export interface ResolvedListenerConfig {
  host: string;
  keepAlive: "AUTO" | "ALWAYS" | "NEVER";
  timeout: number;
  server: string;
  compression: boolean;
  maxUriLength: number;
  maxHeaderSize: number;
  maxEntityBodySize: number;
  tls?: ServerTlsSettings;
  fetch?: (request: Request) => Response | Promise<Response>;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer, got ${value}`);
  }
  return value;
}

/** Checks a listener configuration and fills in the defaults; bad values throw. */
export function resolveListenerConfig(config: ListenerConfiguration): ResolvedListenerConfig {
  const host = config.host ?? "0.0.0.0";
  if (typeof host !== "string" || host === "") {
    throw new TypeError(`host must be a non-empty string, got ${host}`);
  }
  const timeout = config.timeout ?? 120;
  if (typeof timeout !== "number" || !(timeout >= 0) || !Number.isFinite(timeout)) {
    throw new RangeError(`timeout must be a number of seconds >= 0, got ${timeout}`);
  }
  const keepAlive = config.http1Settings?.keepAlive ?? "AUTO";
  if (keepAlive !== "AUTO" && keepAlive !== "ALWAYS" && keepAlive !== "NEVER") {
    throw new RangeError(`http1Settings.keepAlive must be AUTO, ALWAYS or NEVER, got ${keepAlive}`);
  }
  positiveInteger(
    "http1Settings.maxPipelinedRequests",
    config.http1Settings?.maxPipelinedRequests,
    10,
  );
  const server = config.server ?? "tether";
  if (typeof server !== "string" || /[\r\n]/.test(server)) {
    throw new TypeError("server must be a string without line breaks");
  }
  const compression = config.webSocketCompressionEnabled ?? true;
  if (typeof compression !== "boolean") {
    throw new TypeError("webSocketCompressionEnabled must be a boolean");
  }
  const limits = config.requestLimits ?? {};
  const maxEntityBodySize = limits.maxEntityBodySize ?? -1;
  if (!Number.isInteger(maxEntityBodySize) || maxEntityBodySize < -1) {
    throw new RangeError(
      `requestLimits.maxEntityBodySize must be an integer >= -1, got ${maxEntityBodySize}`,
    );
  }
  if (config.fetch !== undefined && typeof config.fetch !== "function") {
    throw new TypeError("fetch must be a function from a Request to a Response");
  }
  return {
    host,
    keepAlive,
    timeout,
    server,
    compression,
    maxUriLength: positiveInteger("requestLimits.maxUriLength", limits.maxUriLength, 4096),
    maxHeaderSize: positiveInteger("requestLimits.maxHeaderSize", limits.maxHeaderSize, 8192),
    maxEntityBodySize,
    tls: config.secureSocket === undefined ? undefined : resolveServerTls(config.secureSocket),
    fetch: config.fetch,
  };
}
