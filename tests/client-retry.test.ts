import { test } from "node:test";
import assert from "node:assert/strict";
import { Client, ConnectionClosureError, ConnectionError, encodeFrame, Opcode } from "../mod.ts";
import { resolveRetry, retryDelay } from "../client/retry.ts";
import { openPair, RawServer, within } from "./net-support.ts";

const text = (value: string) => new TextEncoder().encode(value);
const serverText = (value: string) => encodeFrame(Opcode.Text, text(value), false);
const quickRetry = { interval: 0.01, maxCount: 20 };

test("retry: delays grow by the back-off factor up to maxWaitInterval", () => {
  const settings = resolveRetry({ interval: 0.1, backOffFactor: 2, maxWaitInterval: 0.5 })!;
  assert.deepEqual([0, 1, 2, 3, 4].map((n) => retryDelay(settings, n)), [100, 200, 400, 500, 500]);
  const defaults = resolveRetry({})!;
  assert.deepEqual(defaults, { maxCount: 0, intervalMs: 1000, backOffFactor: 1, maxWaitMs: 30000 });
  assert.equal(retryDelay(defaults, 50), 1000);
});

test("retry: a failed first connect is retried, with the back-off, until the server answers", async () => {
  const server = await RawServer.start();
  try {
    const script = (async () => {
      for (let i = 0; i < 3; i++) (await server.next()).destroy();
      await (await server.next()).acceptUpgrade();
    })();
    const started = performance.now();
    const client = await within(
      Client.connect(server.url, { retryConfig: { interval: 0.05, backOffFactor: 2 } }),
      "connect",
    );
    // Three retries wait 50 + 100 + 200 ms at the least.
    assert.ok(performance.now() - started >= 340, "the back-off was not applied");
    await within(script, "the server's side");
    assert.equal(server.accepted, 4);
    assert.equal(client.isOpen(), true);
  } finally {
    await server.close();
  }
});

test("retry: giving up after maxCount retries is a ConnectionError", async () => {
  const server = await RawServer.start();
  try {
    const script = (async () => {
      for (let i = 0; i < 3; i++) (await server.next()).destroy();
    })();
    await assert.rejects(
      within(Client.connect(server.url, { retryConfig: { interval: 0.01, maxCount: 2 } }), "fail"),
      (error: Error) => {
        assert.ok(error instanceof ConnectionError);
        assert.match(error.message, /after 2 retries/);
        return true;
      },
    );
    await script;
    assert.equal(server.accepted, 3);
  } finally {
    await server.close();
  }
});

test("retry: without retryConfig the first failure is final", async () => {
  const server = await RawServer.start();
  try {
    const connecting = Client.connect(server.url);
    (await server.next()).destroy();
    await assert.rejects(within(connecting, "fail"), ConnectionError);
    assert.equal(server.accepted, 1);
  } finally {
    await server.close();
  }
});

test("retry: a lost connection comes back and a pending read continues on the new one", async () => {
  const { server, client, peer: first } = await openPair({ retryConfig: quickRetry });
  try {
    const firstId = client.getConnectionId();
    first.write(serverText("one"));
    assert.equal(await within(client.readTextMessage(), "one"), "one");
    const pending = client.readTextMessage();
    first.destroy();
    const second = await server.next();
    // The client is reconnecting: it is not open, and a write waits for the new connection.
    assert.equal(client.isOpen(), false);
    const written = client.writeTextMessage("sent while reconnecting");
    await second.acceptUpgrade();
    second.write(serverText("two"));
    assert.equal(await within(pending, "the pending read"), "two");
    await within(written, "the waiting write");
    assert.equal((await second.nextOf("text")).data, "sent while reconnecting");
    assert.notEqual(client.getConnectionId(), firstId);
    assert.equal(client.isOpen(), true);
    assert.equal(server.accepted, 2);
  } finally {
    await server.close();
  }
});

test("retry: messages survive drops without loss or duplication", async () => {
  const server = await RawServer.start();
  const received: string[] = [];
  let unanswered: string | undefined;
  // Every third message, the server drops the connection instead of answering, and
  // answers it first thing on the next connection.
  const script = (async () => {
    for (let connection = 0; connection < 5; connection++) {
      const peer = await server.next();
      await peer.acceptUpgrade();
      if (unanswered !== undefined) {
        peer.write(serverText(unanswered));
        if (unanswered === "12") return;
        unanswered = undefined;
      }
      for (;;) {
        const { data } = await peer.nextOf("text");
        received.push(data);
        if (Number(data) % 3 === 0 && connection < 4) {
          unanswered = data;
          peer.destroy();
          break;
        }
        peer.write(serverText(data));
        if (data === "12") return;
      }
    }
  })();
  try {
    const client = await within(
      Client.connect(server.url, { retryConfig: quickRetry }),
      "connect",
    );
    for (let n = 1; n <= 12; n++) {
      await client.writeTextMessage(String(n));
      assert.equal(await within(client.readTextMessage(), `echo ${n}`), String(n));
    }
    await within(script, "the server's side");
    assert.deepEqual(received, Array.from({ length: 12 }, (_, i) => String(i + 1)));
    assert.equal(server.accepted, 5);
  } finally {
    await server.close();
  }
});

test("retry: a write cut off by a lost connection goes out again, once, on the next", async () => {
  const { server, client, peer: first } = await openPair({ retryConfig: quickRetry });
  try {
    first.pauseReading();
    // Far more than socket buffers hold while the server does not read.
    const big = new Uint8Array(12 * 1024 * 1024).map((_, i) => i & 0xff);
    const written = client.writeBinaryMessage(big);
    first.destroy();
    const second = await server.next();
    await second.acceptUpgrade();
    const message = await second.nextOf("binary");
    assert.equal(message.data.length, big.length);
    assert.deepEqual(message.data.subarray(0, 1000), big.subarray(0, 1000));
    assert.deepEqual(message.data.subarray(-1000), big.subarray(-1000));
    await within(written, "the write to resolve");
    await client.writeTextMessage("after");
    assert.equal((await second.next()).type, "text");
  } finally {
    await server.close();
  }
});

test("retry: a close from either side never reconnects", async () => {
  const { server, client, peer } = await openPair({ retryConfig: quickRetry });
  try {
    peer.write(encodeFrame(Opcode.Close, Uint8Array.of(0x03, 0xe8), false));
    await assert.rejects(within(client.readTextMessage(), "the read"), /Status code: 1000/);
    await assert.rejects(client.readTextMessage(), ConnectionClosureError);
    await assert.rejects(client.writeTextMessage("x"), ConnectionClosureError);

    const again = Client.connect(server.url, { retryConfig: quickRetry });
    const other = await server.next();
    await other.acceptUpgrade();
    const second = await within(again, "connect");
    const pending = second.readTextMessage();
    const closing = second.close(1000, "", 2);
    assert.equal((await other.nextOf("close")).code, 1000);
    other.write(encodeFrame(Opcode.Close, Uint8Array.of(0x03, 0xe8), false));
    other.destroy();
    await within(closing, "the close");
    await assert.rejects(within(pending, "the pending read"), ConnectionClosureError);
    assert.equal(server.accepted, 2);
  } finally {
    await server.close();
  }
});

test("retry: close() while reconnecting stops the retries and fails pending reads", async () => {
  const { server, client, peer } = await openPair({ retryConfig: { interval: 0.05 } });
  const pending = client.readTextMessage();
  peer.destroy();
  // The client is reconnecting once a new connection arrives; this one is left unanswered.
  await server.next();
  await within(client.close(), "close while reconnecting");
  await assert.rejects(within(pending, "the pending read"), ConnectionClosureError);
  await assert.rejects(client.writeTextMessage("x"), ConnectionClosureError);
  assert.equal(client.isOpen(), false);
  await server.close();
});
