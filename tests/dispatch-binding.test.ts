import { test } from "node:test";
import assert from "node:assert/strict";
import * as v from "valibot";
import { z } from "zod";
import type { Document } from "@xmldom/xmldom";
import type { StandardSchemaV1 } from "@standard-schema/spec";
import {
  type Caller,
  Listener,
  Opcode,
  PayloadBindingError,
  PayloadValidationError,
  type Service,
  type ServiceConfig,
  type StandardSchema,
} from "../mod.ts";
import {
  clientFrame,
  Collector,
  ENGINES,
  expectClose,
  httpExchange,
  RawPeer,
  serve,
  upgradeRequest,
} from "./net-support.ts";

const utf8 = (value: string) => new TextEncoder().encode(value);
const Person = z.object({ name: z.string(), age: z.number().int().min(0) });

for (const engine of ENGINES) {
  test(`${engine}: onMessage binds JSON by default, from text and from binary frames`, async () => {
    const listener = await serve(engine, "/ws", {
      onMessage: (_caller: Caller, data: unknown) => ({ got: data }),
    });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      client.write(clientFrame(Opcode.Text, '{"a":[1,"x"]}'));
      client.write(clientFrame(Opcode.Binary, utf8("[true,null]")));
      assert.deepEqual(await client.next(), { type: "text", data: '{"got":{"a":[1,"x"]}}' });
      assert.deepEqual(await client.next(), { type: "text", data: '{"got":[true,null]}' });
      client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: the text and bytes targets take either kind of frame`, async () => {
    const errors = new Collector<unknown>();
    const listener = new Listener(0, { host: "127.0.0.1", engine });
    listener.attach("/text", {
      onMessage: (_caller: Caller, data: unknown) => `text:${data}`,
      onError: (_caller: Caller, error: Error) => errors.push(error),
    }, { binding: "text" });
    listener.attach("/bytes", {
      onMessage: (_caller: Caller, data: unknown) =>
        `bytes:${(data as Uint8Array).length}:${data instanceof Uint8Array}`,
    }, { bindings: { onMessage: "bytes" } });
    await listener.start();
    try {
      const text = (await RawPeer.upgrade(listener.port, "/text")).client;
      text.write(clientFrame(Opcode.Text, "héllo"));
      text.write(clientFrame(Opcode.Binary, utf8("wörld")));
      text.write(clientFrame(Opcode.Binary, Uint8Array.of(0x61, 0xff)));
      text.write(clientFrame(Opcode.Text, "still open"));
      assert.deepEqual(await text.next(), { type: "text", data: "text:héllo" });
      assert.deepEqual(await text.next(), { type: "text", data: "text:wörld" });
      assert.deepEqual(await text.next(), { type: "text", data: "text:still open" });
      const [error] = await errors.reach(1, "onError");
      assert.ok(error instanceof PayloadBindingError);
      assert.match(error.message, /not valid UTF-8/);

      const bytes = (await RawPeer.upgrade(listener.port, "/bytes")).client;
      bytes.write(clientFrame(Opcode.Text, "abc€"));
      bytes.write(clientFrame(Opcode.Binary, new Uint8Array(5)));
      assert.deepEqual(await bytes.next(), { type: "text", data: "bytes:6:true" });
      assert.deepEqual(await bytes.next(), { type: "text", data: "bytes:5:true" });
      text.destroy();
      bytes.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: the xml target gives a DOM Document, and a returned node goes back as text`, async () => {
    const errors = new Collector<unknown>();
    const listener = await serve(engine, "/ws", {
      onMessage(_caller: Caller, document: Document) {
        const root = document.documentElement!;
        root.setAttribute("seen", "yes");
        return document;
      },
      onError: (_caller: Caller, error: Error) => errors.push(error),
    }, { binding: "xml" });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      client.write(clientFrame(Opcode.Text, '<greeting to="you">hi</greeting>'));
      client.write(clientFrame(Opcode.Binary, utf8("<n>1</n>")));
      client.write(clientFrame(Opcode.Text, "<open>"));
      assert.deepEqual(await client.next(), {
        type: "text",
        data: '<greeting to="you" seen="yes">hi</greeting>',
      });
      assert.deepEqual(await client.next(), { type: "text", data: '<n seen="yes">1</n>' });
      const [error] = await errors.reach(1, "onError");
      assert.ok(error instanceof PayloadBindingError);
      assert.match(error.message, /^not valid XML: /);
      client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: a Standard Schema validates and types what it binds; failures reach onError`, async () => {
    const errors = new Collector<unknown>();
    const listener = await serve(engine, "/ws", {
      onMessage: (_caller: Caller, person: z.infer<typeof Person>) => ({
        greeting: `hello ${person.name}`,
        nextYear: person.age + 1,
      }),
      onError: (_caller: Caller, error: Error) => errors.push(error),
    }, { binding: Person });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      client.write(clientFrame(Opcode.Text, '{"name":"Ada","age":36}'));
      client.write(clientFrame(Opcode.Text, '{"name":"Bob","age":-1}'));
      client.write(clientFrame(Opcode.Binary, utf8('{"name":"Cy","age":7}')));
      assert.deepEqual(await client.next(), {
        type: "text",
        data: '{"greeting":"hello Ada","nextYear":37}',
      });
      assert.deepEqual(await client.next(), {
        type: "text",
        data: '{"greeting":"hello Cy","nextYear":8}',
      });
      const [error] = await errors.reach(1, "onError");
      assert.ok(error instanceof PayloadValidationError);
      assert.deepEqual(error.issues.map((issue) => issue.path), [["age"]]);
      assert.match(error.message, /^age: /);
      client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: validation false binds the JSON without running the schema`, async () => {
    const listener = await serve(engine, "/ws", {
      onMessage: (_caller: Caller, person: unknown) => person,
    }, { binding: Person, validation: false });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      client.write(clientFrame(Opcode.Text, '{"name":7,"age":-1}'));
      assert.deepEqual(await client.next(), { type: "text", data: '{"name":7,"age":-1}' });
      client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: an asynchronous schema is awaited, in order`, async () => {
    const errors = new Collector<unknown>();
    const Token = v.pipeAsync(
      v.object({ token: v.string() }),
      v.checkAsync(async (input) => {
        await new Promise<void>((resolve) => queueMicrotask(resolve));
        return input.token.startsWith("ok");
      }, "token refused"),
    );
    const listener = await serve(engine, "/ws", {
      onMessage: (_caller: Caller, data: v.InferOutput<typeof Token>) => data.token,
      onError: (_caller: Caller, error: Error) => errors.push(error),
    }, { binding: Token });
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      for (const token of ["ok-1", "bad", "ok-2"]) {
        client.write(clientFrame(Opcode.Text, JSON.stringify({ token })));
      }
      assert.deepEqual(await client.next(), { type: "text", data: "ok-1" });
      assert.deepEqual(await client.next(), { type: "text", data: "ok-2" });
      const [error] = await errors.reach(1, "onError");
      assert.ok(error instanceof PayloadValidationError);
      assert.equal(error.message, "token refused");
      client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: a text binding failure goes to <method>Error first, and its return is sent`, async () => {
    const errors = new Collector<string>();
    const listener = await serve(engine, "/ws", {
      onMessage: (_caller: Caller, data: unknown) => data,
      onMessageError: (_caller: Caller, error: Error) => `rejected: ${error.constructor.name}`,
      onError: (_caller: Caller, error: Error) => errors.push(error.message),
    } as Service);
    try {
      const { client } = await RawPeer.upgrade(listener.port, "/ws");
      client.write(clientFrame(Opcode.Text, "not json"));
      client.write(clientFrame(Opcode.Binary, utf8("not json either")));
      client.write(clientFrame(Opcode.Text, "[1]"));
      assert.deepEqual(await client.next(), {
        type: "text",
        data: "rejected: PayloadBindingError",
      });
      assert.deepEqual(await client.next(), { type: "text", data: "[1]" });
      // Binary messages skip <method>Error.
      const [message] = await errors.reach(1, "onError for the binary message");
      assert.match(message, /^not valid JSON: /);
      client.destroy();
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: with no handler, a binding failure closes 1003 with a short reason`, async () => {
    const longMessage = "expected a number here, ".repeat(6);
    const listener = new Listener(0, { host: "127.0.0.1", engine });
    listener.attach("/json", { onMessage: (_caller: Caller, data: unknown) => data });
    listener.attach("/short", { onMessage: (_caller: Caller, data: unknown) => data }, {
      binding: z.number({ error: "need a number" }),
    });
    listener.attach("/long", { onMessage: (_caller: Caller, data: unknown) => data }, {
      binding: z.number({ error: longMessage }),
    });
    listener.attach("/binary", {
      onMessage: (_caller: Caller, data: unknown) => data,
      onMessageError: () => "binary failures never come here",
    } as Service);
    await listener.start();
    try {
      const json = (await RawPeer.upgrade(listener.port, "/json")).client;
      json.write(clientFrame(Opcode.Text, "x"));
      assert.match(await expectClose(json, 1003), /^data binding failed: not valid JSON: /);

      const short = (await RawPeer.upgrade(listener.port, "/short")).client;
      short.write(clientFrame(Opcode.Text, '"seven"'));
      assert.equal(await expectClose(short, 1003), "data binding failed: need a number");

      const long = (await RawPeer.upgrade(listener.port, "/long")).client;
      long.write(clientFrame(Opcode.Text, '"seven"'));
      assert.equal(
        await expectClose(long, 1003),
        `data binding failed: ${longMessage}`.slice(0, 80) + "...",
      );

      const binary = (await RawPeer.upgrade(listener.port, "/binary")).client;
      binary.write(clientFrame(Opcode.Binary, Uint8Array.of(0xff)));
      assert.equal(
        await expectClose(binary, 1003),
        "data binding failed: the binary message is not valid UTF-8",
      );
    } finally {
      await listener.immediateStop();
    }
  });

  test(`${engine}: onMessage beside onTextMessage is refused when attached, or with 500 at upgrade`, async () => {
    const both = {
      onMessage: () => {},
      onTextMessage: () => {},
    };
    const listener = new Listener(0, { host: "127.0.0.1", engine });
    assert.throws(
      () => listener.attach("/direct", both),
      /either onMessage or onTextMessage\/onBinaryMessage, not both/,
    );
    listener.attach("/factory", () => ({ onMessage: () => {}, onBinaryMessage: () => {} }));
    await listener.start();
    try {
      const response = await httpExchange(listener.port, upgradeRequest("/factory"));
      assert.equal(response.status, 500);
    } finally {
      await listener.immediateStop();
    }
  });
}

test("dispatch and binding settings are checked when a service is attached", () => {
  const listener = new Listener(0, { host: "127.0.0.1" });
  const service = { onMessage: () => {}, onJoin: () => {} };
  const refused: [ServiceConfig, RegExp][] = [
    [{ dispatcherStreamId: "id" }, /dispatcherStreamId needs dispatcherKey/],
    [{ dispatcherKey: "" }, /dispatcherKey must be a non-empty string/],
    [{ dispatcherConfig: { onJoin: { value: "join" } } }, /dispatcherConfig needs dispatcherKey/],
    [{
      dispatcherKey: "event",
      dispatcherConfig: { onJoin: { value: "join" }, onMessage: { value: "join" } },
    }, /gives the value "join" to both onJoin and onMessage/],
    [
      { dispatcherKey: "event", dispatcherConfig: { onClose: { value: "bye" } } },
      /cannot route to onClose/,
    ],
    [
      { dispatcherKey: "event", dispatcherConfig: { onLeave: { value: "leave" } } },
      /routes to onLeave, which the service does not have/,
    ],
    [
      { dispatcherKey: "event", dispatcherConfig: { onJoin: "join" as never } },
      /\{ value: string \}/,
    ],
    [{ binding: "yaml" as never }, /binding must be "text", "bytes", "json", "xml"/],
    [{ bindings: { onJoin: {} as never } }, /bindings.onJoin must be/],
    [{ bindings: { onTextMessage: "json" } }, /onTextMessage always receives its raw argument/],
    [{ bindings: { onSpeak: "text" } }, /bindings names onSpeak, which the service does not have/],
    [{ validation: "yes" as never }, /validation must be true or false/],
  ];
  refused.forEach(([config, message], index) => {
    assert.throws(() => listener.attach(`/p${index}`, service, config), message);
  });
  listener.attach("/fine", service, {
    dispatcherKey: "event",
    dispatcherStreamId: "id",
    dispatcherConfig: { onJoin: { value: "enter" } },
    bindings: { onJoin: Person, onMessage: "text" },
    validation: false,
  });
});

test("StandardSchema accepts what @standard-schema/spec types, from any vendor", async () => {
  const official: StandardSchemaV1<unknown, number>[] = [z.number(), v.number()];
  const ours: StandardSchema<number>[] = official;
  assert.deepEqual(ours.map((schema) => schema["~standard"].vendor), ["zod", "valibot"]);
  for (const schema of ours) {
    const result = await schema["~standard"].validate(3);
    assert.equal(result.issues, undefined);
    assert.equal((result as { value: number }).value, 3);
  }
});
