import { test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import {
  type Caller,
  dispatcherMethodName,
  Opcode,
  PayloadValidationError,
  type Service,
} from "../mod.ts";
import { clientFrame, Collector, ENGINES, RawPeer, serve } from "./net-support.ts";

const event = (value: unknown) => clientFrame(Opcode.Text, JSON.stringify(value));

test("custom dispatch names methods in camelCase after 'on'", () => {
  const names: [string, string][] = [
    ["heartbeat", "onHeartbeat"],
    ["un subscribe", "onUnSubscribe"],
    ["this_ping message", "onThisPingMessage"],
    ["subscribeMessage", "onSubscribemessage"],
    ["ping", "onPing"],
    ["  JOIN--room__now ", "onJoinRoomNow"],
    ["v2 update", "onV2Update"],
  ];
  for (const [value, name] of names) assert.equal(dispatcherMethodName(value), name, value);
});

for (const engine of ENGINES) {
  test(`${engine}: text messages go to the method named by the dispatcher key's value`, async () => {
    const service: Service = {
      onHeartbeat: (_caller: Caller, data: { event: string }) => `heartbeat:${data.event}`,
      onUnSubscribe: () => "unsubscribed",
      onThisPingMessage: () => "this ping message",
      onSubscribemessage: () => "subscribemessage",
      onSubscribeMessage: () => "never: the rule lower-cases the rest of each word",
      onJoin: () => "join by name",
      onEnterRoom: () => "enter room, routed explicitly",
    };
    const listener = await serve(engine, "/ws", service, {
      dispatcherKey: "event",
      dispatcherConfig: { onEnterRoom: { value: "join" } },
    });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      const values = ["heartbeat", "un subscribe", "this_ping message", "subscribeMessage", "join"];
      for (const value of values) client.write(event({ event: value }));
      for (
        const expected of [
          "heartbeat:heartbeat",
          "unsubscribed",
          "this ping message",
          "subscribemessage",
          "enter room, routed explicitly",
        ]
      ) {
        assert.deepEqual(await client.next(), { type: "text", data: expected });
      }
      client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: unmatched values fall back to onTextMessage, then onMessage, else are dropped`, async () => {
    const listener = await serve(engine, "/text", {
      onTextMessage: (_caller: Caller, text: string) => `raw:${text}`,
      onKnown: () => "known",
    }, { dispatcherKey: "type" });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/text");
      client.write(event({ type: "unknown" }));
      client.write(clientFrame(Opcode.Text, "not json"));
      client.write(event({ other: "known" }));
      client.write(event({ type: 7 }));
      client.write(event({ type: "known" }));
      assert.deepEqual(await client.next(), { type: "text", data: 'raw:{"type":"unknown"}' });
      assert.deepEqual(await client.next(), { type: "text", data: "raw:not json" });
      assert.deepEqual(await client.next(), { type: "text", data: 'raw:{"other":"known"}' });
      assert.deepEqual(await client.next(), { type: "text", data: 'raw:{"type":7}' });
      assert.deepEqual(await client.next(), { type: "text", data: "known" });
      client.destroy();
    } finally {
      await listener.immediateStop();
    }

    const fallback = await serve(engine, "/message", {
      onMessage: (_caller: Caller, data: unknown) => ({ fallback: data }),
    }, { dispatcherKey: "type" });
    try {
      const { client } = await RawPeer.upgrade(fallback.port, "/message");
      client.write(event({ type: "close" }));
      client.write(event({ type: "open", n: 1 }));
      assert.deepEqual(await client.next(), {
        type: "text",
        data: '{"fallback":{"type":"close"}}',
      });
      assert.deepEqual(await client.next(), {
        type: "text",
        data: '{"fallback":{"type":"open","n":1}}',
      });
      client.destroy();
    } finally {
      await fallback.immediateStop();
    }

    const calls = new Collector<string>();
    const silent = await serve(engine, "/silent", {
      onKnown: () => {
        calls.push("known");
        return "known";
      },
    }, { dispatcherKey: "type" });
    try {
      const { client } = await RawPeer.upgrade(silent.port, "/silent");
      client.write(event({ type: "unknown" }));
      client.write(clientFrame(Opcode.Text, "plain text"));
      client.write(event({ type: "known" }));
      // Dropped messages send nothing, and the connection stays open for the next one.
      assert.deepEqual(await client.next(), { type: "text", data: "known" });
      assert.deepEqual(calls.items, ["known"]);
      client.destroy();
    } finally {
      await silent.immediateStop();
    }
  });

  test(`${engine}: {"event":"ping"} reaches an onPing method as data, only through custom dispatch`, async () => {
    const calls = new Collector<unknown>();
    const listener = await serve(engine, "/ws", {
      onPing: (_caller: Caller, data: unknown) => {
        calls.push(data);
        // Bytes returned for a ping frame are its pong; for a text message, a binary reply.
        return data instanceof Uint8Array ? data : new TextEncoder().encode("custom ping");
      },
    }, { dispatcherKey: "event" });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      client.write(event({ event: "ping", at: 1 }));
      assert.deepEqual(await client.next(), {
        type: "binary",
        data: new TextEncoder().encode("custom ping"),
      });
      assert.deepEqual(await calls.reach(1, "onPing"), [{ event: "ping", at: 1 }]);
      // The deno engine cannot pass ping frames to a service at all.
      if (engine !== "deno") {
        client.write(clientFrame(Opcode.Ping, "frame"));
        const pong = await client.nextOf("pong");
        assert.equal(new TextDecoder().decode(pong.data), "frame");
        const [, frame] = await calls.reach(2, "onPing for the ping frame");
        assert.ok(frame instanceof Uint8Array);
      }
      client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: a custom method's binding failure goes to on<Method>Error`, async () => {
    const errors = new Collector<unknown>();
    const Beat = z.object({ event: z.literal("heartbeat"), seq: z.number() });
    const listener = await serve(engine, "/ws", {
      onHeartbeat: (_caller: Caller, beat: z.infer<typeof Beat>) => ({ ack: beat.seq }),
      onHeartbeatError: (_caller: Caller, error: Error) => {
        errors.push(error);
        return { error: "bad heartbeat" };
      },
      onError: () => assert.fail("onHeartbeatError comes first"),
    }, { dispatcherKey: "event", bindings: { onHeartbeat: Beat } });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      client.write(event({ event: "heartbeat", seq: "one" }));
      client.write(event({ event: "heartbeat", seq: 2 }));
      assert.deepEqual(await client.next(), { type: "text", data: '{"error":"bad heartbeat"}' });
      assert.deepEqual(await client.next(), { type: "text", data: '{"ack":2}' });
      const [error] = await errors.reach(1, "onHeartbeatError");
      assert.ok(error instanceof PayloadValidationError);
      client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: dispatcherStreamId copies each request's id into its object replies`, async () => {
    const listener = await serve(engine, "/ws", {
      onQuote: (_caller: Caller, request: { symbol: string }) => ({ symbol: request.symbol }),
      onText: () => "plain text stays as it is",
      onOwn: () => ({ id: "mine" }),
      async *onTicks(_caller: Caller, request: { count: number }) {
        for (let tick = 1; tick <= request.count; tick++) yield { tick };
        yield ["arrays", "stay", "as", "they", "are"];
      },
    }, { dispatcherKey: "type", dispatcherStreamId: "id" });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      client.write(event({ type: "quote", symbol: "ACME", id: 41 }));
      client.write(event({ type: "text", id: "a" }));
      client.write(event({ type: "own", id: "b" }));
      client.write(event({ type: "ticks", count: 2, id: "c" }));
      client.write(event({ type: "quote", symbol: "NOID" }));
      const replies = [
        '{"id":41,"symbol":"ACME"}',
        "plain text stays as it is",
        '{"id":"mine"}',
        '{"id":"c","tick":1}',
        '{"id":"c","tick":2}',
        '["arrays","stay","as","they","are"]',
        '{"symbol":"NOID"}',
      ];
      for (const data of replies) assert.deepEqual(await client.next(), { type: "text", data });
      client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });
}
