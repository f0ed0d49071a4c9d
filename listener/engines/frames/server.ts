import { acceptDeflateOffer } from "../../../frame/deflate-negotiation.ts";
import { PerMessageDeflate } from "../../../frame/deflate.ts";
import { computeAcceptKey } from "../../../frame/handshake.ts";
import { type RequestHead, RequestHeadReader } from "../../http/request-head.ts";
import { encodeClosingResponse, encodeResponseHead } from "../../http/response-head.ts";
import type { Acceptance, Engine, FetchHandler, ServeOptions } from "../engine.ts";
import type { ByteReceiver, ByteSocket } from "../../../connection/byte-socket.ts";
import { FramesConnection } from "../../../connection/frames-connection.ts";
import { HandshakingSockets } from "./handshaking-sockets.ts";
import type { AcceptKey, SocketListen, SocketServer } from "./listen.ts";

/** Where a request that ran out of time sends what else it reads: nowhere. */
const DROPPED: ByteReceiver = { data: () => true, closed: () => {} };

/** What the frames engine passes as `env` with each request it reads. */
class FramesExchange {
  acceptance: Acceptance | undefined;
}

const PLACEHOLDER_STATUS = 200;

/**
 * The wire layer on raw sockets: reads each request head itself (with the size limits and
 * the upgrade timeout), runs it through the listener's fetch handler, then either writes
 * the 101 response and takes the socket over, or writes the plain response and closes.
 */
export class FramesEngine implements Engine {
  readonly controlFrames = true;
  readonly compression = true;
  readonly #listen: SocketListen;
  readonly #acceptKey: AcceptKey;
  #server: SocketServer | undefined;
  /** Sockets still in their HTTP phase, dropped when the listener stops; made by `serve`. */
  #handshaking: HandshakingSockets<ByteSocket> | undefined;

  /** `acceptKey`: how the runtime hashes a client's key; the web's digest by default. */
  constructor(listen: SocketListen, acceptKey: AcceptKey = computeAcceptKey) {
    this.#listen = listen;
    this.#acceptKey = acceptKey;
  }

  async serve(fetch: FetchHandler, options: ServeOptions): Promise<number> {
    this.#handshaking = new HandshakingSockets(
      options.timeout * 1000,
      (socket) => this.#timedOut(socket, options),
    );
    this.#server = await this.#listen(
      { host: options.host, port: options.port },
      (socket) => this.#accept(socket, fetch, options),
    );
    return this.#server.port;
  }

  upgrade(_request: Request, acceptance: Acceptance, env: unknown): Response {
    if (!(env instanceof FramesExchange)) {
      throw new Error("the frames engine upgrades only requests it read itself");
    }
    env.acceptance = acceptance;
    return new Response(null, { status: PLACEHOLDER_STATUS });
  }

  stopAccepting(): Promise<void> {
    this.#server?.close();
    this.#server = undefined;
    for (const socket of this.#handshaking?.clear() ?? []) socket.destroy();
    return Promise.resolve();
  }

  close(): Promise<void> {
    return this.stopAccepting();
  }

  #accept(socket: ByteSocket, fetch: FetchHandler, options: ServeOptions): void {
    const handshaking = this.#handshaking!;
    handshaking.add(socket);
    const reader = new RequestHeadReader(options);
    const extra: Uint8Array[] = [];
    let done = false;
    socket.receive({
      data: (chunk) => {
        if (done) {
          extra.push(chunk);
          return;
        }
        const result = reader.push(chunk);
        if (result === undefined) return;
        done = true;
        handshaking.requestRead(socket);
        socket.pause();
        const handled = "status" in result
          ? this.#respond(socket, new Response(result.message, { status: result.status }), options)
          : this.#exchange(socket, result, extra, fetch, options);
        handled.catch((error) => {
          console.error("[tether] frames engine could not answer a request:", error);
          socket.destroy();
        });
      },
      closed: () => handshaking.delete(socket),
    });
  }

  /** The request did not arrive in time: 408, and whatever else it sends is dropped. */
  #timedOut(socket: ByteSocket, options: ServeOptions): void {
    socket.receive(DROPPED);
    this.#respond(socket, new Response("request timed out", { status: 408 }), options)
      .catch(() => socket.destroy());
  }

  async #exchange(
    socket: ByteSocket,
    head: RequestHead,
    extra: Uint8Array[],
    fetch: FetchHandler,
    options: ServeOptions,
  ): Promise<void> {
    const request = toRequest(head, socket.secure);
    if (typeof request === "string") {
      return this.#respond(socket, new Response(request, { status: 400 }), options);
    }
    const exchange = new FramesExchange();
    let response: Response;
    try {
      response = await fetch(request, exchange);
    } catch (error) {
      console.error("request handler threw:", error);
      response = new Response("Internal Server Error", { status: 500 });
    }
    const acceptance = exchange.acceptance;
    if (acceptance === undefined) return this.#respond(socket, response, options);
    if (!this.#handshaking?.delete(socket)) return;
    // What came after the head is the connection's first frames: the socket keeps it for it.
    socket.receive(undefined);
    socket.unread(concat(head.rest, extra));
    await this.#open(socket, acceptance);
  }

  async #open(socket: ByteSocket, acceptance: Acceptance): Promise<void> {
    // The listener made these headers for this response alone.
    const headers = acceptance.headers;
    headers.set("upgrade", "websocket");
    headers.set("connection", "Upgrade");
    const accept = this.#acceptKey(acceptance.key);
    headers.set("sec-websocket-accept", typeof accept === "string" ? accept : await accept);
    if (acceptance.protocol) headers.set("sec-websocket-protocol", acceptance.protocol);
    let codec: PerMessageDeflate | undefined;
    const agreement = acceptance.compression
      ? acceptDeflateOffer(acceptance.extensions)
      : undefined;
    if (agreement !== undefined) {
      headers.set("sec-websocket-extensions", agreement.response);
      codec = new PerMessageDeflate(agreement.params, {
        role: "server",
        maxMessageSize: acceptance.options.maxMessageSize,
      });
    }
    socket.write(encodeResponseHead(101, headers));
    const connection = new FramesConnection(socket, acceptance.options, {
      role: "server",
      protocol: acceptance.protocol,
      codec,
    });
    acceptance.open(connection);
    socket.resume();
  }

  async #respond(socket: ByteSocket, response: Response, options: ServeOptions): Promise<void> {
    this.#handshaking?.delete(socket);
    const headers = new Headers(options.responseHeaders);
    for (const [name, value] of response.headers) headers.set(name, value);
    const wire = await encodeClosingResponse(
      new Response(response.body, { status: response.status, headers }),
    );
    socket.write(wire);
    socket.end();
  }
}

/** A web Request for a parsed head, or why one cannot be made. */
function toRequest(head: RequestHead, secure: boolean): Request | string {
  const fields = head.fields;
  let host: string | undefined;
  for (const [name, value] of fields) {
    if (name.length === 4 && name.toLowerCase() === "host") {
      if (host !== undefined) return "more than one Host header";
      host = value;
    }
  }
  if (host === undefined && head.version === "HTTP/1.1") return "the Host header is missing";
  const target = head.target;
  let url: string;
  if (target.startsWith("/")) {
    url = `${secure ? "https" : "http"}://${host ?? "localhost"}${target}`;
  } else if (/^https?:\/\//i.test(target)) {
    url = target;
  } else {
    return "the request target must be a path or an absolute URL";
  }
  try {
    return new Request(url, { method: head.method, headers: fields });
  } catch {
    return "the request line or a header could not be read";
  }
}

function concat(first: Uint8Array, rest: Uint8Array[]): Uint8Array {
  if (rest.length === 0) return first;
  const total = rest.reduce((sum, part) => sum + part.length, first.length);
  const joined = new Uint8Array(total);
  joined.set(first);
  let offset = first.length;
  for (const part of rest) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
