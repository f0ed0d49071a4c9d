import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Client,
  type ClientConfiguration,
  ConnectionClosureError,
  ConnectionError,
  CorruptedFrameError,
  encodeFrame,
  HandshakeTimedOut,
  InvalidHandshakeError,
  Opcode,
  PayloadTooLargeError,
} from "../mod.ts";
import { openPair, rawPair, RawServer, within } from "./net-support.ts";
import { concatBytes, rawFrame } from "./support.ts";

const text = (value: string) => new TextEncoder().encode(value);
const serverFrame = (opcode: number, payload: Uint8Array | string = "") =>
  encodeFrame(opcode, typeof payload === "string" ? text(payload) : payload, false);

/** Walks masked client frames: FIN bit, opcode and payload length of each. */
function frameHeaders(bytes: Uint8Array): { fin: boolean; opcode: number; length: number }[] {
  const frames = [];
  let offset = 0;
  while (offset < bytes.length) {
    const fin = (bytes[offset] & 0x80) !== 0;
    const opcode = bytes[offset] & 0x0f;
    let length = bytes[offset + 1] & 0x7f;
    offset += 2;
    if (length === 126) {
      length = (bytes[offset] << 8) | bytes[offset + 1];
      offset += 2;
    }
    offset += 4 + length;
    frames.push({ fin, opcode, length });
  }
  return frames;
}

test("client wire: the upgrade request carries key, version, offers, headers and cookies", async () => {
  const { server, connecting, peer } = await rawPair({
    subProtocols: ["a", "b"],
    webSocketCompressionEnabled: true,
    customHeaders: { "X-Custom": "1" },
    cookies: [{ name: "c", value: "v" }],
  }, "/path?q=1");
  try {
    const headers = await peer.acceptUpgrade({
      "Sec-WebSocket-Protocol": "b",
      "Sec-WebSocket-Extensions": "permessage-deflate",
    });
    const client = await within(connecting, "connect");
    assert.equal(headers.get("upgrade"), "websocket");
    assert.equal(headers.get("connection"), "Upgrade");
    assert.equal(headers.get("sec-websocket-version"), "13");
    assert.match(headers.get("sec-websocket-key") ?? "", /^[A-Za-z0-9+/]{22}==$/);
    assert.equal(headers.get("sec-websocket-protocol"), "a, b");
    assert.equal(
      headers.get("sec-websocket-extensions"),
      "permessage-deflate; client_max_window_bits",
    );
    assert.equal(headers.get("host"), `127.0.0.1:${server.port}`);
    assert.equal(headers.get("x-custom"), "1");
    assert.equal(headers.get("cookie"), "c=v");
    assert.equal(client.getNegotiatedSubProtocol(), "b");
    await client.writeTextMessage("masked");
    const frame = await peer.nextOf("text");
    assert.equal(frame.data, "masked");
  } finally {
    await server.close();
  }
});

const refusals: [string, Record<string, string>, RegExp][] = [
  ["a wrong accept key", { "Sec-WebSocket-Accept": "dGhlIHNhbXBsZSBub25jZQ==" }, /Accept/],
  ["no Upgrade header", { Upgrade: "" }, /Upgrade header/],
  ["no Connection header", { Connection: "" }, /Connection header/],
  ["a sub-protocol that was not offered", { "Sec-WebSocket-Protocol": "other" }, /not offered/],
  ["an extension that was not offered", { "Sec-WebSocket-Extensions": "x-zip" }, /not offered/],
  [
    "a server_max_window_bits out of range",
    { "Sec-WebSocket-Extensions": "permessage-deflate; server_max_window_bits=7" },
    /invalid/,
  ],
  [
    "client_max_window_bits without a value",
    { "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits" },
    /needs a value/,
  ],
  [
    "two extensions",
    { "Sec-WebSocket-Extensions": "permessage-deflate, permessage-deflate" },
    /more than one/,
  ],
];
for (const [what, headers, message] of refusals) {
  test(`client wire: a 101 with ${what} fails the handshake`, async () => {
    const { server, connecting, peer } = await rawPair({ webSocketCompressionEnabled: true });
    try {
      await peer.acceptUpgrade(headers);
      await assert.rejects(within(connecting, "the handshake to fail"), (error: Error) => {
        assert.ok(error instanceof InvalidHandshakeError, String(error));
        assert.equal(error.status, 101);
        assert.match(error.message, message);
        return true;
      });
      await peer.ended;
    } finally {
      await server.close();
    }
  });
}

test("client wire: a server that picks no sub-protocol when one was asked for is refused", async () => {
  const { server, connecting, peer } = await rawPair({ subProtocols: ["need.me"] });
  try {
    await peer.acceptUpgrade();
    await assert.rejects(within(connecting, "the handshake to fail"), /chose none/);
  } finally {
    await server.close();
  }
});

test("client wire: a refusal keeps its status and headers, and is not retried", async () => {
  const { server, connecting, peer } = await rawPair({ retryConfig: { interval: 0.01 } });
  try {
    await peer.readRequestHead();
    peer.write(
      "HTTP/1.1 403 Forbidden\r\nX-Reason: banned\r\nContent-Length: 4\r\n\r\nnope",
    );
    await assert.rejects(within(connecting, "the handshake to fail"), (error: Error) => {
      assert.ok(error instanceof InvalidHandshakeError);
      assert.equal(error.status, 403);
      assert.equal(error.response?.statusText, "Forbidden");
      assert.equal(error.response?.headers.get("x-reason"), "banned");
      return true;
    });
    assert.equal(server.accepted, 1);
  } finally {
    await server.close();
  }
});

test("client wire: non-ASCII and control bytes in the response head fail cleanly", async () => {
  for (
    const head of [
      Uint8Array.from([...text("HTTP/1.1 101 OK\r\nX-Bad: caf"), 0xe9, ...text("\r\n\r\n")]),
      text("HTTP/1.1 101 OK\r\nX-Bad: a\x00b\r\n\r\n"),
      text("HTTP/1.1 101 OK\r\nBad Name: x\r\n\r\n"),
      text("HTTP/1.1 1O1 OK\r\n\r\n"),
      text(`HTTP/1.1 101 OK\r\nX-Long: ${"a".repeat(20_000)}\r\n\r\n`),
    ]
  ) {
    const { server, connecting, peer } = await rawPair();
    try {
      await peer.readRequestHead();
      peer.write(head);
      await assert.rejects(within(connecting, "the handshake to fail"), InvalidHandshakeError);
      await peer.ended;
    } finally {
      await server.close();
    }
  }
});

test("client wire: a server that hangs up before answering is a ConnectionError", async () => {
  const { server, connecting, peer } = await rawPair();
  try {
    await peer.readRequestHead();
    peer.destroy();
    await assert.rejects(within(connecting, "the handshake to fail"), ConnectionError);
  } finally {
    await server.close();
  }
});

test("client wire: a server that never answers hits handShakeTimeout", async () => {
  const { server, connecting, peer } = await rawPair({ handShakeTimeout: 0.2 });
  try {
    await peer.readRequestHead();
    await assert.rejects(within(connecting, "the timeout"), HandshakeTimedOut);
    await peer.ended;
  } finally {
    await server.close();
  }
});

test("client wire: frames sent with the 101, byte by byte and split inside characters arrive whole", async () => {
  const { server, connecting, peer } = await rawPair();
  try {
    const request = await peer.readRequestHead();
    const { computeAcceptKey } = await import("../mod.ts");
    const accept = await computeAcceptKey(request.headers.get("sec-websocket-key")!);
    peer.write(concatBytes(
      text(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
      ),
      serverFrame(Opcode.Text, "with the head"),
    ));
    peer.startFrames();
    const client = await within(connecting, "connect");
    assert.equal(await within(client.readTextMessage(), "first"), "with the head");

    const euro = text("€");
    const fragmented = concatBytes(
      rawFrame({ opcode: Opcode.Text, payload: [0x61, euro[0]], fin: false, mask: false }),
      rawFrame({ opcode: Opcode.Ping, payload: "in between", mask: false }),
      rawFrame({ opcode: Opcode.Continuation, payload: [euro[1]], fin: false, mask: false }),
      rawFrame({ opcode: Opcode.Continuation, payload: [euro[2], 0x62], mask: false }),
    );
    for (const byte of fragmented) peer.write(Uint8Array.of(byte));
    assert.equal(await within(client.readTextMessage(), "the split message"), "a€b");
    const pong = await peer.nextOf("pong");
    assert.deepEqual(pong.data, text("in between"));
  } finally {
    await server.close();
  }
});

test("client wire: a tiny maxFrameSize splits writes into continuation frames and limits reads", async () => {
  const { server, client, peer } = await openPair({ maxFrameSize: 4 });
  try {
    await client.writeBinaryMessage(Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    const message = await peer.nextOf("binary");
    assert.deepEqual(message.data, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    assert.deepEqual(frameHeaders(peer.frameBytes), [
      { fin: false, opcode: Opcode.Binary, length: 4 },
      { fin: false, opcode: Opcode.Continuation, length: 4 },
      { fin: true, opcode: Opcode.Continuation, length: 2 },
    ]);
    peer.write(serverFrame(Opcode.Binary, Uint8Array.of(1, 2, 3, 4)));
    assert.deepEqual(
      await within(client.readBinaryMessage(), "a frame at the limit"),
      Uint8Array.of(1, 2, 3, 4),
    );
    const read = client.readBinaryMessage();
    peer.write(serverFrame(Opcode.Binary, Uint8Array.of(1, 2, 3, 4, 5)));
    await assert.rejects(within(read, "the read to fail"), PayloadTooLargeError);
    const close = await peer.nextOf("close");
    assert.equal(close.code, 1009);
    await peer.ended;
  } finally {
    await server.close();
  }
});

test("client wire: a masked frame from the server fails the connection with 1002", async () => {
  const { server, client, peer } = await openPair();
  try {
    const read = client.readTextMessage();
    peer.write(encodeFrame(Opcode.Text, text("masked!"), true));
    await assert.rejects(within(read, "the read to fail"), CorruptedFrameError);
    const close = await peer.nextOf("close");
    assert.equal(close.code, 1002);
    await peer.ended;
    assert.equal(client.isOpen(), false);
    await assert.rejects(client.writeTextMessage("after"), ConnectionClosureError);
  } finally {
    await server.close();
  }
});

test("client wire: pings and the server's close are handled while no read is pending", async () => {
  const { server, client, peer } = await openPair();
  try {
    peer.write(serverFrame(Opcode.Ping, "are you there"));
    assert.deepEqual((await peer.nextOf("pong")).data, text("are you there"));
    peer.write(serverFrame(Opcode.Pong, "unsolicited"));
    peer.write(serverFrame(Opcode.Text, "queued"));
    peer.write(serverFrame(Opcode.Close, Uint8Array.of(0x03, 0xe9, ...text("bye"))));
    const echo = await peer.nextOf("close");
    assert.equal(echo.code, 1001);
    assert.equal(await within(client.readTextMessage(), "the queued message"), "queued");
    await assert.rejects(client.readTextMessage(), /bye: Status code: 1001/);
    await assert.rejects(client.readTextMessage(), /Connection already closed/);
    peer.destroy();
  } finally {
    await server.close();
  }
});

test("client wire: reads that wait together get the messages in the order they were made", async () => {
  const { server, client, peer } = await openPair();
  try {
    const reads = [client.readTextMessage(), client.readTextMessage(), client.readTextMessage()];
    peer.write(concatBytes(serverFrame(Opcode.Text, "one"), serverFrame(Opcode.Text, "two")));
    peer.write(serverFrame(Opcode.Text, "three"));
    assert.deepEqual(await within(Promise.all(reads), "three messages"), ["one", "two", "three"]);
    peer.write(serverFrame(Opcode.Text, "four"));
    assert.equal(await within(client.readTextMessage(), "the fourth message"), "four");
    peer.destroy();
  } finally {
    await server.close();
  }
});

test("client wire: a close the server never answers is dropped after the timeout", async () => {
  const { server, client, peer } = await openPair();
  try {
    const closing = client.close(1000, "bye", 0.1);
    const frame = await peer.nextOf("close");
    assert.deepEqual([frame.code, frame.reason], [1000, "bye"]);
    await assert.rejects(within(closing, "the close to give up"), /no close frame from the peer/);
    await peer.ended;
  } finally {
    await server.close();
  }
});

test("client wire: bad URLs and configuration fail before any connection is tried", async () => {
  const server = await RawServer.start();
  try {
    const url = server.url;
    const cases: [string, ClientConfiguration, RegExp][] = [
      ["http://127.0.0.1/", {}, /ws: or wss:/],
      ["not a url", {}, /not a valid URL/],
      [`${url}/#frag`, {}, /fragment/],
      [url, { customHeaders: { "x-evil": "a\r\nInjected: 1" } }, /control character/],
      [url, { customHeaders: { "bad name": "x" } }, /not a header name/],
      [url, { customHeaders: { "Sec-WebSocket-Key": "x" } }, /handshake sets it/],
      [url, { cookies: [{ name: "a", value: "b;c" }] }, /not a valid cookie/],
      [url, { subProtocols: ["has space"] }, /HTTP tokens/],
      [url, { readTimeout: Number.NaN }, /readTimeout/],
      [url, { maxFrameSize: 1.5 }, /maxFrameSize/],
      [url, { retryConfig: { backOffFactor: 0.5 } }, /backOffFactor/],
      [url, { retryConfig: { maxCount: -1 } }, /maxCount/],
      [url, { transport: "carrier-pigeon" as "frames" }, /transport/],
      [url, { secureSocket: { cert: "ca.pem" } }, /secureSocket.cert/],
      [url, { transport: "whatwg", customHeaders: { a: "b" } }, /customHeaders cannot be honoured/],
      [url, { transport: "whatwg", pingPongHandler: {} }, /pingPongHandler cannot be honoured/],
      [url, { transport: "whatwg", maxFrameSize: 10 }, /maxFrameSize cannot be honoured/],
      [
        url,
        { transport: "whatwg", webSocketCompressionEnabled: false },
        /webSocketCompressionEnabled: false cannot be honoured/,
      ],
      [url, { pingPongHandler: { onPing: 5 as unknown as () => void } }, /onPing/],
    ];
    for (const [target, config, message] of cases) {
      await assert.rejects(
        Client.connect(target, config),
        message,
        `${target} ${JSON.stringify(config)}`,
      );
    }
    assert.equal(server.accepted, 0);
  } finally {
    await server.close();
  }
});

test("client wire: the whatwg transport refuses pings and close codes it cannot send", async () => {
  const { server, client, peer } = await openPair({ transport: "whatwg" });
  try {
    await assert.rejects(client.ping(), /a ping cannot be sent by the whatwg transport/);
    await assert.rejects(client.close(1001), /close code 1001 cannot be sent/);
    await client.writeTextMessage("via the global WebSocket");
    assert.equal((await peer.nextOf("text")).data, "via the global WebSocket");
    peer.write(serverFrame(Opcode.Text, "back"));
    assert.equal(await within(client.readTextMessage(), "a message"), "back");
  } finally {
    await server.close();
  }
});

test("client wire: a client that does not read stops reading the socket, then loses nothing", async () => {
  const { server, client, peer } = await openPair();
  try {
    const count = 4096;
    const frames = [];
    for (let n = 0; n < count; n++) {
      const payload = new Uint8Array(16 * 1024).fill(n & 0xff);
      payload[0] = n >> 8;
      frames.push(serverFrame(Opcode.Binary, payload));
    }
    // 64 MiB: far more than the client's queue and the kernel's socket buffers hold.
    const flushed = peer.writeFlushed(concatBytes(...frames));
    // Nothing is read for a while. A client that kept reading the socket would take all
    // 64 MiB in well under this window; one that stopped leaves the server's write stuck.
    const windowMs = 1000;
    const early = await Promise.race([
      flushed.then(() => "flushed"),
      new Promise((resolve) => setTimeout(() => resolve("held back"), windowMs)),
    ]);
    assert.equal(early, "held back");
    for (let n = 0; n < count; n++) {
      const message = await within(client.readBinaryMessage(), `message ${n}`);
      assert.equal(message.length, 16 * 1024);
      assert.equal((message[0] << 8) | message[1], (n >> 8 << 8) | (n & 0xff));
    }
    await within(flushed, "the server's write to complete once read");
  } finally {
    await server.close();
  }
});

test("client wire: writeTimeout and writeBufferLimit hold against a server that stops reading", async () => {
  const { server, client, peer } = await openPair({
    writeTimeout: 0.2,
    writeBufferLimit: 1024 * 1024,
    maxMessageSize: 1000,
    maxFrameSize: 600,
  });
  try {
    peer.write(concatBytes(
      rawFrame({ opcode: Opcode.Text, payload: "a".repeat(600), fin: false, mask: false }),
      rawFrame({ opcode: Opcode.Continuation, payload: "b".repeat(400), mask: false }),
    ));
    assert.equal((await within(client.readTextMessage(), "a message at the limit")).length, 1000);

    peer.pauseReading();
    // More than the socket buffers take from a server that does not read.
    const stuck = client.writeBinaryMessage(new Uint8Array(32 * 1024 * 1024));
    await assert.rejects(within(stuck, "the write to time out"), /Write timed out/);
    await assert.rejects(
      within(client.writeBinaryMessage(new Uint8Array(2 * 1024 * 1024)), "the next write"),
      /write buffer limit of 1048576 bytes exceeded/,
    );
    // The client dropped the connection: it is gone for reads too.
    await assert.rejects(within(client.readTextMessage(), "the read to fail"), ConnectionError);
  } finally {
    await server.close();
  }
});

test("client wire: a message past maxMessageSize fails with 1009", async () => {
  const { server, client, peer } = await openPair({ maxMessageSize: 1000, maxFrameSize: 600 });
  try {
    const read = client.readTextMessage();
    peer.write(concatBytes(
      rawFrame({ opcode: Opcode.Text, payload: "a".repeat(600), fin: false, mask: false }),
      rawFrame({ opcode: Opcode.Continuation, payload: "b".repeat(401), mask: false }),
    ));
    await assert.rejects(within(read, "the read to fail"), PayloadTooLargeError);
    assert.equal((await peer.nextOf("close")).code, 1009);
  } finally {
    await server.close();
  }
});

test("client wire: with validation off, a schema's checks are skipped", async () => {
  const { server, client, peer } = await openPair({ validation: false });
  try {
    const refusesAll = {
      "~standard": {
        version: 1 as const,
        vendor: "test",
        validate: () => ({ issues: [{ message: "never valid" }] }),
      },
    };
    peer.write(serverFrame(Opcode.Text, '{"raw":true}'));
    assert.deepEqual(await within(client.readMessage(refusesAll), "unchecked JSON"), { raw: true });
  } finally {
    await server.close();
  }
});
