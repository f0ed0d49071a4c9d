import {
  type ClientSecureSocket,
  type ClientTlsSettings,
  resolveClientTls,
} from "../connection/tls-settings.ts";
import { isToken } from "../frame/header-lists.ts";
import { readConnectionLimits, readFiniteNumber } from "../frame/limits.ts";
import { type AuthorizationSource, type ClientAuthConfig, resolveClientAuth } from "./auth.ts";
import type { Client } from "./client.ts";
import { checkRequestHeaders, type Cookie } from "./handshake.ts";
import { resolveRetry, type RetrySettings } from "./retry.ts";

/**
 * Answers the server's pings and hears its pongs. Without `onPing` the client answers every
 * ping itself with a pong carrying the same payload; with it, `onPing` decides: bytes it
 * returns (or a `client.pong()` it makes) are the answer. Calls run one at a time, in the
 * order the frames arrived; an error they throw is logged.
 *
 * @example
 * ```ts
 * import type { PingPongService } from "@tether/websocket";
 * const heartbeat: PingPongService = {
 *   onPing: (_client, data) => data,
 *   onPong: (_client, data) => console.log("pong", data.length, "bytes"),
 * };
 * ```
 */
export interface PingPongService {
  /** A ping arrived; return bytes (up to 125) to send them as the pong. */
  onPing?(client: Client, data: Uint8Array): unknown;
  /** A pong arrived. */
  onPong?(client: Client, data: Uint8Array): unknown;
}

/**
 * When and how often a client reconnects. Delays grow as `interval * backOffFactor^n` for
 * the n-th retry in a row (from 0), never past `maxWaitInterval`; times are in seconds.
 *
 * @example
 * ```ts
 * import type { RetryConfig } from "@tether/websocket";
 * // 0.5 s, 1 s, 2 s, 4 s, 5 s, 5 s... at most 20 retries in a row.
 * const retry: RetryConfig = { maxCount: 20, interval: 0.5, backOffFactor: 2, maxWaitInterval: 5 };
 * ```
 */
export interface RetryConfig {
  /** Retries in a row before giving up; 0 (the default) retries forever. */
  maxCount?: number;
  /** Seconds before the first retry. Default 1. */
  interval?: number;
  /** What each further delay is multiplied by, at least 1. Default 1. */
  backOffFactor?: number;
  /** The longest delay, in seconds. Default 30. */
  maxWaitInterval?: number;
}

/** Which implementation a client runs on. */
export type ClientTransportName = "auto" | "frames" | "whatwg";

/**
 * How a {@link Client} connects and behaves. Times are in seconds, sizes in bytes.
 *
 * @example
 * ```ts
 * import type { ClientConfiguration } from "@tether/websocket";
 * const config: ClientConfiguration = {
 *   subProtocols: ["chat.v1"],
 *   customHeaders: { "x-client": "docs" },
 *   readTimeout: 30,
 *   retryConfig: { maxCount: 5, interval: 1, backOffFactor: 2 },
 * };
 * ```
 */
export interface ClientConfiguration {
  /** Sub-protocols to offer, most wanted first; the server must pick one of them. */
  subProtocols?: string[];
  /** Extra headers for the upgrade request (the handshake's own headers cannot be set). */
  customHeaders?: Record<string, string>;
  /** Cookies for the upgrade request; they replace a `Cookie` custom header. */
  cookies?: Cookie[];
  /** Seconds each read waits for a message; 0 or less (default -1) waits forever. */
  readTimeout?: number;
  /** Seconds each write may take; 0 or less (default -1) waits forever. */
  writeTimeout?: number;
  /**
   * Seconds from connecting to the server's 101 response: 300 by default and for any value
   * below 0; 0 waits forever.
   */
  handShakeTimeout?: number;
  /** Largest frame accepted, and the size outgoing messages are split at; default 65536. */
  maxFrameSize?: number;
  /** Largest message accepted after reassembly and inflation; default 16 MiB. */
  maxMessageSize?: number;
  /** Most bytes queued for the socket before the connection is dropped; default 16 MiB. */
  writeBufferLimit?: number;
  /** Offer permessage-deflate; default true. */
  webSocketCompressionEnabled?: boolean;
  /** Hears pings and pongs; without `onPing` pings are answered automatically. */
  pingPongHandler?: PingPongService;
  /** Reconnect after a failed connect, an abnormal closure or a failed write. */
  retryConfig?: RetryConfig;
  /** Whether `readMessage` runs Standard Schema validation; default true. */
  validation?: boolean;
  /** TLS settings for `wss://`. */
  secureSocket?: ClientSecureSocket;
  /** Credentials for the upgrade request's `Authorization` header. */
  auth?: ClientAuthConfig;
  /**
   * `"frames"`: our wire layer on the runtime's sockets; `"whatwg"`: the global
   * `WebSocket`; `"auto"` (the default): frames where the runtime has sockets.
   */
  transport?: ClientTransportName;
}

/** A client configuration with every default filled in and every value checked. */
export interface ClientSettings {
  transport: "frames" | "whatwg";
  subProtocols: string[];
  customHeaders: Record<string, string>;
  cookies: Cookie[];
  readTimeoutMs: number;
  writeTimeoutMs: number;
  handshakeTimeoutMs: number;
  maxFrameSize: number;
  maxMessageSize: number;
  writeBufferLimit: number;
  compression: boolean;
  pingPongHandler: PingPongService | undefined;
  retry: RetrySettings | undefined;
  validation: boolean;
  /** Makes the `Authorization` header of each connection attempt. */
  authorization: AuthorizationSource | undefined;
  /** Custom TLS settings for `wss://`; undefined uses the runtime's own. */
  tls: ClientTlsSettings | undefined;
}

const DEFAULT_HANDSHAKE_TIMEOUT = 300;
const TRANSPORTS = new Set(["auto", "frames", "whatwg"]);

function boolean(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new TypeError(`${name} must be true or false`);
  return value;
}

/** Whether this runtime can open raw TCP connections for the frames transport. */
function hasSockets(): boolean {
  const runtime = globalThis as { Deno?: { connect?: unknown }; Bun?: { connect?: unknown } };
  return typeof runtime.Deno?.connect === "function" || typeof runtime.Bun?.connect === "function";
}

function checkPingPongHandler(handler: unknown): PingPongService | undefined {
  if (handler === undefined) return undefined;
  if (typeof handler !== "object" || handler === null) {
    throw new TypeError("pingPongHandler must be an object with onPing and/or onPong");
  }
  for (const name of ["onPing", "onPong"] as const) {
    const method = (handler as PingPongService)[name];
    if (method !== undefined && typeof method !== "function") {
      throw new TypeError(`pingPongHandler.${name} must be a function`);
    }
  }
  return handler as PingPongService;
}

/**
 * The global `WebSocket` decides these itself; asking for them with the whatwg transport is
 * refused rather than silently ignored.
 */
function checkWhatwgConfig(config: ClientConfiguration): void {
  const refuse = (option: string, why: string) => {
    throw new TypeError(`${option} cannot be honoured by the whatwg transport: ${why}`);
  };
  if (Object.keys(config.customHeaders ?? {}).length > 0) {
    refuse("customHeaders", "the global WebSocket sends only its own headers");
  }
  if ((config.cookies ?? []).length > 0) {
    refuse("cookies", "the global WebSocket sends the cookies of its own cookie store");
  }
  if (config.pingPongHandler !== undefined) {
    refuse("pingPongHandler", "the global WebSocket answers pings itself and hides pongs");
  }
  if (config.webSocketCompressionEnabled === false) {
    refuse("webSocketCompressionEnabled: false", "the global WebSocket decides compression");
  }
  if (config.maxFrameSize !== undefined && config.maxFrameSize > 0) {
    refuse("maxFrameSize", "the global WebSocket neither limits nor splits frames");
  }
  if (config.maxMessageSize !== undefined) {
    refuse("maxMessageSize", "the global WebSocket delivers messages of any size");
  }
  if (config.writeBufferLimit !== undefined) {
    refuse("writeBufferLimit", "the global WebSocket buffers writes without a limit");
  }
  if (config.secureSocket !== undefined) {
    refuse("secureSocket", "the global WebSocket uses the platform's TLS settings");
  }
  if (config.auth !== undefined) {
    refuse("auth", "the global WebSocket cannot send an Authorization header");
  }
}

/** Checks a client configuration and fills in the defaults; bad values throw. */
export function resolveClientConfig(config: ClientConfiguration = {}): ClientSettings {
  if (typeof config !== "object" || config === null) {
    throw new TypeError("the client configuration must be an object");
  }
  const transport = config.transport ?? "auto";
  if (!TRANSPORTS.has(transport)) {
    throw new TypeError(`transport must be "auto", "frames" or "whatwg", got ${transport}`);
  }
  const subProtocols = config.subProtocols ?? [];
  if (!Array.isArray(subProtocols) || !subProtocols.every((name) => isToken(name))) {
    throw new TypeError("subProtocols must be an array of HTTP tokens");
  }
  if (new Set(subProtocols).size !== subProtocols.length) {
    throw new TypeError("subProtocols must not repeat a name");
  }
  const customHeaders = config.customHeaders ?? {};
  const cookies = config.cookies ?? [];
  if (typeof customHeaders !== "object" || customHeaders === null) {
    throw new TypeError("customHeaders must be an object of header names and values");
  }
  if (!Array.isArray(cookies)) throw new TypeError("cookies must be an array");
  checkRequestHeaders(customHeaders, cookies);
  if (
    config.auth !== undefined &&
    Object.keys(customHeaders).some((name) => name.toLowerCase() === "authorization")
  ) {
    throw new TypeError("auth and an Authorization custom header cannot both be set");
  }
  const tls = config.secureSocket === undefined ? undefined : resolveClientTls(config.secureSocket);
  const readTimeout = readFiniteNumber("readTimeout", config.readTimeout, -1);
  const writeTimeout = readFiniteNumber("writeTimeout", config.writeTimeout, -1);
  const handshakeTimeout = readFiniteNumber(
    "handShakeTimeout",
    config.handShakeTimeout,
    DEFAULT_HANDSHAKE_TIMEOUT,
  );
  const limits = readConnectionLimits(config);
  const chosen = transport === "auto" ? (hasSockets() ? "frames" : "whatwg") : transport;
  if (chosen === "frames" && !hasSockets()) {
    throw new TypeError(
      'transport "frames" needs the sockets of Deno or Bun; use "whatwg" on this runtime',
    );
  }
  if (chosen === "whatwg") checkWhatwgConfig(config);
  return {
    transport: chosen,
    subProtocols: [...subProtocols],
    customHeaders: { ...customHeaders },
    cookies: [...cookies],
    readTimeoutMs: readTimeout > 0 ? readTimeout * 1000 : 0,
    writeTimeoutMs: writeTimeout > 0 ? writeTimeout * 1000 : 0,
    handshakeTimeoutMs: (handshakeTimeout < 0 ? DEFAULT_HANDSHAKE_TIMEOUT : handshakeTimeout) *
      1000,
    ...limits,
    compression: boolean("webSocketCompressionEnabled", config.webSocketCompressionEnabled, true),
    pingPongHandler: checkPingPongHandler(config.pingPongHandler),
    retry: resolveRetry(config.retryConfig),
    validation: boolean("validation", config.validation, true),
    authorization: resolveClientAuth(config.auth),
    tls,
  };
}
