import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { Hono } from "hono";
import { Client, Listener } from "../mod.ts";
import { ENGINES, serve, within } from "./net-support.ts";

const page = "<!doctype html><title>chat</title>";

/** A page at `/`, an echo of what was posted at `/echo`, and 404 for anything else. */
async function answer(request: Request): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (path === "/") return new Response(page, { headers: { "content-type": "text/html" } });
  if (path === "/echo") return new Response(`${request.method} ${await request.text()}`);
  return new Response("not here", { status: 404 });
}

/** Everything the server sends for one raw request, until it closes the connection. */
function rawExchange(port: number, request: string): Promise<string> {
  return within(
    new Promise((resolve, reject) => {
      const socket = connect(port, "127.0.0.1", () => socket.write(request));
      let received = "";
      socket.setEncoding("latin1");
      socket.on("data", (chunk: string) => received += chunk);
      socket.on("close", () => resolve(received));
      socket.on("error", reject);
    }),
    "the whole response",
  );
}

for (const engine of ENGINES) {
  test(`${engine}: fetch answers other paths on the port the services use`, async () => {
    const listener = await serve(
      engine,
      "/ws",
      {
        onTextMessage: (_caller: unknown, text: string) => text,
      },
      {},
      { fetch: answer },
    );
    try {
      const base = `http://127.0.0.1:${listener.port}`;
      const home = await within(fetch(`${base}/`), "the page");
      assert.equal(home.status, 200);
      assert.equal(home.headers.get("content-type"), "text/html");
      assert.equal(await home.text(), page);
      const missing = await within(fetch(`${base}/missing`), "a missing page");
      assert.equal(missing.status, 404);
      assert.equal(await missing.text(), "not here");

      // The service's own path still takes only upgrades.
      const plain = await within(fetch(`${base}/ws`), "a plain GET of the service's path");
      assert.equal(plain.status, 426);
      await plain.body?.cancel();
      const client = await within(Client.connect(`ws://127.0.0.1:${listener.port}/ws`), "connect");
      await client.writeTextMessage("beside a page");
      assert.equal(await within(client.readTextMessage(), "echo"), "beside a page");
      await within(client.close(), "close");
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: fetch gets the request limits, HEAD gets no body`, async () => {
    const listener = await serve(engine, "/ws", { onTextMessage: () => undefined }, {}, {
      fetch: answer,
      requestLimits: { maxUriLength: 64 },
    });
    try {
      const long = await within(
        fetch(`http://127.0.0.1:${listener.port}/${"x".repeat(100)}`),
        "a long target",
      );
      assert.equal(long.status, 414);
      await long.body?.cancel();
      const head = await rawExchange(
        listener.port,
        "HEAD / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
      );
      const [status, rest] = head.split("\r\n\r\n");
      assert.match(status, /^HTTP\/1\.1 200/);
      assert.match(status, /content-type: text\/html/i);
      assert.equal(rest, "", "a HEAD answer ends with its head");
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: a request body reaches fetch, or 501 where the engine reads none`, async () => {
    const listener = await serve(engine, "/ws", { onTextMessage: () => undefined }, {}, {
      fetch: answer,
    });
    try {
      const posted = await within(
        fetch(`http://127.0.0.1:${listener.port}/echo`, { method: "POST", body: "hello" }),
        "a POST",
      );
      if (engine === "frames") {
        assert.equal(posted.status, 501);
        assert.match(await posted.text(), /does not read request bodies/);
      } else {
        assert.equal(posted.status, 200);
        assert.equal(await posted.text(), "POST hello");
      }
    } finally {
      await listener.immediateStop();
    }
  });
}

test("fetch: must be a function, and only on a listener that owns its port", () => {
  assert.throws(
    () => new Listener(0, { fetch: "index.html" as unknown as () => Response }),
    /fetch must be a function/,
  );
  assert.throws(
    () => new Listener(new Hono(), { fetch: () => new Response("") }),
    /fetch needs a listener that owns its port/,
  );
});
