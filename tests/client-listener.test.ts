import { test } from "node:test";
import assert from "node:assert/strict";
import { DOMParser } from "@xmldom/xmldom";
import { z } from "zod";
import {
  type Caller,
  Client,
  ConnectionClosureError,
  PayloadBindingError,
  PayloadValidationError,
  ReadTimedOutError,
  type Service,
} from "../mod.ts";
import { Collector, deferred, ENGINES, serve, within } from "./net-support.ts";

const text = (value: string) => new TextEncoder().encode(value);
const textOf = (data: Uint8Array) => new TextDecoder().decode(data);

/** Echoes text as text and binary as binary. */
const echo: Service = {
  onTextMessage: (_caller: Caller, message: string) => message,
  onBinaryMessage: (_caller: Caller, data: Uint8Array) => data,
};

for (const engine of ENGINES) {
  const controls = engine !== "deno";

  test(`client on ${engine}: large messages written without waiting all come back intact`, async () => {
    const MiB = 1024 * 1024;
    const limits = { maxFrameSize: 4 * MiB, maxMessageSize: 4 * MiB };
    const listener = await serve(engine, "/echo", echo, limits);
    const client = await within(
      Client.connect(`ws://127.0.0.1:${listener.port}/echo`, {
        ...limits,
        webSocketCompressionEnabled: false,
      }),
      "connect",
    );
    try {
      // Sizes on both sides of where frame buffers start to be reused, several in flight at
      // once, each filled with its own bytes: a buffer reused too early would show.
      const sizes = [64 * 1024, 128 * 1024 - 20, 128 * 1024, 300_000, MiB, 3 * MiB, 200_000, MiB];
      const messages = sizes.map((size, n) => {
        const message = new Uint8Array(size);
        for (let i = 0; i < size; i += 4096) message[i] = (n * 31 + i / 4096) & 0xff;
        message[size - 1] = n;
        return message;
      });
      for (let round = 0; round < 3; round++) {
        const writes = messages.map((message) => client.writeBinaryMessage(message));
        for (const [n, message] of messages.entries()) {
          const echoed = await within(client.readBinaryMessage(), `echo ${n} of round ${round}`);
          assert.equal(echoed.length, message.length, `length of ${n}`);
          assert.ok(echoed.every((byte, i) => byte === message[i]), `bytes of ${n}`);
        }
        await within(Promise.all(writes), "the writes to settle");
      }
    } finally {
      await client.close().catch(() => {});
      await listener.immediateStop();
    }
  });

  test(`client on ${engine}: echoed 1-2 KiB messages leave the ones the service kept intact`, async () => {
    // Sizes around where the frames engine on Deno sends an echo from the memory of the
    // received copy: a reply's header written in front of one copy must not reach another.
    const sizes = [1000, 1023, 1024, 1025, 1500, 2047, 2048, 2049, 1024, 2048];
    const kept: Uint8Array[] = [];
    const listener = await serve(engine, "/echo", {
      onBinaryMessage: (_caller: Caller, data: Uint8Array) => {
        kept.push(data);
        return data;
      },
    });
    const client = await within(
      Client.connect(`ws://127.0.0.1:${listener.port}/echo`, {
        webSocketCompressionEnabled: false,
      }),
      "connect",
    );
    try {
      const messages = sizes.map((size, n) => Uint8Array.from({ length: size }, (_, i) => n + i));
      const writes = messages.map((message) => client.writeBinaryMessage(message));
      for (const [n, message] of messages.entries()) {
        assert.deepEqual(await within(client.readBinaryMessage(), `echo ${n}`), message);
      }
      await within(Promise.all(writes), "the writes to settle");
      // As plain bytes: on Bun the service's payloads are Buffers.
      assert.deepEqual(kept.map((data) => [...data]), messages.map((message) => [...message]));
    } finally {
      await client.close().catch(() => {});
      await listener.immediateStop();
    }
  });

  test(`client on ${engine}: text, bytes, JSON, XML and schemas go out and come back bound`, async () => {
    const listener = await serve(engine, "/echo", echo);
    const client = await within(
      Client.connect(`ws://127.0.0.1:${listener.port}/echo`),
      "connect",
    );
    try {
      await client.writeTextMessage("héllo");
      assert.equal(await within(client.readTextMessage(), "text"), "héllo");

      await client.writeBinaryMessage(Uint8Array.of(0, 1, 255));
      assert.deepEqual(await within(client.readBinaryMessage(), "bytes"), Uint8Array.of(0, 1, 255));

      await client.writeMessage({ user: "ada", age: 36 });
      assert.deepEqual(await within(client.readMessage("json"), "json"), { user: "ada", age: 36 });

      await client.writeMessage(new DOMParser().parseFromString("<a b='1'/>", "text/xml"));
      const xml = await within(client.readMessage("xml"), "xml");
      assert.equal(xml.documentElement?.getAttribute("b"), "1");

      const person = z.object({ user: z.string(), age: z.number().int() });
      await client.writeMessage({ user: "grace", age: 45 });
      const typed: { user: string; age: number } = await within(
        client.readMessage(person),
        "schema",
      );
      assert.deepEqual(typed, { user: "grace", age: 45 });

      await client.writeMessage({ user: "bob", age: "old" });
      await assert.rejects(client.readMessage(person), PayloadValidationError);
      await client.writeTextMessage("not json");
      await assert.rejects(client.readMessage("json"), PayloadBindingError);

      await client.writeMessage(Uint8Array.of(7));
      assert.deepEqual(await within(client.readMessage(), "untyped"), Uint8Array.of(7));
      await client.writeMessage(12);
      assert.equal(await within(client.readMessage(), "untyped"), "12");
      // A binary message read as text is decoded as UTF-8.
      await client.writeBinaryMessage(text("as text"));
      assert.equal(await within(client.readTextMessage(), "text from bytes"), "as text");
      await assert.rejects(client.readMessage("yaml" as "text"), TypeError);
      const notBytes = "text" as unknown as Uint8Array;
      await assert.rejects(client.writeBinaryMessage(notBytes), /writeBinaryMessage needs/);
      await assert.rejects(client.ping(notBytes), /ping needs/);
      await assert.rejects(client.writeTextMessage(5 as unknown as string), TypeError);
      await assert.rejects(client.writeMessage(() => {}), /cannot send function/);
    } finally {
      await client.close().catch(() => {});
      await listener.immediateStop();
    }
  });

  test(`client on ${engine}: sub-protocols, headers and cookies reach the upgrade, and the 101 is kept`, async () => {
    const seen = deferred<Request>();
    const listener = await serve(engine, "/hello", (request: Request) => {
      seen.resolve(request);
      return echo;
    }, { subProtocols: ["chat.v2", "chat.v1"] });
    const client = await within(
      Client.connect(`ws://127.0.0.1:${listener.port}/hello?room=7`, {
        subProtocols: ["chat.v1", "chat.v2"],
        customHeaders: { "x-trace": "abc 123", cookie: "ignored=1" },
        cookies: [
          { name: "short", value: "s", path: "/" },
          { name: "long", value: "l", path: "/hello" },
        ],
      }),
      "connect",
    );
    try {
      const request = await within(seen.promise, "the upgrade request");
      assert.equal(new URL(request.url).search, "?room=7");
      assert.equal(request.headers.get("x-trace"), "abc 123");
      assert.equal(request.headers.get("cookie"), "long=l; short=s");
      assert.equal(client.getNegotiatedSubProtocol(), "chat.v1");
      const response = client.getHttpResponse();
      assert.equal(response?.status, 101);
      assert.equal(response?.headers.get("sec-websocket-protocol"), "chat.v1");
      assert.equal(response?.headers.get("upgrade")?.toLowerCase(), "websocket");
      assert.match(client.getConnectionId(), /^[0-9a-f-]{36}$/);
      assert.equal(client.isSecure(), false);
      assert.equal(client.isOpen(), true);
      client.setAttribute("n", 1);
      assert.equal(client.getAttribute("n"), 1);
      assert.equal(client.removeAttribute("n"), 1);
      assert.equal(client.getAttribute("n"), undefined);
    } finally {
      await client.close().catch(() => {});
      await listener.immediateStop();
    }
  });

  test(`client on ${engine}: closing from the client, then closed for reads, writes and a second close`, async () => {
    const closes = new Collector<[number, string]>();
    const listener = await serve(engine, "/echo", {
      ...echo,
      onClose: (_caller: Caller, code: number, reason: string) => closes.push([code, reason]),
    });
    const client = await within(Client.connect(`ws://127.0.0.1:${listener.port}/echo`), "connect");
    try {
      await client.writeTextMessage("last");
      assert.equal(await within(client.readTextMessage(), "echo"), "last");
      await within(client.close(4000, "done here", 5), "close");
      assert.deepEqual(await closes.reach(1, "onClose"), [[4000, "done here"]]);
      assert.equal(client.isOpen(), false);
      await assert.rejects(client.close(), /Close frame already sent/);
      await assert.rejects(client.writeTextMessage("more"), ConnectionClosureError);
      await assert.rejects(client.readTextMessage(), ConnectionClosureError);
      await assert.rejects(client.close(999), /invalid close code 999/);
      await assert.rejects(client.close(1000, "x".repeat(124)), /at most 123 bytes/);
    } finally {
      await listener.immediateStop();
    }
  });

  test(`client on ${engine}: the server's close fails a pending read with its code and reason`, async () => {
    const serverClosed = deferred();
    const listener = await serve(engine, "/bye", {
      onTextMessage: async (caller: Caller) => {
        await caller.close(4001, "going");
        serverClosed.resolve();
      },
    });
    const client = await within(Client.connect(`ws://127.0.0.1:${listener.port}/bye`), "connect");
    try {
      const read = client.readTextMessage();
      await client.writeTextMessage("close please");
      await assert.rejects(within(read, "the read to fail"), (error: Error) => {
        assert.ok(error instanceof ConnectionClosureError);
        assert.equal(error.message, "going: Status code: 4001");
        return true;
      });
      await assert.rejects(client.readTextMessage(), /Connection already closed/);
      assert.equal(client.isOpen(), false);
      await within(serverClosed.promise, "the server's closing handshake");
    } finally {
      await listener.immediateStop();
    }
  });

  test(`client on ${engine}: for await reads every message and ends at the server's close`, async () => {
    const serverClosed = deferred();
    const listener = await serve(engine, "/count", {
      async onOpen(caller: Caller) {
        for (const n of [1, 2, 3]) await caller.writeTextMessage(String(n));
        await caller.writeBinaryMessage(Uint8Array.of(4));
        await caller.close(1000, "that is all");
        serverClosed.resolve();
      },
    });
    const client = await within(Client.connect(`ws://127.0.0.1:${listener.port}/count`), "connect");
    try {
      const received: (string | number)[] = [];
      await within(
        (async () => {
          for await (const message of client) {
            received.push(typeof message === "string" ? message : message[0]);
          }
        })(),
        "the iteration to end",
      );
      assert.deepEqual(received, ["1", "2", "3", 4]);
      await within(serverClosed.promise, "the server's closing handshake");
    } finally {
      await listener.immediateStop();
    }
  });

  test(`client on ${engine}: a read that times out leaves the next message for the next read`, async () => {
    const listener = await serve(engine, "/echo", echo);
    const client = await within(
      Client.connect(`ws://127.0.0.1:${listener.port}/echo`, { readTimeout: 0.1 }),
      "connect",
    );
    try {
      await assert.rejects(within(client.readTextMessage(), "the timeout"), ReadTimedOutError);
      await client.writeTextMessage("late");
      assert.equal(await within(client.readTextMessage(), "the next read"), "late");
    } finally {
      await client.close().catch(() => {});
      await listener.immediateStop();
    }
  });

  test(`client on ${engine}: tiny frames both ways still carry whole messages`, async () => {
    const listener = await serve(engine, "/echo", echo, { maxFrameSize: 7 });
    const client = await within(
      Client.connect(`ws://127.0.0.1:${listener.port}/echo`, {
        maxFrameSize: 7,
        webSocketCompressionEnabled: false,
      }),
      "connect",
    );
    try {
      // Bun and Deno limit whole messages to maxFrameSize, and send each as one frame.
      const message = engine === "frames" ? "fragments €€€ of one message ✓" : "a€b";
      await client.writeTextMessage(message);
      assert.equal(await within(client.readTextMessage(), "echo"), message);
    } finally {
      await client.close().catch(() => {});
      await listener.immediateStop();
    }
  });

  test(`client on ${engine}: the whatwg transport talks, binds and closes like the frames one`, async () => {
    const closes = new Collector<[number, string]>();
    const listener = await serve(engine, "/echo", {
      ...echo,
      onClose: (_caller: Caller, code: number, reason: string) => closes.push([code, reason]),
    }, { subProtocols: ["v1"] });
    const client = await within(
      Client.connect(`ws://127.0.0.1:${listener.port}/echo`, {
        transport: "whatwg",
        subProtocols: ["v1"],
        readTimeout: 2,
      }),
      "connect",
    );
    try {
      assert.equal(client.getNegotiatedSubProtocol(), "v1");
      assert.equal(client.getHttpResponse()?.status, 101);
      await client.writeMessage({ via: "whatwg" });
      assert.deepEqual(await within(client.readMessage("json"), "json"), { via: "whatwg" });
      await client.writeBinaryMessage(Uint8Array.of(1, 2));
      assert.deepEqual(await within(client.readBinaryMessage(), "bytes"), Uint8Array.of(1, 2));
      await within(client.close(4005, "whatwg bye"), "close");
      assert.deepEqual(await closes.reach(1, "onClose"), [[4005, "whatwg bye"]]);
      await assert.rejects(client.readTextMessage(), ConnectionClosureError);
    } finally {
      await listener.immediateStop();
    }
  });

  if (controls) {
    test(`client on ${engine}: pings both ways while no read is pending, answered automatically`, async () => {
      const pongs = new Collector<string>();
      const listener = await serve(engine, "/ping", {
        onTextMessage: (caller: Caller) => caller.ping(text("from server")),
        onPong: (_caller: Caller, data: Uint8Array) => pongs.push(textOf(data)),
      });
      const clientPongs = new Collector<string>();
      const client = await within(
        Client.connect(`ws://127.0.0.1:${listener.port}/ping`, {
          pingPongHandler: { onPong: (_client, data) => clientPongs.push(textOf(data)) },
        }),
        "connect",
      );
      try {
        await client.writeTextMessage("ping me");
        assert.deepEqual(await pongs.reach(1, "the automatic pong"), ["from server"]);
        await client.ping(text("from client"));
        assert.deepEqual(await clientPongs.reach(1, "the server's pong"), ["from client"]);
      } finally {
        await client.close().catch(() => {});
        await listener.immediateStop();
      }
    });

    test(`client on ${engine}: onPing answers pings with the bytes it returns`, async () => {
      const pongs = new Collector<string>();
      const listener = await serve(engine, "/ping", {
        onOpen: (caller: Caller) => caller.ping(text("abc")),
        onPong: (_caller: Caller, data: Uint8Array) => pongs.push(textOf(data)),
      });
      const pings = new Collector<string>();
      const client = await within(
        Client.connect(`ws://127.0.0.1:${listener.port}/ping`, {
          pingPongHandler: {
            onPing: (_client, data) => {
              pings.push(textOf(data));
              return text(`re:${textOf(data)}`);
            },
          },
        }),
        "connect",
      );
      try {
        assert.deepEqual(await pings.reach(1, "onPing"), ["abc"]);
        assert.deepEqual(await pongs.reach(1, "the chosen pong"), ["re:abc"]);
      } finally {
        await client.close().catch(() => {});
        await listener.immediateStop();
      }
    });

    test(`client on ${engine}: permessage-deflate is offered by default and can be turned off`, async () => {
      const listener = await serve(engine, "/echo", echo);
      const url = `ws://127.0.0.1:${listener.port}/echo`;
      const compressed = await within(Client.connect(url), "connect");
      const plain = await within(
        Client.connect(url, { webSocketCompressionEnabled: false }),
        "connect",
      );
      try {
        const extensions = compressed.getHttpResponse()?.headers.get("sec-websocket-extensions");
        assert.match(extensions ?? "", /^permessage-deflate/);
        assert.equal(plain.getHttpResponse()?.headers.get("sec-websocket-extensions"), null);
        // Within 64 KiB: Bun's engine limits whole messages to maxFrameSize.
        const big = "compress me ".repeat(5_000);
        for (const client of [compressed, plain]) {
          for (let i = 0; i < 3; i++) {
            await client.writeTextMessage(big + i);
            assert.equal(await within(client.readTextMessage(), "echo"), big + i);
          }
        }
      } finally {
        await compressed.close().catch(() => {});
        await plain.close().catch(() => {});
        await listener.immediateStop();
      }
    });
  }
}
