import { createHash, randomBytes } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import { StreamCodec } from "./deflate.ts";
import { concat, FrameReader, type PeerEvent } from "./wire.ts";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const decoder = new TextDecoder();

function acceptKey(key: string): string {
  return createHash("sha1").update(key + GUID).digest("base64");
}

/** Everything the suite needs of one raw WebSocket connection, from either end. */
export class WireSession {
  readonly socket: Socket;
  readonly reader: FrameReader;
  /** Whether (and when) the TCP connection ended. */
  closedAt: number | undefined;
  #wake: (() => void) | undefined;
  readonly #ended: Promise<void>;
  #codec: StreamCodec | undefined;

  constructor(socket: Socket, peerMasks: boolean, leftover: Uint8Array, deflate: boolean) {
    this.socket = socket;
    this.reader = new FrameReader(peerMasks);
    if (deflate) {
      const inflater = StreamCodec.inflater();
      this.#codec = inflater;
      this.reader.compressed = true;
      this.reader.inflate = (data) =>
        inflater.process(concat(data, Uint8Array.of(0, 0, 0xff, 0xff)));
    }
    this.reader.onEvent = () => this.#poke();
    socket.on("data", (chunk: Uint8Array) => this.reader.push(new Uint8Array(chunk)));
    this.#ended = new Promise((resolve) => {
      socket.on("close", () => {
        this.closedAt = performance.now();
        this.#poke();
        resolve();
      });
    });
    socket.on("error", () => {});
    if (leftover.length > 0) this.reader.push(leftover);
  }

  get events(): PeerEvent[] {
    return this.reader.events;
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Writes `bytes` in one go, or in writes of `chunk` bytes with `pauseMs` between them. */
  async send(bytes: Uint8Array, chunk = 0, pauseMs = 0): Promise<void> {
    if (this.closedAt !== undefined) return;
    if (chunk <= 0 || chunk >= bytes.length) {
      await this.#write(bytes);
      return;
    }
    for (let offset = 0; offset < bytes.length && this.closedAt === undefined; offset += chunk) {
      await this.#write(bytes.subarray(offset, offset + chunk));
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  #write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) return resolve();
      this.socket.write(bytes, () => resolve());
    });
  }

  /**
   * Waits until `done()` holds or the connection ends (then checks once more), for at most
   * `ms`; returns whether it held.
   */
  async until(done: () => boolean, ms: number): Promise<boolean> {
    const deadline = performance.now() + ms;
    for (;;) {
      if (done()) return true;
      const left = deadline - performance.now();
      if (this.closedAt !== undefined || left <= 0) return done();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Waits for the TCP connection to end, for at most `ms`; returns whether it did. */
  async ended(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), ms));
    const result = await Promise.race([this.#ended.then(() => true), timeout]);
    clearTimeout(timer);
    return result;
  }

  destroy(): void {
    this.socket.destroy();
    this.#codec?.close();
  }
}

/** Reads an HTTP head from `socket`; resolves with it and whatever followed it. */
function readHead(socket: Socket, limitMs: number): Promise<{ head: string; rest: Uint8Array }> {
  return new Promise((resolve, reject) => {
    let buffer: Uint8Array = new Uint8Array(0);
    const timer = setTimeout(() => finish(new Error("no HTTP head in time")), limitMs);
    const finish = (error?: Error, result?: { head: string; rest: Uint8Array }) => {
      clearTimeout(timer);
      socket.off("data", onData);
      socket.off("close", onClose);
      if (error) reject(error);
      else resolve(result!);
    };
    const onData = (chunk: Uint8Array) => {
      buffer = concat(buffer, new Uint8Array(chunk));
      for (let i = 3; i < buffer.length; i++) {
        if (
          buffer[i] === 10 && buffer[i - 1] === 13 && buffer[i - 2] === 10 && buffer[i - 3] === 13
        ) {
          finish(undefined, {
            head: decoder.decode(buffer.subarray(0, i + 1)),
            rest: buffer.slice(i + 1),
          });
          return;
        }
      }
    };
    const onClose = () => finish(new Error("the connection closed during the handshake"));
    socket.on("data", onData);
    socket.on("close", onClose);
  });
}

/** Opens a WebSocket connection to a server by hand, as the suite's client. */
export async function openClient(
  port: number,
  path: string,
  extensions = "",
): Promise<{ session: WireSession; response: string }> {
  const socket = connect(port, "127.0.0.1");
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("error", reject);
  });
  const key = randomBytes(16).toString("base64");
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
      (extensions ? `Sec-WebSocket-Extensions: ${extensions}\r\n` : "") + "\r\n",
  );
  const { head, rest } = await readHead(socket, 2000);
  if (!head.startsWith("HTTP/1.1 101")) {
    socket.destroy();
    throw new Error(`the server refused the upgrade: ${head.split("\r\n")[0]}`);
  }
  if (!head.includes(`${acceptKey(key)}`)) throw new Error("wrong Sec-WebSocket-Accept");
  const deflate = /sec-websocket-extensions:[^\r]*permessage-deflate/i.test(head);
  return { session: new WireSession(socket, false, rest, deflate), response: head };
}

/** A raw server that answers each upgrade with 101 and hands the session over. */
export class SuiteServer {
  readonly #server: Server;
  readonly #waiting: ((session: WireSession) => void)[] = [];
  readonly #ready: WireSession[] = [];
  readonly #sockets = new Set<Socket>();

  /**
   * The Sec-WebSocket-Extensions to answer a client that offers permessage-deflate with;
   * undefined declines it.
   */
  respondWith: string | undefined;

  private constructor(server: Server, respondWith: string | undefined) {
    this.#server = server;
    this.respondWith = respondWith;
    server.on("connection", (socket: Socket) => {
      socket.setNoDelay(true);
      this.#sockets.add(socket);
      socket.on("close", () => this.#sockets.delete(socket));
      socket.on("error", () => {});
      readHead(socket, 2000).then(({ head, rest }) => {
        const key = /sec-websocket-key:\s*(\S+)/i.exec(head)?.[1] ?? "";
        const agreed = this.respondWith !== undefined &&
          /sec-websocket-extensions:[^\r]*permessage-deflate/i.test(head);
        socket.write(
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n` +
            (agreed ? `Sec-WebSocket-Extensions: ${this.respondWith}\r\n` : "") + "\r\n",
        );
        const session = new WireSession(socket, true, rest, agreed);
        const waiter = this.#waiting.shift();
        if (waiter) waiter(session);
        else this.#ready.push(session);
      }, () => socket.destroy());
    });
  }

  /** `respondWith`: see the property of that name. */
  static start(respondWith?: string): Promise<SuiteServer> {
    const server = createServer();
    return new Promise((resolve) => {
      server.listen(0, "127.0.0.1", () => resolve(new SuiteServer(server, respondWith)));
    });
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  /** The next session a client opened. */
  next(): Promise<WireSession> {
    const ready = this.#ready.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}
