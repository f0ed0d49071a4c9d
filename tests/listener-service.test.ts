import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type Caller,
  CloseFrame,
  ConnectionClosureError,
  ConnectionError,
  Opcode,
  PayloadTooLargeError,
  type Service,
} from "../mod.ts";
import {
  clientClose,
  clientFrame,
  Collector,
  deferred,
  ENGINES,
  expectClose,
  openWebSocket,
  RawPeer,
  serve,
  within,
} from "./net-support.ts";

const text = (value: string) => new TextEncoder().encode(value);

for (const engine of ENGINES) {
  const controls = engine !== "deno";

  test(`${engine}: runs onOpen first, then each message in order, one at a time`, async () => {
    const log: string[] = [];
    let active = 0;
    const listener = await serve(engine, "/ws", () => ({
      onOpen: () => void log.push("open"),
      async onTextMessage(_caller: Caller, data: string) {
        assert.equal(++active, 1, "two messages were handled at once");
        // Later messages take fewer turns, so a dispatcher that overlapped would reorder.
        for (let i = 0; i < 20 - Number(data); i++) await Promise.resolve();
        log.push(`text ${data}`);
        active--;
        return data === "9" ? "done" : undefined;
      },
      onBinaryMessage: (_caller: Caller, data: Uint8Array) =>
        void log.push(`binary ${data.length}`),
    }));
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      for (let i = 0; i < 10; i++) {
        client.write(clientFrame(Opcode.Text, String(i)));
        if (i === 4) client.write(clientFrame(Opcode.Binary, new Uint8Array(3)));
      }
      assert.deepEqual(await client.next(), { type: "text", data: "done" });
      assert.deepEqual(log, [
        "open",
        ...["0", "1", "2", "3", "4"].map((n) => `text ${n}`),
        "binary 3",
        ...["5", "6", "7", "8", "9"].map((n) => `text ${n}`),
      ]);
      client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: return values become messages and a close frame closes`, async () => {
    const listener = await serve(engine, "/ws", () => ({
      onTextMessage(_caller: Caller, data: string) {
        switch (data) {
          case "string":
            return "a string";
          case "bytes":
            return new Uint16Array([0x0102]);
          case "json":
            return { a: [1, true, null] };
          case "close":
            return new CloseFrame(4001, "asked to close");
        }
      },
    }));
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      for (const request of ["string", "bytes", "json", "nothing", "close"]) {
        client.write(clientFrame(Opcode.Text, request));
      }
      assert.deepEqual(await client.next(), { type: "text", data: "a string" });
      const bytes = await client.next();
      assert.equal(bytes.type, "binary");
      assert.equal((bytes as { data: Uint8Array }).data.length, 2);
      assert.deepEqual(await client.next(), { type: "text", data: '{"a":[1,true,null]}' });
      await expectClose(client, 4001, "asked to close");
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: onClose runs with the peer's code and reason, then the code is echoed`, async () => {
    const calls = new Collector<[number, string]>();
    const listener = await serve(engine, "/ws", () => ({
      onClose: (_caller: Caller, code: number, reason: string) => calls.push([code, reason]),
    }));
    try {
      const withCode = await RawPeer.upgrade(listener.port, "/ws");
      withCode.client.write(clientClose(4321, "see you"));
      const echo = await withCode.client.next();
      // Bun and Deno echo natively, reason included; the frames engine echoes the code alone.
      assert.deepEqual(echo, {
        type: "close",
        code: 4321,
        reason: engine === "frames" ? "" : "see you",
      });
      await withCode.client.ended;
      const withoutCode = await RawPeer.upgrade(listener.port, "/ws");
      withoutCode.client.write(clientFrame(Opcode.Close));
      assert.deepEqual(await withoutCode.client.next(), { type: "close", code: 1005, reason: "" });
      await withoutCode.client.ended;
      assert.deepEqual(await calls.reach(2, "onClose twice"), [[4321, "see you"], [1005, ""]]);
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: pings are answered with the same payload when the service has no onPing`, async () => {
    const listener = await serve(engine, "/ws", () => ({}));
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      for (const payload of ["", "abc", "x".repeat(125)]) {
        client.write(clientFrame(Opcode.Ping, payload));
        const pong = await client.next();
        assert.equal(pong.type, "pong");
        assert.equal(new TextDecoder().decode((pong as { data: Uint8Array }).data), payload);
      }
      client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: a throwing method closes only its connection with 1011 and reaches onError`, async () => {
    const errors = new Collector<unknown>();
    const listener = await serve(engine, "/ws", () => ({
      onTextMessage(_caller: Caller, data: string) {
        if (data === "boom") throw new Error("handler exploded");
        if (data === "later") return Promise.reject(new Error("promise rejected"));
        return data;
      },
      onError: (_caller: Caller, error: Error) => errors.push(error),
    }));
    try {
      const healthy = await RawPeer.upgrade(listener.port, "/ws");
      const failing = await RawPeer.upgrade(listener.port, "/ws");
      failing.client.write(clientFrame(Opcode.Text, "boom"));
      const close = await failing.client.next();
      assert.deepEqual(close, { type: "close", code: 1011, reason: "Internal server error" });
      failing.client.write(clientClose(1011));
      await failing.client.ended;
      assert.equal(((await errors.reach(1, "onError"))[0] as Error).message, "handler exploded");
      const rejecting = await RawPeer.upgrade(listener.port, "/ws");
      rejecting.client.write(clientFrame(Opcode.Text, "later"));
      assert.equal(((await rejecting.client.next()) as { code: number }).code, 1011);
      const both = await errors.reach(2, "onError again");
      assert.equal((both[1] as Error).message, "promise rejected");
      rejecting.client.destroy();
      healthy.client.write(clientFrame(Opcode.Text, "still here"));
      assert.deepEqual(await healthy.client.next(), { type: "text", data: "still here" });
      healthy.client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: Caller writes, identity and attributes`, async () => {
    const seen = deferred<Record<string, unknown>>();
    const ids: string[] = [];
    const listener = await serve(engine, "/ws", () => ({
      async onOpen(caller: Caller) {
        ids.push(caller.getConnectionId());
        caller.setAttribute("user", "ana");
        await caller.writeTextMessage("text");
        const backing = new Uint8Array([9, 1, 2, 3, 9]);
        await caller.writeBinaryMessage(new DataView(backing.buffer, 1, 3));
        await caller.writeMessage({ n: 1 });
        await caller.writeMessage("plain");
        seen.resolve({
          user: caller.getAttribute("user"),
          removed: caller.removeAttribute("user"),
          after: caller.getAttribute("user"),
          secure: caller.isSecure(),
          open: caller.isOpen(),
          protocol: caller.getNegotiatedSubProtocol(),
        });
      },
    }));
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      const second = await RawPeer.upgrade(listener.port, "/ws");
      assert.deepEqual(await client.next(), { type: "text", data: "text" });
      const binary = await client.next();
      assert.deepEqual([...(binary as { data: Uint8Array }).data], [1, 2, 3]);
      assert.deepEqual(await client.next(), { type: "text", data: '{"n":1}' });
      assert.deepEqual(await client.next(), { type: "text", data: "plain" });
      assert.deepEqual(await within(seen.promise, "onOpen"), {
        user: "ana",
        removed: "ana",
        after: undefined,
        secure: false,
        open: true,
        protocol: undefined,
      });
      await second.client.next();
      assert.equal(ids.length, 2);
      assert.notEqual(ids[0], ids[1]);
      client.destroy();
      second.client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: caller.close waits for the peer's close and refuses misuse`, async () => {
    const outcome = deferred<string[]>();
    const listener = await serve(engine, "/ws", () => ({
      async onTextMessage(caller: Caller) {
        const results: string[] = [];
        const note = (label: string) => (error: Error) =>
          results.push(`${label}: ${error.constructor.name} ${error.message}`);
        await caller.close(1005).catch(note("1005"));
        await caller.close(2000).catch(note("2000"));
        const closing = caller.close(4000, "done", 5);
        await caller.close().catch(note("again"));
        await caller.writeTextMessage("late").catch(note("write"));
        results.push(`open ${caller.isOpen()}`);
        await closing;
        results.push("closed");
        outcome.resolve(results);
      },
    }));
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      client.write(clientFrame(Opcode.Text, "go"));
      assert.deepEqual(await client.next(), { type: "close", code: 4000, reason: "done" });
      client.write(clientClose(4000));
      const results = await within(outcome.promise, "the close to finish");
      assert.deepEqual(results, [
        "1005: ConnectionClosureError invalid close code 1005: use 1000-1003, 1007-1011 or 3000-4999",
        "2000: ConnectionClosureError invalid close code 2000: use 1000-1003, 1007-1011 or 3000-4999",
        "again: ConnectionClosureError Close frame already sent",
        "write: ConnectionClosureError Connection already closed",
        "open false",
        "closed",
      ]);
      await client.ended;
    } finally {
      await listener.immediateStop();
    }
  });

  // uWS reports a connection closed as soon as Bun sends its close frame, so whether the
  // peer answered cannot be observed on the bun engine.
  if (engine !== "bun") {
    test(`${engine}: caller.close fails with ConnectionClosureError when the peer never answers`, async () => {
      const failure = deferred<unknown>();
      const listener = await serve(engine, "/ws", () => ({
        onTextMessage: (caller: Caller) => caller.close(1000, "", 0.2).catch(failure.resolve),
      }));
      try {
        const { client } = await RawPeer.upgrade(listener.port, "/ws");
        client.write(clientFrame(Opcode.Text, "close please"));
        assert.deepEqual(await client.next(), { type: "close", code: 1000, reason: "" });
        const error = await within(failure.promise, "the close to give up");
        assert.ok(error instanceof ConnectionClosureError);
        assert.match((error as Error).message, /no close frame from the peer within 0.2 s/);
        if (engine !== "deno") await client.ended;
        client.destroy();
      } finally {
        await listener.immediateStop();
      }
    });
  }

  test(`${engine}: onIdleTimeout fires after each idle period without closing`, async () => {
    const listener = await serve(engine, "/ws", () => ({
      onIdleTimeout: (caller: Caller) => caller.writeTextMessage("idle"),
      onTextMessage: (_caller: Caller, data: string) => data,
    }), { idleTimeout: 0.2 });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      assert.deepEqual(await client.next(), { type: "text", data: "idle" });
      assert.deepEqual(await client.next(), { type: "text", data: "idle" });
      client.write(clientFrame(Opcode.Text, "awake"));
      assert.deepEqual(await client.next(), { type: "text", data: "awake" });
      assert.deepEqual(await client.next(), { type: "text", data: "idle" });
      assert.equal(client.isEnded, false);
      client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: a message over maxFrameSize closes 1009 and reaches onError`, async () => {
    const errors = new Collector<unknown>();
    const listener = await serve(engine, "/ws", () => ({
      onBinaryMessage: (_caller: Caller, data: Uint8Array) => data,
      onError: (_caller: Caller, error: Error) => errors.push(error),
    }), { maxFrameSize: 1000 });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      client.write(clientFrame(Opcode.Binary, new Uint8Array(1000)));
      assert.equal((await client.next()).type, "binary");
      client.write(clientFrame(Opcode.Binary, new Uint8Array(1001)));
      const close = await client.next();
      assert.equal(close.type, "close");
      assert.equal((close as { code: number }).code, 1009);
      if (engine !== "bun") {
        const [error] = await errors.reach(1, "onError");
        assert.ok(error instanceof PayloadTooLargeError);
      }
      client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: a maxFrameSize of 0 or less means 65536`, async () => {
    const listener = await serve(engine, "/ws", () => ({
      onBinaryMessage: (_caller: Caller, data: Uint8Array) => data,
    }), { maxFrameSize: -1 });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      client.write(clientFrame(Opcode.Binary, new Uint8Array(65536)));
      assert.equal((await client.next()).type, "binary");
      client.write(clientFrame(Opcode.Binary, new Uint8Array(65537)));
      assert.equal(((await client.nextOf("close")) as { code: number }).code, 1009);
      client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: gracefulStop sends 1001 to every connection and stops listening`, async () => {
    const listener = await serve(engine, "/ws", () => ({}));
    const port = listener.port;
    const first = await RawPeer.upgrade(port, "/ws");
    const second = await openWebSocket(`ws://127.0.0.1:${port}/ws`);
    const secondClosed = new Promise<number>((resolve) => second.onclose = (e) => resolve(e.code));
    const stopping = listener.gracefulStop(5);
    assert.deepEqual(await first.client.next(), { type: "close", code: 1001, reason: "" });
    first.client.write(clientClose(1001));
    await within(stopping, "gracefulStop");
    assert.equal(await within(secondClosed, "the web client's close"), 1001);
    await assert.rejects(RawPeer.connect(port));
  });

  test(`${engine}: immediateStop drops every connection at once`, async () => {
    const listener = await serve(engine, "/ws", () => ({}));
    const { client } = await RawPeer.upgrade(listener.port, "/ws");
    await listener.immediateStop();
    if (engine !== "deno") {
      await client.ended;
      assert.ok(client.isEnded);
    } else {
      // Deno's web socket API can only close politely; the close frame comes at once.
      assert.equal((await client.next()).type, "close");
      client.destroy();
    }
  });

  test(`${engine}: a peer that stops reading cannot make the server buffer without bound`, async () => {
    const failure = deferred<unknown>();
    const listener = await serve(engine, "/ws", () => ({
      async onOpen(caller: Caller) {
        const chunk = new Uint8Array(256 * 1024);
        try {
          for (let i = 0; i < 4096; i++) caller.writeBinaryMessage(chunk).catch(failure.resolve);
          await caller.writeBinaryMessage(chunk);
        } catch (error) {
          failure.resolve(error);
        }
      },
    }), { writeBufferLimit: 1024 * 1024 });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      client.pauseReading();
      const error = await within(failure.promise, "the write buffer limit");
      assert.ok(error instanceof ConnectionError);
      assert.match((error as Error).message, /write buffer limit of 1048576 bytes exceeded/);
      client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  if (controls) {
    test(`${engine}: onPing answers with what it returns, onPong and caller.ping reach the wire`, async () => {
      const pongs = new Collector<string>();
      const listener = await serve(engine, "/ws", () => ({
        onOpen: (caller: Caller) => caller.ping(text("server ping")),
        onPing: (_caller: Caller, data: Uint8Array) => text(`re:${new TextDecoder().decode(data)}`),
        onPong: (_caller: Caller, data: Uint8Array) => pongs.push(new TextDecoder().decode(data)),
      } as Service));
      try {
        const { client } = await RawPeer.upgrade(listener.port, "/ws");
        const ping = await client.nextOf("ping");
        assert.equal(new TextDecoder().decode(ping.data), "server ping");
        client.write(clientFrame(Opcode.Pong, "client pong"));
        client.write(clientFrame(Opcode.Ping, "hello"));
        for (;;) {
          const pong = await client.nextOf("pong");
          if (new TextDecoder().decode(pong.data) === "re:hello") break;
          // Bun answers every ping natively as well; only its echo may come first.
          assert.equal(engine, "bun");
        }
        assert.deepEqual(await pongs.reach(1, "onPong"), ["client pong"]);
        client.destroy();
      } finally {
        await listener.immediateStop();
      }
    });
  } else {
    test(`${engine}: ping and pong are refused with a clear ConnectionError`, async () => {
      const outcome = deferred<unknown>();
      const listener = await serve(engine, "/ws", () => ({
        onOpen: (caller: Caller) => caller.ping().catch(outcome.resolve),
      }));
      try {
        const socket = await openWebSocket(`ws://127.0.0.1:${listener.port}/ws`);
        const error = await within(outcome.promise, "ping to fail");
        assert.ok(error instanceof ConnectionError);
        assert.match((error as Error).message, /deno engine cannot send pings/);
        socket.close();
      } finally {
        await listener.immediateStop();
      }
    });
  }
}
