import { FrameError } from "../../frame/errors.ts";
import {
  type Connection,
  type ConnectionEvents,
  type ConnectionOptions,
  SENT,
} from "../../connection/connection.ts";
import type { Acceptance, Engine, FetchHandler, ServeOptions } from "./engine.ts";

const encoder = new TextEncoder();
/** Above this many buffered bytes a send waits until the runtime has written some out. */
const HIGH_WATER_MARK = 1024 * 1024;
const DRAIN_POLL_MS = 5;

/** One connection on `Deno.upgradeWebSocket`. */
class DenoConnection implements Connection {
  readonly secure: boolean;
  readonly protocol: string;
  readonly canControlPings = false;
  readonly #socket: WebSocket;
  readonly #options: ConnectionOptions;
  #ended = false;

  constructor(socket: WebSocket, acceptance: Acceptance, secure: boolean) {
    this.#socket = socket;
    this.#options = acceptance.options;
    this.protocol = acceptance.protocol;
    this.secure = secure;
  }

  listen(events: ConnectionEvents): void {
    const socket = this.#socket;
    const limit = this.#options.maxFrameSize;
    // Deno delivers whole messages; the limit can only be checked after they arrive.
    const tooBig = () =>
      events.failed(new FrameError(1009, `message larger than the limit of ${limit} bytes`));
    socket.onmessage = (event) => {
      const data = event.data;
      if (typeof data === "string") {
        if (data.length > limit / 3 && encoder.encode(data).length > limit) return tooBig();
        events.text(data);
      } else {
        const bytes = new Uint8Array(data as ArrayBuffer);
        if (bytes.length > limit) return tooBig();
        events.binary(bytes);
      }
    };
    socket.onclose = (event) => {
      this.#ended = true;
      if (event.code !== 1006) events.closing(event.code, event.reason);
      events.ended();
    };
  }

  sendText(text: string): Promise<void> {
    return this.#sent(text);
  }

  sendBinary(data: Uint8Array): Promise<void> {
    return this.#sent(data);
  }

  sendPing(): Promise<void> {
    return Promise.reject(this.#options.connectionError(
      "the deno engine cannot send pings: Deno answers and sends control frames itself; " +
        "use the frames engine for ping control",
    ));
  }

  sendPong(): Promise<void> {
    return Promise.reject(this.#options.connectionError(
      "the deno engine cannot send pongs: Deno answers pings itself; " +
        "use the frames engine for ping control",
    ));
  }

  sendClose(code: number | undefined, reason: string): Promise<void> {
    if (!this.#ended) {
      try {
        this.#socket.close(code, reason);
      } catch {
        // Closing already; the runtime finishes the handshake.
      }
    }
    return SENT;
  }

  fail(code: number, reason: string): void {
    this.sendClose(code, reason);
  }

  terminate(): void {
    // The web API has no abort; a close with no wait for the reply is the nearest thing.
    this.sendClose(1000, "");
  }

  pause(): void {}

  resume(): void {}

  #sent(data: string | Uint8Array): Promise<void> {
    const socket = this.#socket;
    if (this.#ended || socket.readyState !== WebSocket.OPEN) {
      return Promise.reject(this.#options.connectionError("Connection already closed"));
    }
    const limit = this.#options.writeBufferLimit;
    if (socket.bufferedAmount > limit) {
      this.sendClose(1008, "write buffer limit exceeded");
      return Promise.reject(this.#options.connectionError(
        `write buffer limit of ${limit} bytes exceeded: the peer is not reading; ` +
          "the connection is being closed",
      ));
    }
    socket.send(data);
    if (socket.bufferedAmount <= HIGH_WATER_MARK) return SENT;
    return new Promise((resolve) => {
      const check = () => {
        if (this.#ended || socket.bufferedAmount <= HIGH_WATER_MARK) resolve();
        else setTimeout(check, DRAIN_POLL_MS);
      };
      setTimeout(check, DRAIN_POLL_MS);
    });
  }
}

/**
 * `Deno.serve` with `Deno.upgradeWebSocket`: what Deno Deploy offers. Deno parses, frames
 * and answers pings itself, so services here cannot see or send control frames and
 * compression is not negotiated.
 */
export class DenoEngine implements Engine {
  readonly controlFrames = false;
  readonly compression = false;
  #abort: AbortController | undefined;
  #finished: Promise<void> | undefined;

  upgrade(request: Request, acceptance: Acceptance): Response {
    const { socket, response } = Deno.upgradeWebSocket(request, {
      protocol: acceptance.protocol || undefined,
      idleTimeout: 0,
    });
    for (const [name, value] of acceptance.headers) response.headers.set(name, value);
    socket.binaryType = "arraybuffer";
    const connection = new DenoConnection(
      socket,
      acceptance,
      new URL(request.url).protocol === "https:",
    );
    socket.addEventListener("open", () => acceptance.open(connection), { once: true });
    return response;
  }

  serve(fetch: FetchHandler, options: ServeOptions): Promise<number> {
    const abort = new AbortController();
    const server = Deno.serve({
      hostname: options.host,
      port: options.port,
      signal: abort.signal,
      onListen() {},
      ...(options.tls && { cert: options.tls.cert, key: options.tls.key }),
    }, (request, info) => fetch(request, info));
    this.#abort = abort;
    this.#finished = server.finished;
    return Promise.resolve(server.addr.port);
  }

  stopAccepting(): Promise<void> {
    this.#abort?.abort();
    return Promise.resolve();
  }

  async close(): Promise<void> {
    this.#abort?.abort();
    await this.#finished;
  }
}
