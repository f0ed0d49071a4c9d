import assert from "node:assert/strict";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import process from "node:process";
import {
  type AuthInfo,
  type Caller,
  Client,
  type ClientConfiguration,
  computeAcceptKey,
  encodeClosePayload,
  encodeFrame,
  type EngineName,
  FrameParser,
  Listener,
  type ListenerConfiguration,
  Opcode,
  type Service,
  type ServiceConfig,
  type UpgradeFunction,
} from "../mod.ts";

/**
 * How long any single wait in a test may take before the test fails instead of hanging;
 * under Bun's 5-second test timeout, so that a test's own cleanup still runs.
 */
export const WAIT_LIMIT_MS = 4000;

/** The engines this runtime can run. */
export const ENGINES: EngineName[] = "Bun" in globalThis ? ["bun", "frames"] : ["frames", "deno"];

/** Rejects if `promise` has not settled within `ms`; a guard, never a delay. */
export function within<T>(promise: Promise<T>, what: string, ms = WAIT_LIMIT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** A promise with its resolve function, for waiting on a callback. */
export function deferred<T = void>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => resolve = done);
  return { promise, resolve };
}

/** Starts a listener on 127.0.0.1 with one service attached at `path`. */
export async function serve(
  engine: EngineName,
  path: string,
  upgrade: UpgradeFunction | Service,
  serviceConfig: ServiceConfig = {},
  config: ListenerConfiguration = {},
): Promise<Listener> {
  const listener = new Listener(0, { host: "127.0.0.1", engine, ...config });
  listener.attach(path, upgrade, serviceConfig);
  await listener.start();
  return listener;
}

/** A masked frame as a client sends it; strings are UTF-8 encoded. */
export function clientFrame(opcode: number, payload: Uint8Array | string = new Uint8Array(0)) {
  return encodeFrame(
    opcode,
    typeof payload === "string" ? new TextEncoder().encode(payload) : payload,
    true,
  );
}

/** A masked close frame, with no status when `code` is undefined. */
export function clientClose(code?: number, reason = ""): Uint8Array {
  return clientFrame(Opcode.Close, encodeClosePayload(code, reason));
}

/**
 * Expects the server's next frame to be a close with `code` (and `reason`, when given),
 * answers it with the same code and waits for the connection to end. Resolves with the reason.
 */
export async function expectClose(
  client: RawPeer,
  code: number,
  reason?: string,
): Promise<string> {
  const close = await client.next();
  assert.equal(close.type, "close", `expected a close frame, got ${JSON.stringify(close)}`);
  const received = close as Extract<WireEvent, { type: "close" }>;
  assert.equal(received.code, code);
  if (reason !== undefined) assert.equal(received.reason, reason);
  client.write(clientClose(code));
  await client.ended;
  return received.reason;
}

export type WireEvent =
  | { type: "text"; data: string }
  | { type: "binary"; data: Uint8Array }
  | { type: "ping"; data: Uint8Array }
  | { type: "pong"; data: Uint8Array }
  | { type: "close"; code: number; reason: string }
  | { type: "error"; code: number; message: string };

export interface HttpResponse {
  status: number;
  headers: Headers;
  body: string;
}

const latin1 = new TextDecoder("latin1");

/**
 * One end of a raw TCP connection for testing the other end byte by byte: it writes
 * exactly what it is told, reads HTTP heads, and after an upgrade parses the other side's
 * frames in order. `connect` makes a client that tests servers; {@link RawServer} hands
 * out server ends that test clients.
 */
export class RawPeer {
  readonly #socket: Socket;
  readonly #role: "client" | "server";
  #buffer: Uint8Array = new Uint8Array(0);
  #parser: FrameParser | undefined;
  readonly #events: WireEvent[] = [];
  readonly #frameBytes: Uint8Array[] = [];
  #wake: (() => void) | undefined;
  #ended = false;
  readonly #endedPromise: Promise<void>;

  constructor(socket: Socket, role: "client" | "server" = "client") {
    this.#socket = socket;
    this.#role = role;
    const end = deferred();
    this.#endedPromise = end.promise;
    socket.on("data", (chunk: Uint8Array) => {
      const bytes = new Uint8Array(chunk);
      if (this.#parser) {
        this.#frameBytes.push(bytes);
        this.#parser.push(bytes);
      } else this.#buffer = join(this.#buffer, bytes);
      this.#poke();
    });
    const finish = () => {
      this.#ended = true;
      end.resolve();
      this.#poke();
    };
    socket.on("close", finish);
    socket.on("error", finish);
  }

  static connect(port: number): Promise<RawPeer> {
    return within(
      new Promise((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port }, () => resolve(new RawPeer(socket)));
        socket.setNoDelay(true);
        socket.once("error", reject);
      }),
      "a TCP connection",
    );
  }

  /** Opens a WebSocket connection by hand; resolves with the client and the 101 response. */
  static async upgrade(
    port: number,
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ client: RawPeer; response: HttpResponse }> {
    const client = await RawPeer.connect(port);
    client.write(upgradeRequest(path, headers));
    const response = await client.readResponseHead();
    if (response.status === 101) client.startFrames();
    return { client, response };
  }

  /** Resolves when the connection is closed; fails the test if that takes too long. */
  get ended(): Promise<void> {
    return within(this.#endedPromise, "the connection to end");
  }

  get isEnded(): boolean {
    return this.#ended;
  }

  write(data: string | Uint8Array): void {
    this.#socket.write(typeof data === "string" ? new TextEncoder().encode(data) : data);
  }

  /** Writes `data`; resolves once all of it was handed to the operating system. */
  writeFlushed(data: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#socket.write(data, (error) => error ? reject(error) : resolve())
    );
  }

  /** Half-closes nothing and drops the connection at once. */
  destroy(): void {
    this.#socket.destroy();
  }

  /** Stops reading so that the server's writes back up. */
  pauseReading(): void {
    this.#socket.pause();
  }

  /** Reads one HTTP request head, as a server end. */
  async readRequestHead(): Promise<{ target: string; headers: Headers }> {
    const end = await this.#waitFor(() => findHeadEnd(this.#buffer), "an HTTP request");
    const { firstLine, headers } = parseHead(this.#buffer.subarray(0, end));
    this.#buffer = this.#buffer.subarray(end);
    return { target: firstLine.split(" ")[1], headers };
  }

  /**
   * Reads the upgrade request and answers 101 with the right accept key, then parses the
   * client's frames. `headers` are added to the response (an empty value leaves one out).
   */
  async acceptUpgrade(headers: Record<string, string> = {}): Promise<Headers> {
    const request = await this.readRequestHead();
    const fields: Record<string, string> = {
      Upgrade: "websocket",
      Connection: "Upgrade",
      "Sec-WebSocket-Accept": await computeAcceptKey(
        request.headers.get("sec-websocket-key") ?? "",
      ),
      ...headers,
    };
    let response = "HTTP/1.1 101 Switching Protocols\r\n";
    for (const [name, value] of Object.entries(fields)) {
      if (value !== "") response += `${name}: ${value}\r\n`;
    }
    this.write(response + "\r\n");
    this.startFrames();
    return request.headers;
  }

  /** Reads one HTTP response head (and a body when Content-Length says there is one). */
  async readResponseHead(): Promise<HttpResponse> {
    const end = await this.#waitFor(() => findHeadEnd(this.#buffer), "an HTTP response");
    const { firstLine: statusLine, headers } = parseHead(this.#buffer.subarray(0, end));
    const status = Number(statusLine.split(" ")[1]);
    const length = Number(headers.get("content-length") ?? 0);
    if (status !== 101 && length > 0) {
      await this.#waitFor(
        () => this.#buffer.length >= end + length ? true : undefined,
        "a response body",
      );
    }
    const body = status === 101
      ? ""
      : new TextDecoder().decode(this.#buffer.subarray(end, end + length));
    this.#buffer = this.#buffer.subarray(status === 101 ? end : end + length);
    return { status, headers, body };
  }

  /** From now on, what arrives is parsed as frames from the other end. */
  startFrames(): void {
    this.#parser = new FrameParser({ role: this.#role }, {
      text: (data) => this.#events.push({ type: "text", data }),
      binary: (data) => this.#events.push({ type: "binary", data: data.slice() }),
      compressed: (isText, data) =>
        this.#events.push(
          isText
            ? { type: "text", data: `compressed:${data.length}` }
            : { type: "binary", data: data.slice() },
        ),
      ping: (data) => this.#events.push({ type: "ping", data: data.slice() }),
      pong: (data) => this.#events.push({ type: "pong", data: data.slice() }),
      close: (code, reason) => this.#events.push({ type: "close", code, reason }),
      error: (error) =>
        this.#events.push({ type: "error", code: error.closeCode, message: error.message }),
    });
    const early = this.#buffer;
    this.#buffer = new Uint8Array(0);
    if (early.length > 0) {
      this.#frameBytes.push(early.slice());
      this.#parser.push(early.slice());
    }
  }

  /** Every byte received since the upgrade, for tests that look at frame boundaries. */
  get frameBytes(): Uint8Array {
    return this.#frameBytes.reduce(join, new Uint8Array(0));
  }

  /** The next frame event from the other end. */
  next(): Promise<WireEvent> {
    return this.#waitFor(() => this.#events.shift(), "a frame from the other end");
  }

  /** The next event of `type`, skipping others (such as pings or pongs). */
  async nextOf<T extends WireEvent["type"]>(type: T): Promise<Extract<WireEvent, { type: T }>> {
    for (;;) {
      const event = await this.next();
      if (event.type === type) return event as Extract<WireEvent, { type: T }>;
    }
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #waitFor<T>(ready: () => T | undefined, what: string): Promise<T> {
    for (;;) {
      const value = ready();
      if (value !== undefined) return value;
      if (this.#ended) throw new Error(`connection ended while waiting for ${what}`);
      await within(new Promise<void>((resolve) => this.#wake = resolve), what);
    }
  }
}

/** A valid upgrade request for `path`, with `headers` added or overriding the defaults. */
export function upgradeRequest(path: string, headers: Record<string, string> = {}): string {
  const fields: Record<string, string> = {
    Host: "127.0.0.1",
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
    ...headers,
  };
  let request = `GET ${path} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(fields)) {
    if (value !== "") request += `${name}: ${value}\r\n`;
  }
  return request + "\r\n";
}

/** Sends a whole raw HTTP request and reads the response. */
export async function httpExchange(port: number, request: string): Promise<HttpResponse> {
  const client = await RawPeer.connect(port);
  client.write(request);
  const response = await client.readResponseHead();
  client.destroy();
  return response;
}

function parseHead(bytes: Uint8Array): { firstLine: string; headers: Headers } {
  const [firstLine, ...lines] = latin1.decode(bytes).split("\r\n").filter((line) => line !== "");
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return { firstLine, headers };
}

/** A TCP server on 127.0.0.1 whose connections are {@link RawPeer} server ends. */
export class RawServer {
  readonly #server: Server;
  readonly #peers: RawPeer[] = [];
  readonly #all = new Set<RawPeer>();
  #wake: (() => void) | undefined;
  /** Connections accepted so far. */
  accepted = 0;

  private constructor(server: Server) {
    this.#server = server;
    server.on("connection", (socket: Socket) => {
      socket.setNoDelay(true);
      const peer = new RawPeer(socket, "server");
      this.accepted++;
      this.#all.add(peer);
      this.#peers.push(peer);
      const wake = this.#wake;
      this.#wake = undefined;
      wake?.();
    });
  }

  static start(port = 0): Promise<RawServer> {
    const server = createServer();
    return within(
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => resolve(new RawServer(server)));
      }),
      "a TCP server to listen",
    );
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** The next connection a client opened. */
  async next(): Promise<RawPeer> {
    for (;;) {
      const peer = this.#peers.shift();
      if (peer !== undefined) return peer;
      await within(new Promise<void>((resolve) => this.#wake = resolve), "a client connection");
    }
  }

  /** Stops listening and drops every connection. */
  close(): Promise<void> {
    for (const peer of this.#all) peer.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

function findHeadEnd(bytes: Uint8Array): number | undefined {
  for (let i = 3; i < bytes.length; i++) {
    if (bytes[i] === 10 && bytes[i - 1] === 13 && bytes[i - 2] === 10 && bytes[i - 3] === 13) {
      return i + 1;
    }
  }
  return undefined;
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

/** Opens a connection with the runtime's own WebSocket client. */
export function openWebSocket(url: string, protocols?: string[]): Promise<WebSocket> {
  const socket = new WebSocket(url, protocols);
  socket.binaryType = "arraybuffer";
  return within(
    new Promise((resolve, reject) => {
      socket.onopen = () => resolve(socket);
      socket.onerror = () => reject(new Error(`could not open ${url}`));
    }),
    `a WebSocket to ${url}`,
  );
}

/** The next message a web WebSocket receives. */
export function nextMessage(socket: WebSocket): Promise<string | ArrayBuffer> {
  return within(
    new Promise((resolve) => {
      socket.addEventListener("message", (event) => resolve(event.data), { once: true });
    }),
    "a message",
  );
}

/** The close event of a web WebSocket. */
export function closed(socket: WebSocket): Promise<CloseEvent> {
  if (socket.readyState === WebSocket.CLOSED) {
    return Promise.reject(new Error("already closed; listen before it closes"));
  }
  return within(
    new Promise((resolve) => {
      socket.addEventListener("close", (event) => resolve(event), { once: true });
    }),
    "the close event",
  );
}

/** Collects what service callbacks report, and resolves once enough has arrived. */
export class Collector<T> {
  readonly items: T[] = [];
  #waiters: { count: number; resolve(items: T[]): void }[] = [];

  readonly push = (item: T): void => {
    this.items.push(item);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (this.items.length < waiter.count) return true;
      waiter.resolve(this.items);
      return false;
    });
  };

  /** Resolves with everything collected once there are at least `count` items. */
  reach(count: number, what: string): Promise<T[]> {
    if (this.items.length >= count) return Promise.resolve(this.items);
    return within(new Promise((resolve) => this.#waiters.push({ count, resolve })), what);
  }
}

/** Starts a raw server and a client connecting to it; the test answers the upgrade. */
export async function rawPair(
  config: ClientConfiguration = {},
  path = "/",
): Promise<{ server: RawServer; connecting: Promise<Client>; peer: RawPeer }> {
  const server = await RawServer.start();
  // Compression is off unless a test asks for it, so that the frames are plain to read.
  const defaults = config.transport === "whatwg" ? {} : { webSocketCompressionEnabled: false };
  const connecting = Client.connect(`${server.url}${path}`, { ...defaults, ...config });
  connecting.catch(() => {});
  return { server, connecting, peer: await server.next() };
}

/** A client connected to a raw server that accepted its upgrade. */
export async function openPair(
  config: ClientConfiguration = {},
): Promise<{ server: RawServer; client: Client; peer: RawPeer }> {
  const { server, connecting, peer } = await rawPair(config);
  await peer.acceptUpgrade();
  return { server, client: await within(connecting, "the client to connect"), peer };
}

/**
 * The directory of the certificate files `npm test` makes for each run
 * (scripts/test-certs.mjs): ca, server (localhost, 127.0.0.1), other-host, expired, client
 * and self-signed, each as NAME.pem and NAME.key. Both runtimes trust the test CA.
 */
export function testCertificates(): string {
  const dir = process.env.TETHER_TEST_CERTS;
  if (!dir) {
    throw new Error(
      "TETHER_TEST_CERTS is not set: run the tests with `npm test`, which makes them",
    );
  }
  return dir;
}

/** A listener whose upgrade function records who authenticated. */
export async function guarded(engine: EngineName, config: ServiceConfig) {
  const seen: (AuthInfo | undefined)[] = [];
  const listener = await serve(engine, "/secure", (_request: Request, context) => {
    seen.push(context.auth);
    return { onTextMessage: (_caller: Caller, text: string) => text };
  }, config);
  const upgrade = (headers: Record<string, string> = {}) =>
    httpExchange(listener.port, upgradeRequest("/secure", headers));
  return { listener, seen, upgrade };
}
