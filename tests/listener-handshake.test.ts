import { test } from "node:test";
import assert from "node:assert/strict";
import { Listener, Opcode, UpgradeError, WebSocketError } from "../mod.ts";
import {
  clientFrame,
  closed,
  deferred,
  ENGINES,
  httpExchange,
  nextMessage,
  openWebSocket,
  RawPeer,
  serve,
  upgradeRequest,
  within,
} from "./net-support.ts";

const echo = () => ({ onTextMessage: (_caller: unknown, text: string) => text });

for (const engine of ENGINES) {
  test(`${engine}: echoes text and binary for many concurrent connections`, async () => {
    const listener = await serve(engine, "/ws", () => ({
      onTextMessage: (_caller, text: string) => text,
      onBinaryMessage: (_caller, data: Uint8Array) => data,
    }));
    try {
      const clients = await Promise.all(
        Array.from({ length: 20 }, () => openWebSocket(`ws://127.0.0.1:${listener.port}/ws`)),
      );
      await Promise.all(clients.map(async (socket, index) => {
        const text = nextMessage(socket);
        socket.send(`hello ${index}`);
        assert.equal(await text, `hello ${index}`);
        const binary = nextMessage(socket);
        socket.send(new Uint8Array([index, 0, 255]));
        assert.deepEqual([...new Uint8Array(await binary as ArrayBuffer)], [index, 0, 255]);
        const end = closed(socket);
        socket.close(1000);
        assert.equal((await end).code, 1000);
      }));
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: routes to the most specific path and passes path and query parameters`, async () => {
    const listener = new Listener(0, { host: "127.0.0.1", engine });
    const seen: string[] = [];
    const tagged = (tag: string) =>
    (_request: Request, context: {
      params: Record<string, string>;
      query: URLSearchParams;
      path: string;
    }) => {
      seen.push(
        `${tag} ${context.path} ${JSON.stringify(context.params)} ${context.query.get("u")}`,
      );
      return echo();
    };
    listener.attach("/chat/*", tagged("wild"));
    listener.attach("/chat/:room", tagged("room"));
    listener.attach("/chat/lobby", tagged("lobby"));
    await listener.start();
    try {
      for (const path of ["/chat/lobby?u=a", "/chat/r%20ed?u=b", "/chat/x/y"]) {
        const socket = await openWebSocket(`ws://127.0.0.1:${listener.port}${path}`);
        socket.close();
      }
      assert.deepEqual(seen, [
        "lobby /chat/lobby {} a",
        'room /chat/:room {"room":"r ed"} b',
        "wild /chat/* {} null",
      ]);
      const missing = await httpExchange(listener.port, upgradeRequest("/nothing"));
      assert.equal(missing.status, 404);
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: the upgrade function adds 101 headers, refuses with a Response or UpgradeError`, async () => {
    const listener = await serve(engine, "/ws", (request) => {
      const mode = new URL(request.url).searchParams.get("mode");
      if (mode === "response") return new Response("go away", { status: 403 });
      if (mode === "upgrade-error") throw new UpgradeError("room is full", { status: 409 });
      if (mode === "bad-status") throw new UpgradeError("odd", { status: 302 });
      if (mode === "default-status") throw new UpgradeError("no name");
      if (mode === "crash") throw new Error("secret database password");
      return echo();
    });
    try {
      const port = listener.port;
      const accepted = await RawPeer.upgrade(port, "/ws?mode=ok");
      assert.equal(accepted.response.status, 101);
      assert.equal(accepted.response.headers.get("server"), "tether");
      accepted.client.destroy();

      const headerListener = await serve(
        engine,
        "/h",
        (_request, context) => {
          context.headers.set("x-room", "blue");
          return echo();
        },
        {},
        { server: "chat-server" },
      );
      try {
        const { client, response } = await RawPeer.upgrade(headerListener.port, "/h");
        assert.equal(response.status, 101);
        assert.equal(response.headers.get("x-room"), "blue");
        assert.equal(response.headers.get("server"), "chat-server");
        client.destroy();
      } finally {
        await headerListener.immediateStop();
      }

      const refused = await httpExchange(port, upgradeRequest("/ws?mode=response"));
      assert.equal(refused.status, 403);
      assert.equal(refused.body, "go away");
      const conflict = await httpExchange(port, upgradeRequest("/ws?mode=upgrade-error"));
      assert.equal(conflict.status, 409);
      assert.equal(conflict.body, "room is full");
      assert.equal((await httpExchange(port, upgradeRequest("/ws?mode=bad-status"))).status, 400);
      assert.equal(
        (await httpExchange(port, upgradeRequest("/ws?mode=default-status"))).status,
        400,
      );
      const originalError = console.error;
      console.error = () => {};
      try {
        const crash = await httpExchange(port, upgradeRequest("/ws?mode=crash"));
        assert.equal(crash.status, 500);
        assert.doesNotMatch(crash.body, /secret/);
      } finally {
        console.error = originalError;
      }
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: handshake checks refuse bad upgrade requests before user code`, async () => {
    let upgrades = 0;
    const listener = await serve(engine, "/ws", () => {
      upgrades++;
      return echo();
    });
    try {
      const port = listener.port;
      const post = await httpExchange(
        port,
        "POST /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n",
      );
      assert.equal(post.status, 405);
      const plain = await httpExchange(
        port,
        upgradeRequest("/ws", { Upgrade: "", Connection: "" }),
      );
      assert.equal(plain.status, 426);
      const noConnection = await httpExchange(
        port,
        upgradeRequest("/ws", { Connection: "keep-alive" }),
      );
      assert.equal(noConnection.status, 400);
      const badKey = await httpExchange(
        port,
        upgradeRequest("/ws", { "Sec-WebSocket-Key": "short" }),
      );
      assert.equal(badKey.status, 400);
      const twoKeys = await httpExchange(
        port,
        upgradeRequest("/ws").replace(
          "\r\n\r\n",
          "\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n\r\n",
        ),
      );
      assert.equal(twoKeys.status, 400);
      const oldVersion = await httpExchange(
        port,
        upgradeRequest("/ws", { "Sec-WebSocket-Version": "8" }),
      );
      assert.equal(oldVersion.status, 426);
      assert.equal(oldVersion.headers.get("sec-websocket-version"), "13");
      assert.equal(upgrades, 0);
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: request limits answer 414, 431 and 413`, async () => {
    const listener = await serve(engine, "/ws", echo, {}, {
      requestLimits: { maxUriLength: 100, maxHeaderSize: 600, maxEntityBodySize: 10 },
    });
    try {
      const port = listener.port;
      const longUri = await httpExchange(port, upgradeRequest(`/ws?q=${"a".repeat(200)}`));
      assert.equal(longUri.status, 414);
      const bigHeaders = await httpExchange(
        port,
        upgradeRequest("/ws", { "X-Big": "b".repeat(700) }),
      );
      assert.equal(bigHeaders.status, 431);
      const body = await httpExchange(
        port,
        `POST /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 20\r\n\r\n${"x".repeat(20)}`,
      );
      assert.equal(body.status, 413);
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: picks the first offered sub-protocol the service speaks`, async () => {
    const listener = await serve(engine, "/ws", () => ({
      onOpen: (caller) => caller.writeTextMessage(caller.getNegotiatedSubProtocol() ?? "none"),
    }), { subProtocols: ["chat.v2", "chat.v1"] });
    try {
      const url = `ws://127.0.0.1:${listener.port}/ws`;
      const first = await openWebSocket(url, ["chat.v1", "chat.v2"]);
      assert.equal(first.protocol, "chat.v1");
      const none = await RawPeer.upgrade(listener.port, "/ws");
      assert.equal(none.response.headers.get("sec-websocket-protocol"), null);
      assert.deepEqual(await none.client.next(), { type: "text", data: "none" });
      first.close();
      none.client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: permessage-deflate is agreed only when offered and enabled`, async () => {
    const offer = { "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits" };
    const enabled = await serve(engine, "/ws", echo);
    const disabled = await serve(engine, "/ws", echo, {}, { webSocketCompressionEnabled: false });
    try {
      const agreed = await RawPeer.upgrade(enabled.port, "/ws", offer);
      const extensions = agreed.response.headers.get("sec-websocket-extensions");
      if (engine === "deno") assert.equal(extensions, null);
      else assert.match(extensions ?? "", /^permessage-deflate/);
      const notOffered = await RawPeer.upgrade(enabled.port, "/ws");
      assert.equal(notOffered.response.headers.get("sec-websocket-extensions"), null);
      const off = await RawPeer.upgrade(disabled.port, "/ws", offer);
      assert.equal(off.response.headers.get("sec-websocket-extensions"), null);
      for (const { client } of [agreed, notOffered, off]) client.destroy();
    } finally {
      await enabled.immediateStop();
      await disabled.immediateStop();
    }
  });

  test(`${engine}: starting on a busy port, attaching twice and detaching unknown paths fail clearly`, async () => {
    const first = await serve(engine, "/ws", echo);
    try {
      const second = new Listener(first.port, { host: "127.0.0.1", engine });
      await assert.rejects(second.start(), (error: Error) => {
        assert.ok(error instanceof WebSocketError);
        assert.match(error.message, new RegExp(`cannot listen on 127.0.0.1:${first.port}`));
        return true;
      });
      assert.throws(() => first.attach("/ws", echo), /already attached to \/ws/);
      assert.throws(() => first.detach("/never"), /no service is attached to \/never/);
      first.detach("/ws");
      assert.equal((await httpExchange(first.port, upgradeRequest("/ws"))).status, 404);
      first.attach("/ws", echo);
      assert.equal((await RawPeer.upgrade(first.port, "/ws")).response.status, 101);
    } finally {
      await first.immediateStop();
    }
  });
}

test("configuration mistakes are refused when the listener is made or a service attached", () => {
  assert.throws(() => new Listener(70000), /port must be an integer from 0 to 65535/);
  assert.throws(() => new Listener(0, { timeout: -1 }), /timeout must be/);
  assert.throws(
    () => new Listener(0, { http1Settings: { keepAlive: "SOMETIMES" as "AUTO" } }),
    /keepAlive must be AUTO, ALWAYS or NEVER/,
  );
  assert.throws(() => new Listener(0, { engine: "nginx" as "bun" }), /engine must be/);
  const listener = new Listener(0);
  assert.throws(() => listener.attach("ws", echo), /must start with "\/"/);
  assert.throws(() => listener.attach("/a", echo, { subProtocols: ["bad name"] }), /HTTP tokens/);
  assert.throws(
    () => listener.attach("/b", echo, { connectionClosureTimeout: -5 }),
    /connectionClosureTimeout/,
  );
  assert.throws(
    () => listener.attach("/c", "nope" as never),
    /an upgrade function or a service object/,
  );
});

// Bun and Deno parse requests natively and drop stalled heads on their own clocks.
for (const engine of ENGINES.filter((name) => name === "frames")) {
  test(`${engine}: a client that stalls inside the upgrade request is dropped after timeout`, async () => {
    const listener = await serve(engine, "/ws", echo, {}, { timeout: 1 });
    try {
      const stalled = await RawPeer.connect(listener.port);
      stalled.write("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      assert.equal((await stalled.readResponseHead()).status, 408);
      await stalled.ended;
      assert.ok(stalled.isEnded);
    } finally {
      await listener.immediateStop();
    }
  });
}

for (const engine of ENGINES.filter((name) => name === "frames")) {
  test(`${engine}: every stalled request gets its whole timeout; one already read may take longer to decide`, async () => {
    const deciding = deferred();
    const decided = deferred();
    const listener = await serve(
      engine,
      "/ws",
      async () => {
        deciding.resolve();
        await decided.promise;
        return echo();
      },
      {},
      { timeout: 1 },
    );
    const stall = "GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    try {
      const first = await RawPeer.connect(listener.port);
      first.write(stall);
      assert.equal((await first.readResponseHead()).status, 408);
      // Sent whole, then left waiting on its upgrade function past its own deadline.
      const slow = await RawPeer.connect(listener.port);
      slow.write(upgradeRequest("/ws"));
      await within(deciding.promise, "the upgrade function to run");
      const since = performance.now();
      const second = await RawPeer.connect(listener.port);
      second.write(stall);
      assert.equal((await second.readResponseHead()).status, 408);
      const waited = performance.now() - since;
      assert.ok(waited >= 900, `the second stalled request was dropped after ${waited} ms`);
      decided.resolve();
      assert.equal((await slow.readResponseHead()).status, 101);
      slow.startFrames();
      slow.write(clientFrame(Opcode.Text, "still here"));
      assert.deepEqual(await slow.next(), { type: "text", data: "still here" });
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: frames sent with the upgrade request and while it is decided arrive in order`, async () => {
    const deciding = deferred();
    const decided = deferred();
    const listener = await serve(engine, "/ws", async () => {
      deciding.resolve();
      await decided.promise;
      return echo();
    });
    try {
      const peer = await RawPeer.connect(listener.port);
      const request = new TextEncoder().encode(upgradeRequest("/ws"));
      const first = clientFrame(Opcode.Text, "one");
      const together = new Uint8Array(request.length + first.length);
      together.set(request);
      together.set(first, request.length);
      peer.write(together);
      await within(deciding.promise, "the upgrade function to run");
      peer.write(clientFrame(Opcode.Text, "two"));
      peer.write(clientFrame(Opcode.Text, "three"));
      decided.resolve();
      assert.equal((await peer.readResponseHead()).status, 101);
      peer.startFrames();
      for (const data of ["one", "two", "three"]) {
        assert.deepEqual(await peer.next(), { type: "text", data });
      }
    } finally {
      await listener.immediateStop();
    }
  });
}

for (const engine of ENGINES.filter((name) => name === "frames")) {
  test(`${engine}: malformed request heads are answered 400 or 505 and closed`, async () => {
    const listener = await serve(engine, "/ws", echo);
    try {
      const cases: [string, number][] = [
        ["GET /ws\r\n\r\n", 400],
        ["GET /ws HTTP/2.0\r\nHost: a\r\n\r\n", 505],
        ["GET /ws HTTP/1.1\r\n\r\n", 400],
        ["GET /ws HTTP/1.1\r\nHost: a\r\n folded: value\r\n\r\n", 400],
        ["GET /ws HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", 400],
        ["GET /ws HTTP/1.1\r\nHost: a\r\nX: \x01\r\n\r\n", 400],
        ["GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400],
      ];
      for (const [request, status] of cases) {
        const client = await RawPeer.connect(listener.port);
        client.write(request);
        const response = await client.readResponseHead();
        assert.equal(response.status, status, JSON.stringify(request));
        assert.equal(response.headers.get("connection"), "close");
        await client.ended;
      }
    } finally {
      await listener.immediateStop();
    }
  });
}

test("a listener adds its routes to an existing Hono app served by the runtime", async () => {
  const { Hono } = await import("hono");
  const app = new Hono();
  app.get("/health", (c) => c.text("ok"));
  const listener = new Listener(app);
  listener.attach("/ws/:room", (_request, context) => ({
    onTextMessage: (_caller, text: string) => `${context.params.room}: ${text}`,
  }));
  await listener.start();
  const runtime = globalThis as unknown as {
    Bun?: { serve(options: object): { port: number; stop(force: boolean): Promise<void> } };
    Deno?: {
      serve(
        options: object,
        handler: (request: Request) => Response | Promise<Response>,
      ): { addr: { port: number }; shutdown(): Promise<void> };
    };
  };
  let port: number;
  let stop: () => Promise<void>;
  if (runtime.Bun) {
    assert.equal(listener.engine, "bun");
    const server = runtime.Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: app.fetch,
      websocket: listener.websocket,
    });
    port = server.port;
    stop = () => server.stop(true);
  } else {
    assert.equal(listener.engine, "deno");
    const server = runtime.Deno!.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      app.fetch,
    );
    port = server.addr.port;
    stop = () => server.shutdown();
  }
  try {
    assert.equal(await (await fetch(`http://127.0.0.1:${port}/health`)).text(), "ok");
    const socket = await openWebSocket(`ws://127.0.0.1:${port}/ws/blue`);
    const reply = nextMessage(socket);
    socket.send("hi");
    assert.equal(await reply, "blue: hi");
    const end = closed(socket);
    await listener.gracefulStop();
    assert.equal((await end).code, 1001);
    const after = await fetch(`http://127.0.0.1:${port}/ws/blue`);
    assert.equal(after.status, 503);
    await after.body?.cancel();
  } finally {
    await stop();
  }
});

for (const engine of ENGINES) {
  test(`${engine}: keepAlive NEVER closes after every refusal`, async () => {
    const listener = await serve(engine, "/ws", echo, {}, {
      http1Settings: { keepAlive: "NEVER" },
    });
    try {
      const client = await RawPeer.connect(listener.port);
      client.write(upgradeRequest("/ws", { "Sec-WebSocket-Version": "7" }));
      const response = await client.readResponseHead();
      assert.equal(response.status, 426);
      assert.equal(response.headers.get("connection"), "close");
      // Deno's server sends the header but keeps the connection open for the client to close.
      if (engine === "deno") client.destroy();
      await client.ended;
    } finally {
      await listener.immediateStop();
    }
  });
}

if (ENGINES.includes("deno")) {
  test("deno: a service with onPing gets one warning, at its path's first upgrade", async () => {
    const warnings: string[] = [];
    const originalWarn = console.warn;
    console.warn = (message: string) => warnings.push(message);
    const listener = await serve("deno", "/ws", () => ({ onPing: () => {} }));
    try {
      for (let i = 0; i < 2; i++) {
        const socket = await openWebSocket(`ws://127.0.0.1:${listener.port}/ws`);
        socket.close();
      }
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /\/ws: the deno engine cannot pass pings and pongs/);
    } finally {
      console.warn = originalWarn;
      await listener.immediateStop();
    }
  });
}
