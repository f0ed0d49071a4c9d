import { test } from "node:test";
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { type PerMessageDeflateOptions, type WebSocket as WsSocket, WebSocketServer } from "ws";
import { Client, ConnectionClosureError } from "../mod.ts";
import { Collector, deferred, within } from "./net-support.ts";

/**
 * An echo server written with another implementation. Besides echoing, "ping-me" makes it
 * ping with "hb" and "close-me" makes it close with 4002 "bye".
 */
interface EchoPeer {
  url: string;
  /** Pongs the server received, as text. */
  pongs: Collector<string>;
  /** Whether the server can send pings and see pongs. */
  controls: boolean;
  stop(): Promise<void>;
}

const textOf = (data: ArrayBuffer | Uint8Array) => new TextDecoder().decode(data);

async function startWs(perMessageDeflate: boolean | PerMessageDeflateOptions): Promise<EchoPeer> {
  const pongs = new Collector<string>();
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate });
  await within(new Promise((resolve) => server.once("listening", resolve)), "ws to listen");
  server.on("connection", (socket: WsSocket) => {
    socket.on("pong", (data: Uint8Array) => pongs.push(textOf(data)));
    socket.on("message", (data: Uint8Array, isBinary: boolean) => {
      if (!isBinary && textOf(data) === "ping-me") return socket.ping("hb");
      if (!isBinary && textOf(data) === "close-me") return socket.close(4002, "bye");
      socket.send(data, { binary: isBinary });
    });
  });
  return {
    url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pongs,
    controls: true,
    stop: () => {
      for (const client of server.clients) client.terminate();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

interface BunServerSocket {
  send(data: string | Uint8Array): number;
  ping(data: string): number;
  close(code: number, reason: string): void;
}

async function startBunServe(): Promise<EchoPeer> {
  const pongs = new Collector<string>();
  const bun = (globalThis as unknown as {
    Bun: { serve(options: unknown): { port: number; stop(force: boolean): Promise<void> } };
  }).Bun;
  const server = bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request: Request, server: { upgrade(request: Request): boolean }) {
      return server.upgrade(request) ? undefined : new Response("upgrade only", { status: 400 });
    },
    websocket: {
      perMessageDeflate: true,
      message(socket: BunServerSocket, message: string | Uint8Array) {
        if (message === "ping-me") return socket.ping("hb");
        if (message === "close-me") return socket.close(4002, "bye");
        socket.send(message);
      },
      pong: (_socket: BunServerSocket, data: Uint8Array) => pongs.push(textOf(data)),
    },
  });
  await Promise.resolve();
  return {
    url: `ws://127.0.0.1:${server.port}`,
    pongs,
    controls: true,
    stop: () => server.stop(true),
  };
}

async function startDenoServe(): Promise<EchoPeer> {
  const listening = deferred<number>();
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: ({ port }) => listening.resolve(port),
  }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.binaryType = "arraybuffer";
    socket.onmessage = (event) => {
      if (event.data === "close-me") return socket.close(4002, "bye");
      socket.send(event.data);
    };
    return response;
  });
  const port = await within(listening.promise, "Deno.serve to listen");
  return {
    url: `ws://127.0.0.1:${port}`,
    pongs: new Collector(),
    controls: false,
    stop: () => server.shutdown(),
  };
}

const peers: [string, () => Promise<EchoPeer>][] = [
  ["ws", () => startWs(true)],
  [
    "ws without context takeover",
    () => startWs({ serverNoContextTakeover: true, clientNoContextTakeover: true }),
  ],
  ["ws without compression", () => startWs(false)],
  "Bun" in globalThis ? ["Bun.serve", startBunServe] : ["Deno.upgradeWebSocket", startDenoServe],
];

for (const [name, start] of peers) {
  test(`client with ${name}: text and binary of many sizes echo intact, compressed where agreed`, async () => {
    const peer = await start();
    const client = await within(
      Client.connect(peer.url, { maxFrameSize: 1024 * 1024 }),
      "connect",
    );
    try {
      const extensions = client.getHttpResponse()?.headers.get("sec-websocket-extensions") ?? "";
      if (name === "ws without context takeover") {
        assert.match(extensions, /server_no_context_takeover/);
        assert.match(extensions, /client_no_context_takeover/);
      } else if (name === "ws" || name === "Bun.serve") {
        assert.match(extensions, /^permessage-deflate/);
      } else {
        assert.equal(extensions, "");
      }
      for (const size of [0, 1, 125, 126, 65535, 65536, 300_000]) {
        const message = "ab€".repeat(Math.ceil(size / 3)).slice(0, size);
        await client.writeTextMessage(message);
        assert.equal(await within(client.readTextMessage(), `text of ${size}`), message);
        const bytes = new Uint8Array(size).map((_, i) => (i * 7) & 0xff);
        await client.writeBinaryMessage(bytes);
        assert.deepEqual(await within(client.readBinaryMessage(), `bytes of ${size}`), bytes);
      }
      // Many messages in a row, each repeating the last: context takeover pays off here.
      for (let i = 0; i < 50; i++) {
        await client.writeTextMessage(`{"seq":${i},"pad":"${"x".repeat(200)}"}`);
      }
      for (let i = 0; i < 50; i++) {
        assert.deepEqual(await within(client.readMessage("json"), "a JSON echo"), {
          seq: i,
          pad: "x".repeat(200),
        });
      }
    } finally {
      await client.close().catch(() => {});
      await peer.stop();
    }
  });

  test(`client with ${name}: the server's close fails a pending read with its code and reason`, async () => {
    const peer = await start();
    const client = await within(Client.connect(peer.url), "connect");
    try {
      const read = client.readTextMessage();
      await client.writeTextMessage("close-me");
      await assert.rejects(within(read, "the read to fail"), (error: Error) => {
        assert.ok(error instanceof ConnectionClosureError);
        assert.equal(error.message, "bye: Status code: 4002");
        return true;
      });
      assert.equal(client.isOpen(), false);
    } finally {
      await peer.stop();
    }
  });

  if (name !== "Deno.upgradeWebSocket") {
    test(`client with ${name}: a ping is answered while no read is pending, and ours are answered`, async () => {
      const peer = await start();
      const pongs = new Collector<string>();
      const client = await within(
        Client.connect(peer.url, {
          pingPongHandler: { onPong: (_client, data) => pongs.push(textOf(data)) },
        }),
        "connect",
      );
      try {
        await client.writeTextMessage("ping-me");
        assert.deepEqual(await peer.pongs.reach(1, "the server to get its pong"), ["hb"]);
        await client.ping(new TextEncoder().encode("ours"));
        assert.deepEqual(await pongs.reach(1, "the server's pong"), ["ours"]);
      } finally {
        await client.close().catch(() => {});
        await peer.stop();
      }
    });
  }
}
