import type { AuthInfo } from "../auth/listener/config.ts";
import { ConnectionError, UpgradeError } from "../dispatch/errors.ts";
import { serviceProblem } from "../dispatch/dispatch-config.ts";
import type { ConnectionDispatcher, DispatcherOptions } from "../dispatch/dispatcher.ts";
import type { Service } from "../dispatch/service.ts";
import type { ResolvedListenerConfig } from "./config.ts";
import type { Connection, ConnectionOptions } from "../connection/connection.ts";
import type { Engine } from "./engines/engine.ts";
import { checkRequestLimits, checkUpgradeRequest, type Refusal } from "./handshake-check.ts";
import type { RouteTable } from "./routes.ts";
import type { ResolvedServiceConfig } from "./service-config.ts";

/**
 * What an upgrade function gets besides the request.
 *
 * @example
 * ```ts
 * import type { UpgradeContext } from "@tether/websocket";
 * function describe(context: UpgradeContext): string {
 *   context.headers.set("x-room", context.params.room);
 *   return `${context.path} ${context.params.room} ${context.query.get("user")}`;
 * }
 * ```
 */
export interface UpgradeContext {
  /** Path parameters of the attached path (`/chat/:room` gives `room`), URL-decoded. */
  params: Record<string, string>;
  /** The query parameters of the request. */
  query: URLSearchParams;
  /** Headers to add to the 101 response. */
  headers: Headers;
  /** The attached path pattern that matched. */
  path: string;
  /** Who the request authenticated as, when the service has `auth`. */
  auth?: AuthInfo;
}

/**
 * The specification's upgrade service: decides, per request, which service handles the
 * connection. Return a service to accept, a `Response` to refuse with it, or throw
 * `UpgradeError` (400 unless it says otherwise; `AuthnError` 401, `AuthzError` 403). Any
 * other exception refuses with 500 and its message stays on the server.
 *
 * @example
 * ```ts
 * import { UpgradeError, type UpgradeFunction } from "@tether/websocket";
 * const upgrade: UpgradeFunction = (request, context) => {
 *   if (!context.query.get("user")) throw new UpgradeError("user is required");
 *   return { onTextMessage: (_caller, text: string) => text };
 * };
 * ```
 */
export type UpgradeFunction = (
  request: Request,
  context: UpgradeContext,
) => Service | Response | Promise<Service | Response>;

/** An attached path's upgrade function and checked configuration. */
export interface Attachment {
  upgrade: UpgradeFunction;
  config: ResolvedServiceConfig;
  /** What every connection of the service shares, made once when it is attached. */
  shared: SharedSettings;
  /** Set once the deno engine has warned about what this service cannot have there. */
  warned?: boolean;
}

/** Settings one object of which serves every connection of a service. */
export interface SharedSettings {
  /** For services without `onPing`: the engine answers pings. */
  enginePongs: ConnectionOptions;
  /** For services with `onPing`, which answer pings themselves. */
  servicePongs: ConnectionOptions;
  dispatcher: DispatcherOptions;
}

/** What the request handler needs from its listener. */
export interface UpgradeHost {
  readonly config: ResolvedListenerConfig;
  readonly routes: RouteTable<Attachment>;
  /** The running engine, or undefined while the listener is not started. */
  readonly engine: Engine | undefined;
  readonly engineName: string;
  /** Runs `service` on the connection the engine opens. */
  open(service: Service, attachment: Attachment): (connection: Connection) => void;
}

/**
 * Made once for every connection rather than inside the upgrade: a closure there would keep
 * the whole upgrade (its request and headers) alive for as long as the connection lives.
 */
function connectionError(message: string): ConnectionError {
  return new ConnectionError(message);
}

/**
 * The settings a service's connections share, given what the listener does when one of
 * them has ended.
 */
export function sharedSettings(
  config: ResolvedServiceConfig,
  onEnded: (dispatcher: ConnectionDispatcher) => void,
): SharedSettings {
  const connectionOptions = (autoPong: boolean): ConnectionOptions => ({
    maxFrameSize: config.maxFrameSize,
    maxMessageSize: config.maxMessageSize,
    writeBufferLimit: config.writeBufferLimit,
    autoPong,
    connectionError,
  });
  return {
    enginePongs: connectionOptions(true),
    servicePongs: connectionOptions(false),
    dispatcher: {
      idleTimeoutMs: config.idleTimeoutMs,
      closureTimeout: config.closureTimeout,
      dispatch: config.dispatch,
      onEnded,
    },
  };
}

/** Plain-text refusal with the listener's standard headers. */
export function refuse(host: UpgradeHost, refusal: Refusal): Response {
  const headers = new Headers(refusal.headers);
  headers.set("content-type", "text/plain; charset=utf-8");
  headers.set("server", host.config.server);
  if (host.config.keepAlive === "NEVER") headers.set("connection", "close");
  return new Response(refusal.message, { status: refusal.status, headers });
}

function isService(value: unknown): value is Service {
  return typeof value === "object" && value !== null && !(value instanceof Response);
}

/**
 * Handles one request addressed to the listener: routing, request limits, the RFC 6455
 * checks, the upgrade function, sub-protocol choice, and then the engine's upgrade. Answers
 * `undefined` when no attached path matches (the caller decides between 404 and passing on).
 */
export async function handleUpgradeRequest(
  host: UpgradeHost,
  request: Request,
  env: unknown,
): Promise<Response | undefined> {
  const url = new URL(request.url);
  const match = host.routes.match(url.pathname);
  if (match === undefined) return undefined;
  const engine = host.engine;
  if (engine === undefined) {
    return refuse(host, { status: 503, message: "the listener is not started" });
  }
  const limited = checkRequestLimits(request, host.config);
  if (limited) return refuse(host, limited);
  if (request.method !== "GET") {
    return refuse(host, {
      status: 405,
      message: "a WebSocket upgrade must use GET",
      headers: { allow: "GET" },
    });
  }
  const offer = checkUpgradeRequest(request);
  if ("status" in offer) return refuse(host, offer);

  const attachment = match.route.value;
  const { upgrade, config } = attachment;
  if (config.allowedOrigins !== undefined) {
    const origin = request.headers.get("origin")?.toLowerCase();
    if (origin === undefined || !config.allowedOrigins.has(origin)) {
      return refuse(host, { status: 403, message: "Forbidden: this origin may not connect" });
    }
  }
  let auth: AuthInfo | undefined;
  if (config.authenticate !== undefined) {
    const outcome = await config.authenticate(request);
    if (!outcome.ok) return refuse(host, outcome);
    auth = outcome.info;
  }
  const responseHeaders = new Headers();
  let outcome: Service | Response;
  try {
    outcome = await upgrade(request, {
      params: match.params,
      query: url.searchParams,
      headers: responseHeaders,
      path: match.route.path,
      auth,
    });
  } catch (error) {
    if (error instanceof UpgradeError) {
      return refuse(host, { status: error.status, message: error.message });
    }
    console.error(`upgrade function for ${match.route.path} threw:`, error);
    return refuse(host, { status: 500, message: "Internal Server Error" });
  }
  if (outcome instanceof Response) return outcome;
  if (!isService(outcome)) {
    console.error(
      `upgrade function for ${match.route.path} returned neither a service nor a Response`,
    );
    return refuse(host, { status: 500, message: "Internal Server Error" });
  }
  const problem = serviceProblem(outcome, config.dispatch);
  if (problem !== undefined) {
    console.error(`[tether] the service for ${match.route.path}: ${problem}`);
    return refuse(host, { status: 500, message: "Internal Server Error" });
  }
  if (
    !engine.controlFrames && !attachment.warned &&
    (typeof outcome.onPing === "function" || typeof outcome.onPong === "function")
  ) {
    attachment.warned = true;
    console.warn(
      `[tether] ${match.route.path}: the ${host.engineName} engine cannot pass pings and pongs ` +
        "to a service (the runtime answers pings itself); onPing and onPong will not run",
    );
  }
  const protocol = offer.protocols.find((name) => config.subProtocols.includes(name)) ?? "";
  responseHeaders.set("server", host.config.server);
  return engine.upgrade(request, {
    key: offer.key,
    protocol,
    extensions: offer.extensions,
    compression: host.config.compression,
    headers: responseHeaders,
    options: typeof outcome.onPing === "function"
      ? attachment.shared.servicePongs
      : attachment.shared.enginePongs,
    open: host.open(outcome, attachment),
  }, env);
}
