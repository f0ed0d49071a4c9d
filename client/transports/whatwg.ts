import { type Connection, type ConnectionEvents, SENT } from "../../connection/connection.ts";
import {
  ConnectionClosureError,
  ConnectionError,
  HandshakeTimedOut,
  InvalidHandshakeError,
} from "../../dispatch/errors.ts";
import type { Handshake, Transport } from "../transport.ts";
import { withDeadline } from "../transport.ts";

/** Bytes the global WebSocket may hold before a write waits for it to send them. */
const WRITE_HIGH_WATER = 1024 * 1024;
/** How often a waiting write looks at `bufferedAmount`, which has no event of its own. */
const BUFFER_POLL_MS = 5;

/** Why the global WebSocket cannot send this close code, if it cannot. */
export function whatwgCloseProblem(code: number): Error | undefined {
  if (code === 1000 || (code >= 3000 && code <= 4999)) return undefined;
  return new TypeError(
    `close code ${code} cannot be sent by the whatwg transport: the global WebSocket sends ` +
      "only 1000 and 3000-4999",
  );
}

function refusedControl(what: string): Promise<never> {
  return Promise.reject(
    new TypeError(
      `${what} cannot be sent by the whatwg transport: the global WebSocket has no API for it`,
    ),
  );
}

/**
 * The global `WebSocket` as a {@link Connection}. Events that fire before `listen` are
 * kept for it. The runtime answers pings and enforces the protocol itself; writes resolve
 * once its send buffer is below 1 MiB.
 */
class WhatwgConnection implements Connection {
  readonly secure: boolean;
  readonly canControlPings = false;
  readonly #socket: WebSocket;
  #events: ConnectionEvents | undefined;
  #early: ((events: ConnectionEvents) => void)[] = [];

  constructor(socket: WebSocket, secure: boolean) {
    this.#socket = socket;
    this.secure = secure;
    socket.addEventListener("message", (event) => {
      const data = event.data;
      this.#emit((events) =>
        typeof data === "string" ? events.text(data) : events.binary(new Uint8Array(data))
      );
    });
    socket.addEventListener("close", (event) => {
      this.#emit((events) => {
        if (event.code !== 1006) events.closing(event.code, event.reason);
        events.ended();
      });
    });
  }

  get protocol(): string {
    return this.#socket.protocol;
  }

  listen(events: ConnectionEvents): void {
    this.#events = events;
    const early = this.#early;
    this.#early = [];
    for (const deliver of early) deliver(events);
  }

  sendText(text: string): Promise<void> {
    return this.#send(text);
  }

  sendBinary(data: Uint8Array): Promise<void> {
    return this.#send(data);
  }

  sendPing(): Promise<void> {
    return refusedControl("a ping");
  }

  sendPong(): Promise<void> {
    return refusedControl("a pong");
  }

  sendClose(code: number | undefined, reason: string): Promise<void> {
    const problem = code === undefined ? undefined : whatwgCloseProblem(code);
    if (problem !== undefined) return Promise.reject(problem);
    this.#socket.close(code, reason);
    return SENT;
  }

  fail(): void {
    this.#socket.close();
  }

  // The global WebSocket cannot drop a connection without its closing handshake.
  terminate(): void {
    this.#socket.close();
  }

  // Nor can it stop reading.
  pause(): void {}

  resume(): void {}

  #emit(deliver: (events: ConnectionEvents) => void): void {
    if (this.#events === undefined) this.#early.push(deliver);
    else deliver(this.#events);
  }

  #send(data: string | Uint8Array): Promise<void> {
    const socket = this.#socket;
    if (socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(new ConnectionError("Connection already closed"));
    }
    socket.send(data);
    if (socket.bufferedAmount <= WRITE_HIGH_WATER) return SENT;
    return new Promise((resolve, reject) => {
      const timer = setInterval(() => {
        if (socket.readyState !== WebSocket.OPEN) {
          clearInterval(timer);
          reject(new ConnectionError("the connection closed before the message was sent"));
        } else if (socket.bufferedAmount <= WRITE_HIGH_WATER) {
          clearInterval(timer);
          resolve();
        }
      }, BUFFER_POLL_MS);
    });
  }
}

/** Opens the global `WebSocket` and waits for its handshake. */
export const whatwgTransport: Transport = (request) => {
  const { url, settings } = request;
  let socket: WebSocket;
  try {
    socket = new WebSocket(url.href, settings.subProtocols);
  } catch (error) {
    return Promise.reject(
      new ConnectionError(`the global WebSocket refused ${url.href}: ${error}`, { cause: error }),
    );
  }
  socket.binaryType = "arraybuffer";
  const connection = new WhatwgConnection(socket, url.secure);
  const opened = new Promise<Handshake>((resolve, reject) => {
    socket.addEventListener("open", () => {
      if (settings.subProtocols.length > 0 && socket.protocol === "") {
        socket.close();
        reject(
          new InvalidHandshakeError(
            `the server chose none of the sub-protocols ${settings.subProtocols.join(", ")}`,
            { status: 101 },
          ),
        );
        return;
      }
      const headers = new Headers();
      if (socket.protocol) headers.set("sec-websocket-protocol", socket.protocol);
      if (socket.extensions) headers.set("sec-websocket-extensions", socket.extensions);
      resolve({
        connection,
        response: { status: 101, statusText: "Switching Protocols", headers },
      });
    });
    socket.addEventListener("close", () =>
      reject(
        new ConnectionError(
          `the WebSocket handshake with ${url.host} failed (the global WebSocket does not say why)`,
        ),
      ));
  });
  return withDeadline(settings.handshakeTimeoutMs, request.signal, opened, (why) => {
    socket.close();
    return why === "abort"
      ? new ConnectionClosureError("Connection already closed")
      : new HandshakeTimedOut(
        `no upgrade response from ${url.host} within ${settings.handshakeTimeoutMs / 1000} s`,
      );
  });
};
