import { Hono } from "hono";
import { serviceProblem } from "../dispatch/dispatch-config.ts";
import { ConnectionDispatcher } from "../dispatch/dispatcher.ts";
import { WebSocketError } from "../dispatch/errors.ts";
import type { Service, ServiceConfig } from "../dispatch/service.ts";
import {
  type EngineName,
  type ListenerConfiguration,
  type ResolvedListenerConfig,
  resolveListenerConfig,
} from "./config.ts";
import type { BunWebSocketHandler } from "../connection/bun-api.ts";
import type { Connection } from "../connection/connection.ts";
import type { Engine } from "./engines/engine.ts";
import { checkEngineTls } from "./engines/tls-support.ts";
import { checkRequestLimits } from "./handshake-check.ts";
import { RouteTable, validatePath } from "./routes.ts";
import { resolveServiceConfig } from "./service-config.ts";
import {
  type Attachment,
  handleUpgradeRequest,
  refuse,
  sharedSettings,
  type UpgradeFunction,
  type UpgradeHost,
} from "./upgrade.ts";

const DEFAULT_GRACEFUL_STOP_TIMEOUT = 10;
/** Bun's server-wide message cap; each service's own, smaller limit is checked per message. */
const BUN_MAX_PAYLOAD = 16 * 1024 * 1024;

type State = "new" | "starting" | "started" | "stopping" | "stopped";

function declaresBody(request: Request): boolean {
  const length = request.headers.get("content-length");
  return request.headers.has("transfer-encoding") || (length !== null && length.trim() !== "0");
}

function runtimeName(): "bun" | "deno" | undefined {
  if ("Bun" in globalThis) return "bun";
  if ("Deno" in globalThis) return "deno";
  return undefined;
}

function chooseEngine(requested: EngineName | undefined, ownsPort: boolean): EngineName {
  const runtime = runtimeName();
  if (runtime === undefined) {
    throw new Error("tether's listener runs on Deno or Bun; this runtime is neither");
  }
  const engine = requested ?? (runtime === "bun" ? "bun" : ownsPort ? "frames" : "deno");
  if (engine !== "bun" && engine !== "frames" && engine !== "deno") {
    throw new RangeError(`engine must be "bun", "frames" or "deno", got ${engine}`);
  }
  if (engine === "bun" && runtime !== "bun") throw new Error("the bun engine needs Bun");
  if (engine === "deno" && runtime !== "deno") throw new Error("the deno engine needs Deno");
  if (engine === "frames" && !ownsPort) {
    throw new Error(
      "the frames engine reads its own sockets, so it needs a port: use new Listener(port)",
    );
  }
  return engine;
}

async function loadEngine(name: EngineName, config: ResolvedListenerConfig): Promise<Engine> {
  switch (name) {
    case "bun": {
      const { BunEngine } = await import("./engines/bun.ts");
      return new BunEngine({ compression: config.compression, maxPayloadLength: BUN_MAX_PAYLOAD });
    }
    case "deno": {
      const { DenoEngine } = await import("./engines/deno.ts");
      return new DenoEngine();
    }
    case "frames": {
      const { FramesEngine } = await import("./engines/frames/server.ts");
      const { acceptKeyBun, listenBun, listenDeno, listenNodeTls } = await import(
        "./engines/frames/listen.ts"
      );
      const onBun = runtimeName() === "bun";
      const acceptKey = onBun ? acceptKeyBun : undefined;
      if (config.tls !== undefined) return new FramesEngine(listenNodeTls(config.tls), acceptKey);
      return new FramesEngine(onBun ? listenBun : listenDeno, acceptKey);
    }
  }
}

/**
 * A WebSocket listener: upgrade services attached to paths, served on a port of its own
 * or added to an existing Hono app.
 *
 * @example
 * ```ts
 * import { Listener } from "@tether/websocket";
 * const listener = new Listener(0, { host: "127.0.0.1" });
 * listener.attach("/echo", () => ({ onTextMessage: (_caller, text: string) => text }));
 * await listener.start();
 * console.log(`ws://127.0.0.1:${listener.port}/echo on the ${listener.engine} engine`);
 * await listener.gracefulStop();
 * ```
 */
export class Listener {
  readonly #app: Hono;
  /** The engine connections run on. */
  readonly engine: EngineName;
  readonly #config: ResolvedListenerConfig;
  readonly #requestedPort: number | undefined;
  readonly #routes = new RouteTable<Attachment>();
  readonly #connections = new Set<ConnectionDispatcher>();
  readonly #forget = (dispatcher: ConnectionDispatcher) => this.#connections.delete(dispatcher);
  readonly #host: UpgradeHost;
  #engine: Engine | undefined;
  #port: number | undefined;
  #state: State = "new";

  /**
   * A listener on `port` (0 picks a free one) with the specification's configuration, or
   * one that adds its routes to an existing Hono `app` that you serve yourself.
   */
  constructor(portOrApp: number | Hono, config: ListenerConfiguration = {}) {
    this.#config = resolveListenerConfig(config);
    if (typeof portOrApp === "number") {
      if (!Number.isInteger(portOrApp) || portOrApp < 0 || portOrApp > 65535) {
        throw new RangeError(`port must be an integer from 0 to 65535, got ${portOrApp}`);
      }
      this.#requestedPort = portOrApp;
      this.#app = new Hono();
      this.#app.all("*", async (c) => {
        const response = await handleUpgradeRequest(this.#host, c.req.raw, c.env);
        return response ?? this.#answerOther(c.req.raw);
      });
    } else if (portOrApp instanceof Hono) {
      if (this.#config.fetch !== undefined) {
        throw new TypeError(
          "fetch needs a listener that owns its port; your own Hono app answers the other " +
            "requests itself",
        );
      }
      if (this.#config.tls !== undefined) {
        throw new TypeError(
          "secureSocket needs a listener that owns its port; a Hono app you serve yourself " +
            "gets TLS from the server that runs it",
        );
      }
      this.#app = portOrApp;
    } else {
      throw new TypeError("a listener needs a port number or a Hono app");
    }
    this.engine = chooseEngine(config.engine, this.#requestedPort !== undefined);
    if (this.#config.tls !== undefined) checkEngineTls(this.engine, this.#config.tls);
    const runningEngine = () => this.#state === "started" ? this.#engine : undefined;
    this.#host = {
      config: this.#config,
      routes: this.#routes,
      get engine() {
        return runningEngine();
      },
      engineName: this.engine,
      open: (service, attachment) => (connection) => this.#open(service, attachment, connection),
    };
    if (this.engine === "deno" && config.webSocketCompressionEnabled === true) {
      console.warn(
        "[tether] the deno engine cannot negotiate permessage-deflate; connections run uncompressed",
      );
    }
  }

  /** The port the listener is bound to, once started. */
  get port(): number {
    if (this.#port === undefined) throw new Error("the listener has no port until it is started");
    return this.#port;
  }

  /**
   * The `websocket` option for `Bun.serve` when the bun engine runs in a Hono app you serve
   * yourself: `Bun.serve({ fetch: app.fetch, websocket: listener.websocket })`. Available
   * once `start()` has resolved.
   */
  get websocket(): BunWebSocketHandler {
    const engine = this.#engine as { websocket?: BunWebSocketHandler } | undefined;
    if (engine?.websocket === undefined) {
      throw new Error("listener.websocket exists for the bun engine once start() has resolved");
    }
    return engine.websocket;
  }

  /**
   * Attaches an upgrade function at `path` (Hono syntax: `/chat/:room`, `/files/*`), or a
   * service that every connection there shares. Throws when the path is taken or the
   * configuration is invalid; a service given here is checked against it at once.
   */
  attach(path: string, upgrade: UpgradeFunction | Service, config: ServiceConfig = {}): void {
    validatePath(path);
    if (typeof upgrade !== "function" && (typeof upgrade !== "object" || upgrade === null)) {
      throw new TypeError(`attach ${path}: give an upgrade function or a service object`);
    }
    if (this.#routes.has(path)) throw new Error(`a service is already attached to ${path}`);
    const resolved = resolveServiceConfig(config);
    if (typeof upgrade !== "function") {
      const problem = serviceProblem(upgrade, resolved.dispatch);
      if (problem !== undefined) throw new TypeError(`the service for ${path}: ${problem}`);
    }
    const service = upgrade;
    this.#routes.add(path, {
      upgrade: typeof service === "function" ? service : () => service,
      config: resolved,
      shared: sharedSettings(resolved, this.#forget),
    });
    if (this.#requestedPort === undefined) {
      this.#app.all(path, async (c, next) => {
        const response = await handleUpgradeRequest(this.#host, c.req.raw, c.env);
        if (response !== undefined) return response;
        await next();
      });
    }
  }

  /** Detaches the service at `path`; open connections stay. Throws if none is attached. */
  detach(path: string): void {
    if (!this.#routes.delete(path)) throw new Error(`no service is attached to ${path}`);
  }

  /**
   * Starts accepting upgrades: binds the port (rejecting with a `WebSocketError` that says
   * why when it cannot), or readies the routes added to your Hono app.
   */
  async start(): Promise<void> {
    if (this.#state !== "new") throw new Error(`the listener cannot start: it is ${this.#state}`);
    this.#state = "starting";
    const engine = await loadEngine(this.engine, this.#config);
    if (this.#requestedPort !== undefined) {
      const config = this.#config;
      try {
        this.#port = await engine.serve((request, env) => this.#app.fetch(request, env), {
          port: this.#requestedPort,
          host: config.host,
          timeout: config.timeout,
          maxUriLength: config.maxUriLength,
          maxHeaderSize: config.maxHeaderSize,
          compression: config.compression,
          responseHeaders: new Headers({ server: config.server }),
          tls: config.tls,
        });
      } catch (error) {
        this.#state = "new";
        const reason = (error as Error)?.message ?? String(error);
        throw new WebSocketError(
          `cannot listen on ${config.host}:${this.#requestedPort}: ${reason}`,
          { cause: error },
        );
      }
    }
    this.#engine = engine;
    this.#state = "started";
  }

  /**
   * Stops accepting, closes every connection with 1001 Going Away, waits up to `timeout`
   * seconds (default 10) for their closing handshakes, drops what is left, and stops.
   */
  async gracefulStop(timeout = DEFAULT_GRACEFUL_STOP_TIMEOUT): Promise<void> {
    if (!(timeout >= 0)) throw new RangeError(`timeout must be >= 0 seconds, got ${timeout}`);
    if (!this.#beginStop()) return;
    await this.#engine?.stopAccepting();
    await Promise.all([...this.#connections].map((connection) => connection.goAway(timeout)));
    await this.#engine?.close();
    this.#state = "stopped";
  }

  /** Stops at once: drops every connection without a closing handshake. */
  async immediateStop(): Promise<void> {
    if (!this.#beginStop()) return;
    await this.#engine?.stopAccepting();
    for (const connection of this.#connections) connection.terminate();
    await this.#engine?.close();
    this.#state = "stopped";
  }

  /** A request for a path no service is attached to: the `fetch` option's, else 404. */
  #answerOther(request: Request): Response | Promise<Response> {
    const fetch = this.#config.fetch;
    if (fetch === undefined) {
      return refuse(this.#host, {
        status: 404,
        message: `no service at ${new URL(request.url).pathname}`,
      });
    }
    const limited = checkRequestLimits(request, this.#config);
    if (limited) return refuse(this.#host, limited);
    if (this.engine === "frames" && declaresBody(request)) {
      return refuse(this.#host, {
        status: 501,
        message: "the frames engine does not read request bodies",
      });
    }
    return fetch(request);
  }

  #beginStop(): boolean {
    if (this.#state === "stopping" || this.#state === "stopped") return false;
    if (this.#state !== "started") throw new Error(`the listener is ${this.#state}, not started`);
    this.#state = "stopping";
    return true;
  }

  #open(service: Service, attachment: Attachment, connection: Connection): void {
    const dispatcher = new ConnectionDispatcher(
      service,
      connection,
      attachment.shared.dispatcher,
    );
    this.#connections.add(dispatcher);
    if (this.#state !== "started") dispatcher.goAway(0);
  }
}
