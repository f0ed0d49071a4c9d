import { test } from "node:test";
import assert from "node:assert/strict";
import { type Caller, CorruptedFrameError } from "../mod.ts";
import { rawFrame } from "./support.ts";
import { Collector, ENGINES, RawPeer, serve, within } from "./net-support.ts";

const TEXT = 0x1;
const BINARY = 0x2;
const CONTINUATION = 0x0;
const CLOSE = 0x8;
const PING = 0x9;

/** Malformed input and the close code a strict endpoint answers it with. */
const CASES: { name: string; bytes: Uint8Array; code: number }[] = [
  {
    name: "an unmasked client frame",
    bytes: rawFrame({ opcode: TEXT, payload: "hi", mask: false }),
    code: 1002,
  },
  { name: "reserved opcode 3", bytes: rawFrame({ opcode: 3 }), code: 1002 },
  { name: "reserved control opcode 11", bytes: rawFrame({ opcode: 11 }), code: 1002 },
  { name: "RSV2 set", bytes: rawFrame({ opcode: TEXT, payload: "x", rsv: 2 }), code: 1002 },
  { name: "RSV1 without compression", bytes: rawFrame({ opcode: BINARY, rsv: 4 }), code: 1002 },
  {
    name: "a 126-byte ping",
    bytes: rawFrame({ opcode: PING, payload: new Array(126).fill(1) }),
    code: 1002,
  },
  { name: "a fragmented ping", bytes: rawFrame({ opcode: PING, fin: false }), code: 1002 },
  {
    name: "an orphan continuation",
    bytes: rawFrame({ opcode: CONTINUATION, payload: "x" }),
    code: 1002,
  },
  {
    name: "a new message inside a fragmented one",
    bytes: Uint8Array.from([
      ...rawFrame({ opcode: TEXT, payload: "a", fin: false }),
      ...rawFrame({ opcode: TEXT, payload: "b" }),
    ]),
    code: 1002,
  },
  {
    name: "text that is not UTF-8",
    bytes: rawFrame({ opcode: TEXT, payload: [0xce, 0xba, 0xff] }),
    code: 1007,
  },
  {
    name: "a close code of 999",
    bytes: rawFrame({ opcode: CLOSE, payload: [0x03, 0xe7] }),
    code: 1002,
  },
  {
    name: "a 1-byte close payload",
    bytes: rawFrame({ opcode: CLOSE, payload: [0x03] }),
    code: 1002,
  },
  {
    name: "a close reason that is not UTF-8",
    bytes: rawFrame({ opcode: CLOSE, payload: [0x03, 0xe8, 0xff] }),
    code: 1007,
  },
];

// The deno engine relies on Deno's own parser, which the capability table calls partial.
for (const engine of ENGINES.filter((name) => name !== "deno")) {
  for (const { name, bytes, code } of CASES) {
    test(`${engine}: ${name} fails the connection with ${code}, after echoing what came first`, async () => {
      const errors = new Collector<unknown>();
      const listener = await serve(engine, "/ws", () => ({
        onTextMessage: (_caller: Caller, text: string) => text,
        onError: (_caller: Caller, error: Error) => errors.push(error),
      }));
      try {
        const { client } = await RawPeer.upgrade(listener.port, "/ws");
        client.write(Uint8Array.from([...rawFrame({ opcode: TEXT, payload: "before" }), ...bytes]));
        assert.deepEqual(await client.next(), { type: "text", data: "before" });
        const close = await client.next();
        assert.equal(close.type, "close");
        assert.equal((close as { code: number }).code, code);
        await within(client.ended, "the server to drop the connection");
        if (engine === "frames") {
          const reported = await errors.reach(1, "onError");
          assert.equal(reported.length, 1);
          assert.ok(reported[0] instanceof CorruptedFrameError);
        }
      } finally {
        await listener.immediateStop();
      }
    });
  }

  // Bun validates UTF-8 once a message is complete; only the frames engine fails fast.
  if (engine === "frames") {
    test(`${engine}: an invalid byte fails the connection before the rest of its frame arrives`, async () => {
      const listener = await serve(engine, "/ws", () => ({}));
      try {
        const { client } = await RawPeer.upgrade(listener.port, "/ws");
        const frame = rawFrame({
          opcode: TEXT,
          payload: [0x61, 0xff, ...new Array(100).fill(0x61)],
        });
        client.write(frame.subarray(0, 10));
        const close = await client.next();
        assert.equal((close as { code: number }).code, 1007);
        client.destroy();
      } finally {
        await listener.immediateStop();
      }
    });
  }
}
