import { test } from "node:test";
import assert from "node:assert/strict";
import { DOMParser } from "@xmldom/xmldom";
import { Signal } from "../dispatch/signal.ts";
import {
  type Caller,
  CloseFrame,
  ConnectionClosureError,
  GoingAway,
  InternalServerError,
  InvalidPayload,
  MessageTooBig,
  NormalClosure,
  Opcode,
  PolicyViolation,
  ProtocolError,
  type Service,
  UnsupportedData,
} from "../mod.ts";
import {
  clientClose,
  clientFrame,
  Collector,
  deferred,
  ENGINES,
  expectClose,
  RawPeer,
  serve,
  type WireEvent,
  within,
} from "./net-support.ts";

const utf8 = (value: string) => new TextEncoder().encode(value);
const textOf = (data: Uint8Array) => new TextDecoder().decode(data);

for (const engine of ENGINES) {
  const controls = engine !== "deno";

  test(`${engine}: strings, bytes, XML and data go back as text, binary, XML text and JSON, from returns and writeMessage`, async () => {
    const document = new DOMParser().parseFromString("<ok a='1'/>", "text/xml");
    const replies: Record<string, unknown> = {
      string: "plain",
      uint8: Uint8Array.of(1, 2, 3),
      buffer: Uint8Array.of(4, 5).buffer,
      view: new DataView(Uint8Array.of(9, 8, 7, 6).buffer, 1, 2),
      xml: document,
      element: document.documentElement,
      object: { n: 1, nested: { ok: true } },
      // Shaped like a node, but it has no markup of its own: plain data.
      nodeLike: { nodeType: 1, nodeName: "a" },
      array: [1, "two", null],
      number: 42,
      nothing: undefined,
    };
    const listener = await serve(engine, "/ws", {
      onOpen: (caller: Caller) => caller.writeMessage(document),
      onTextMessage: (_caller: Caller, name: string) => replies[name],
    });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      for (const name of Object.keys(replies)) client.write(clientFrame(Opcode.Text, name));
      client.write(clientFrame(Opcode.Text, "string"));
      const expected: WireEvent[] = [
        { type: "text", data: '<ok a="1"/>' },
        { type: "text", data: "plain" },
        { type: "binary", data: Uint8Array.of(1, 2, 3) },
        { type: "binary", data: Uint8Array.of(4, 5) },
        { type: "binary", data: Uint8Array.of(8, 7) },
        { type: "text", data: '<ok a="1"/>' },
        { type: "text", data: '<ok a="1"/>' },
        { type: "text", data: '{"n":1,"nested":{"ok":true}}' },
        { type: "text", data: '{"nodeType":1,"nodeName":"a"}' },
        { type: "text", data: '[1,"two",null]' },
        { type: "text", data: "42" },
        // "nothing" sends nothing: the next reply is the second "plain".
        { type: "text", data: "plain" },
      ];
      for (const event of expected) assert.deepEqual(await client.next(), event);
      client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: a returned iterable or async iterable sends one message per element, in order`, async () => {
    const streams: Record<string, () => unknown> = {
      *generator() {
        yield "one";
        yield utf8("two");
        yield { three: 3 };
      },
      async *asyncGenerator() {
        for (let i = 0; i < 3; i++) {
          await Promise.resolve();
          yield { i };
        }
      },
      set: () => new Set(["a", "b"]),
      readable: () =>
        new ReadableStream({
          start(controller) {
            controller.enqueue("r1");
            controller.enqueue("r2");
            controller.close();
          },
        }),
      promises: () => [Promise.resolve("p1"), Promise.resolve("p2")].values(),
    };
    const listener = await serve(engine, "/ws", {
      onTextMessage: (_caller: Caller, name: string) => streams[name]?.() ?? `after ${name}`,
    });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      for (const name of [...Object.keys(streams), "all"]) {
        client.write(clientFrame(Opcode.Text, name));
      }
      const events: WireEvent[] = [];
      for (let i = 0; i < 13; i++) events.push(await client.next());
      assert.deepEqual(events, [
        { type: "text", data: "one" },
        { type: "binary", data: utf8("two") },
        { type: "text", data: '{"three":3}' },
        { type: "text", data: '{"i":0}' },
        { type: "text", data: '{"i":1}' },
        { type: "text", data: '{"i":2}' },
        { type: "text", data: "a" },
        { type: "text", data: "b" },
        { type: "text", data: "r1" },
        { type: "text", data: "r2" },
        { type: "text", data: "p1" },
        { type: "text", data: "p2" },
        { type: "text", data: "after all" },
      ]);
      client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: a close frame in a stream closes and ends the stream; an error element reaches onError`, async () => {
    const cleanedUp = deferred();
    const errors = new Collector<Error>();
    const listener = await serve(engine, "/ws", {
      async *onTextMessage() {
        try {
          yield "first";
          yield new Error("a returned error does not stop the stream");
          yield "second";
          yield new CloseFrame(4100, "stream done");
          yield "never sent";
        } finally {
          cleanedUp.resolve();
        }
      },
      onError: (_caller: Caller, error: Error) => errors.push(error),
    });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      client.write(clientFrame(Opcode.Text, "go"));
      assert.deepEqual(await client.next(), { type: "text", data: "first" });
      assert.deepEqual(await client.next(), { type: "text", data: "second" });
      await expectClose(client, 4100, "stream done");
      await within(cleanedUp.promise, "the generator's finally block");
      const [error] = await errors.reach(1, "onError");
      assert.equal(error.message, "a returned error does not stop the stream");
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: a stream that throws closes 1011 "streaming failed: <msg>" and reaches onError`, async () => {
    const errors = new Collector<Error>();
    const listener = await serve(engine, "/ws", {
      async *onTextMessage() {
        yield "partial";
        throw new Error("feed went away");
      },
      onError: (_caller: Caller, error: Error) => errors.push(error),
    });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      client.write(clientFrame(Opcode.Text, "go"));
      assert.deepEqual(await client.next(), { type: "text", data: "partial" });
      await expectClose(client, 1011, "streaming failed: feed went away");
      const [error] = await errors.reach(1, "onError");
      assert.equal(error.message, "feed went away");
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: pings are answered while a stream waits, and a close from the peer ends it`, async () => {
    const gate = deferred();
    const pings = new Collector<string>();
    const service: Service = {
      async *onTextMessage() {
        yield "before";
        await gate.promise;
        yield "after";
        await new Promise(() => {});
      },
    };
    if (controls) {
      service.onPing = (_caller: Caller, data: Uint8Array) => {
        pings.push(textOf(data));
        return utf8(`service:${textOf(data)}`);
      };
    }
    const listener = await serve(engine, "/ws", service);
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      client.write(clientFrame(Opcode.Text, "go"));
      assert.deepEqual(await client.next(), { type: "text", data: "before" });
      client.write(clientFrame(Opcode.Ping, "mid-stream"));
      const pong = await client.nextOf("pong");
      // Bun's and Deno's runtimes answer every ping themselves, before any service could.
      const answer = engine === "frames" ? "service:mid-stream" : "mid-stream";
      assert.equal(textOf(pong.data), answer);
      if (controls) assert.deepEqual(await pings.reach(1, "onPing"), ["mid-stream"]);
      gate.resolve();
      assert.deepEqual(await client.nextOf("text"), { type: "text", data: "after" });
      // The stream now waits forever; the peer's close must still be answered.
      client.write(clientClose(1000, "enough"));
      const close = await client.nextOf("close");
      assert.equal(close.code, 1000);
      await client.ended;
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: a returned close frame closes with its code and reason, predefined or custom`, async () => {
    const frames = [
      NormalClosure,
      GoingAway,
      ProtocolError,
      UnsupportedData,
      InvalidPayload,
      PolicyViolation,
      MessageTooBig,
      InternalServerError,
      new CloseFrame(4321, "custom"),
    ];
    const listener = await serve(engine, "/ws", {
      onTextMessage: (_caller: Caller, index: string) => frames[Number(index)],
    });
    try {
      for (const [index, frame] of frames.entries()) {
        const { client } = await RawPeer.upgrade(listener.port, "/ws");
        client.write(clientFrame(Opcode.Text, String(index)));
        await expectClose(client, frame.status, frame.reason);
      }
    } finally {
      await listener.immediateStop();
    }
  });

  // uWS reports the connection closed as soon as its close frame is out, so only the other
  // engines can see a peer that never answers.
  if (engine !== "bun") {
    test(`${engine}: a returned close frame waits connectionClosureTimeout for the reply`, async () => {
      const errors = new Collector<Error>();
      const listener = await serve(engine, "/ws", {
        onTextMessage: () => PolicyViolation,
        onError: (_caller: Caller, error: Error) => errors.push(error),
      }, { connectionClosureTimeout: 1 });
      try {
        const { client } = await RawPeer.upgrade(listener.port, "/ws");
        client.write(clientFrame(Opcode.Text, "close please"));
        assert.equal((await client.nextOf("close")).code, 1008);
        const started = Date.now();
        const [error] = await errors.reach(1, "onError");
        assert.ok(error instanceof ConnectionClosureError);
        assert.ok(Date.now() - started >= 900, "gave up before the closure timeout");
        // The web API under the deno engine cannot drop a connection; the frames engine does.
        if (engine === "frames") await client.ended;
        client.destroy();
      } finally {
        await listener.immediateStop();
      }
    });
  }

  test(`${engine}: a message followed at once by a close is answered before the close is echoed`, async () => {
    const listener = await serve(engine, "/ws", {
      onTextMessage: (_caller: Caller, text: string) => [text.length],
    });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      const message = clientFrame(Opcode.Text, "last words");
      const close = clientClose(1000, "bye");
      const both = new Uint8Array(message.length + close.length);
      both.set(message);
      both.set(close, message.length);
      client.write(both);
      assert.deepEqual(await client.next(), { type: "text", data: "[10]" });
      assert.equal((await client.next()).type, "close");
      await client.ended;
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: a returned error reaches onError and reading goes on`, async () => {
    const errors = new Collector<Error>();
    const listener = await serve(engine, "/ws", {
      onTextMessage: (_caller: Caller, text: string) =>
        text === "fail" ? new RangeError("not that one") : `ok ${text}`,
      onError: (_caller: Caller, error: Error) => errors.push(error),
    });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      client.write(clientFrame(Opcode.Text, "fail"));
      client.write(clientFrame(Opcode.Text, "next"));
      assert.deepEqual(await client.next(), { type: "text", data: "ok next" });
      const [error] = await errors.reach(1, "onError");
      assert.ok(error instanceof RangeError);
      client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: onIdleTimeout's replies are ignored unless they are a close frame`, async () => {
    let idle = 0;
    const listener = await serve(engine, "/ws", {
      onIdleTimeout: () => ++idle === 1 ? "ignored" : new CloseFrame(4000, "idle"),
    }, { idleTimeout: 0.2 });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      // The first period's "ignored" sends nothing; the second period's close frame closes.
      await expectClose(client, 4000, "idle");
      assert.equal(idle, 2);
    } finally {
      await listener.immediateStop();
    }
  });
}

/** Splits unmasked server frames with 7-bit lengths into their parts. */
function frameParts(bytes: Uint8Array): { fin: boolean; opcode: number; payload: Uint8Array }[] {
  const parts = [];
  for (let at = 0; at < bytes.length;) {
    const length = bytes[at + 1] & 0x7f;
    assert.ok(length < 126, "only short frames are expected here");
    parts.push({
      fin: (bytes[at] & 0x80) !== 0,
      opcode: bytes[at] & 0x0f,
      payload: bytes.slice(at + 2, at + 2 + length),
    });
    at += 2 + length;
  }
  return parts;
}

// The bun and deno engines hand each message to the runtime, which sends it in one frame.
test("frames: replies larger than maxFrameSize go out in continuation frames, never splitting a character", async () => {
  const listener = await serve("frames", "/ws", {
    onTextMessage: () => "ab€cdef",
    onBinaryMessage: () => Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9),
  }, { maxFrameSize: 4 });
  try {
    const { client } = await RawPeer.upgrade(listener.port, "/ws");
    client.write(clientFrame(Opcode.Text, "t"));
    client.write(clientFrame(Opcode.Binary, Uint8Array.of(0)));
    assert.deepEqual(await client.next(), { type: "text", data: "ab€cdef" });
    assert.deepEqual(await client.next(), {
      type: "binary",
      data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9),
    });
    const parts = frameParts(client.frameBytes).map(({ fin, opcode, payload }) => ({
      fin,
      opcode,
      payload: [...payload],
    }));
    assert.deepEqual(parts, [
      { fin: false, opcode: Opcode.Text, payload: [...utf8("ab")] },
      { fin: false, opcode: Opcode.Continuation, payload: [...utf8("€c")] },
      { fin: true, opcode: Opcode.Continuation, payload: [...utf8("def")] },
      { fin: false, opcode: Opcode.Binary, payload: [1, 2, 3, 4] },
      { fin: false, opcode: Opcode.Continuation, payload: [5, 6, 7, 8] },
      { fin: true, opcode: Opcode.Continuation, payload: [9] },
    ]);
    client.destroy();
  } finally {
    await listener.immediateStop();
  }
});

test("signal: its promise settles on fire, whether asked for before or after", async () => {
  const early = new Signal();
  const waiting = early.promise;
  let settled = false;
  waiting.then(() => settled = true);
  await Promise.resolve();
  assert.equal(settled, false);
  early.fire();
  await waiting;
  assert.equal(early.fired, true);
  const late = new Signal();
  late.fire();
  late.fire();
  await late.promise;
  assert.equal(late.fired, true);
  const madeAfter = new Signal(true);
  assert.equal(madeAfter.fired, true);
  await madeAfter.promise;
});

/**
 * Whether a reply of the 16 KiB `data` went out from the memory it arrived in: the reply's
 * header (0x82, 126 and the length) then lies over the end of the client's header in front of it.
 */
function repliedInPlace(data: Uint8Array): boolean {
  return data.byteOffset >= 4 &&
    new Uint8Array(data.buffer, data.byteOffset - 4, 4).join() === [0x82, 126, 0x40, 0].join();
}

test("frames: a payload sent back as it arrived goes out from the memory it arrived in", async () => {
  const payload = Uint8Array.from({ length: 16 * 1024 }, (_, i) => (i * 7) & 0xff);
  const inPlace: boolean[] = [];
  const listener = await serve("frames", "/ws", {
    onBinaryMessage: async (caller: Caller, data: Uint8Array) => {
      await caller.writeBinaryMessage(data);
      inPlace.push(repliedInPlace(data));
      // The room was used: these go out from copies, and say the same.
      await caller.writeBinaryMessage(data);
      return data;
    },
  });
  try {
    const { client } = await RawPeer.upgrade(listener.port, "/ws");
    for (let message = 0; message < 6; message++) {
      client.write(clientFrame(Opcode.Binary, payload));
      for (let reply = 0; reply < 3; reply++) {
        assert.deepEqual(await client.next(), { type: "binary", data: payload });
      }
    }
    // The first messages arrive in pieces while the Deno socket's read buffer grows to 64 KiB.
    assert.deepEqual(inPlace.slice(-3), [true, true, true]);
    client.destroy();
  } finally {
    await listener.immediateStop();
  }
});

test("frames: a payload relayed to another connection goes out from the memory it arrived in", async () => {
  const payload = Uint8Array.from({ length: 16 * 1024 }, (_, i) => (i * 5) & 0xff);
  const inPlace: boolean[] = [];
  const callers: Caller[] = [];
  const bothOpen = deferred();
  const listener = await serve("frames", "/ws", {
    onOpen: (caller: Caller) => {
      if (callers.push(caller) === 2) bothOpen.resolve();
    },
    onBinaryMessage: async (caller: Caller, data: Uint8Array) => {
      for (const other of callers) if (other !== caller) await other.writeBinaryMessage(data);
      inPlace.push(repliedInPlace(data));
    },
  });
  try {
    const sender = (await RawPeer.upgrade(listener.port, "/ws")).client;
    const receiver = (await RawPeer.upgrade(listener.port, "/ws")).client;
    await within(bothOpen.promise, "both connections to open");
    for (let message = 0; message < 6; message++) {
      sender.write(clientFrame(Opcode.Binary, payload));
      assert.deepEqual(await receiver.next(), { type: "binary", data: payload });
    }
    assert.deepEqual(inPlace.slice(-3), [true, true, true]);
    sender.destroy();
    receiver.destroy();
  } finally {
    await listener.immediateStop();
  }
});
