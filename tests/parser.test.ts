import { test } from "node:test";
import assert from "node:assert/strict";
import { FrameParser } from "../mod.ts";
import { gatherInto } from "../frame/bytes.ts";
import { concatBytes, handlerWith, type ParserEvent, rawFrame, record } from "./support.ts";

const TEXT = 0x1;
const BINARY = 0x2;
const CONTINUATION = 0x0;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;

function bytesOf(length: number): number[] {
  return Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
}

test("parser: binary payloads at every length-encoding boundary, masked and unmasked", () => {
  for (const length of [0, 1, 125, 126, 127, 65535, 65536, 70000]) {
    const payload = bytesOf(length);
    const server = record({ role: "server" });
    server.feed(rawFrame({ opcode: BINARY, payload }));
    assert.deepEqual(server.events, [["binary", payload]], `masked, ${length} bytes`);
    const client = record({ role: "client" });
    client.feed(rawFrame({ opcode: BINARY, payload, mask: false }));
    assert.deepEqual(client.events, [["binary", payload]], `unmasked, ${length} bytes`);
  }
});

test("parser: longer length encodings than needed are read by value", () => {
  const payload = bytesOf(10);
  for (const lengthBits of [16, 64] as const) {
    const parser = record({ role: "server" });
    parser.feed(rawFrame({ opcode: BINARY, payload, lengthBits }));
    assert.deepEqual(parser.events, [["binary", payload]]);
  }
});

test("parser: a header declaring more than 2^32 bytes is judged from the header alone", () => {
  const header = rawFrame({ opcode: BINARY, declaredLength: 2 ** 32 + 5 });
  const limited = record({ role: "server" });
  limited.feed(header);
  assert.deepEqual(limited.events, [["error", 1009]]);

  const unlimited = record({ role: "server", maxFrameSize: 2 ** 40, maxMessageSize: 2 ** 40 });
  unlimited.feed(header);
  unlimited.feed(new Uint8Array(1000));
  assert.deepEqual(unlimited.events, []);
  assert.equal(unlimited.parser.active, true);
});

test("parser: a 64-bit length with the top bit set fails with 1002", () => {
  const frame = rawFrame({ opcode: BINARY, declaredLength: 0, lengthBits: 64 });
  frame[2] = 0x80;
  const parser = record({ role: "server", maxFrameSize: Infinity });
  parser.feed(frame);
  assert.deepEqual(parser.events, [["error", 1002]]);
});

/** A stream of every kind of frame: fragments with control frames between them. */
function mixedStream(): { bytes: Uint8Array; expected: ParserEvent[] } {
  const bytes = concatBytes(
    rawFrame({ opcode: TEXT, payload: "héllo" }),
    rawFrame({ opcode: BINARY, payload: bytesOf(300) }),
    rawFrame({ opcode: TEXT, payload: "frag€", fin: false }),
    rawFrame({ opcode: PING, payload: "p1" }),
    rawFrame({ opcode: CONTINUATION, payload: "", fin: false }),
    rawFrame({ opcode: CONTINUATION, payload: "ment", fin: false }),
    rawFrame({ opcode: PONG, payload: [] }),
    rawFrame({ opcode: CONTINUATION, payload: "ed", fin: true }),
    rawFrame({ opcode: BINARY, payload: [] }),
    rawFrame({ opcode: CLOSE, payload: [0x03, 0xe8, 0x6f, 0x6b] }),
    rawFrame({ opcode: TEXT, payload: "ignored after close" }),
  );
  const expected: ParserEvent[] = [
    ["text", "héllo"],
    ["binary", bytesOf(300)],
    ["ping", [0x70, 0x31]],
    ["pong", []],
    ["text", "frag€mented"],
    ["binary", []],
    ["close", 1000, "ok"],
  ];
  return { bytes, expected };
}

test("parser: a multi-frame stream gives the same events split at every point", () => {
  const { bytes, expected } = mixedStream();
  for (let split = 0; split <= bytes.length; split++) {
    const parser = record({ role: "server" });
    parser.feed(bytes.subarray(0, split));
    parser.feed(bytes.subarray(split));
    assert.deepEqual(parser.events, expected, `split at ${split}`);
  }
});

test("parser: a multi-frame stream gives the same events split at every pair of points", () => {
  const { bytes, expected } = mixedStream();
  for (let first = 0; first <= bytes.length; first += 3) {
    for (let second = first; second <= bytes.length; second += 5) {
      const parser = record({ role: "server" });
      parser.feed(bytes.subarray(0, first));
      parser.feed(bytes.subarray(first, second));
      parser.feed(bytes.subarray(second));
      assert.deepEqual(parser.events, expected, `splits at ${first} and ${second}`);
    }
  }
});

test("parser: one byte at a time and all in one chunk give the same events", () => {
  const { bytes, expected } = mixedStream();
  const whole = record({ role: "server" });
  whole.feed(bytes);
  assert.deepEqual(whole.events, expected);
  const bytewise = record({ role: "server" });
  for (let i = 0; i < bytes.length; i++) bytewise.feed(bytes.subarray(i, i + 1));
  assert.deepEqual(bytewise.events, expected);
});

test("parser: with reusedChunks, what it hands out survives the chunk being read over", () => {
  const { bytes, expected } = mixedStream();
  const large = bytesOf(5000);
  // The large frame goes in before the close; what followed the close is left out.
  const closeFrame = rawFrame({ opcode: CLOSE, payload: [0x03, 0xe8, 0x6f, 0x6b] });
  const beforeClose = bytes.length - closeFrame.length - 25;
  const stream = concatBytes(
    bytes.subarray(0, beforeClose),
    rawFrame({ opcode: BINARY, payload: large }),
    closeFrame,
  );
  for (const step of [1, 7, 64, 6000, stream.length]) {
    const events: ParserEvent[] = [];
    const handedOut: [ParserEvent, Uint8Array][] = [];
    const keep = (name: "binary" | "ping" | "pong") => (data: Uint8Array) => {
      events.push([name, [...data]]);
      handedOut.push([[name, [...data]], data]);
    };
    const parser = new FrameParser({ role: "server", reusedChunks: true }, {
      ...handlerWith({ binary: keep("binary"), ping: keep("ping"), pong: keep("pong") }),
      text: (data) => events.push(["text", data]),
      close: (code, reason) => events.push(["close", code, reason]),
    });
    // One buffer read into again and scribbled over whenever the parser allows it, as a
    // recycling socket does; a fresh one when the parser kept a view into it.
    let buffer = new Uint8Array(step);
    for (let at = 0; at < stream.length; at += step) {
      const piece = stream.subarray(at, Math.min(at + step, stream.length));
      buffer.set(piece);
      if (parser.push(buffer.subarray(0, piece.length))) buffer.fill(0xee);
      else buffer = new Uint8Array(step);
    }
    assert.deepEqual(
      events,
      [...expected.slice(0, -1), ["binary", large], expected.at(-1)!],
      `chunks of ${step}`,
    );
    for (const [event, data] of handedOut) assert.deepEqual([event[0], [...data]], event);
  }
});

test("parser: with reusedChunks, push says whether a view into the chunk was handed out", () => {
  const compressed: Uint8Array[] = [];
  const parser = new FrameParser(
    { role: "client", compression: true, reusedChunks: true },
    handlerWith({ compressed: (_isText, data) => compressed.push(data) }),
  );
  assert.equal(
    parser.push(rawFrame({ opcode: TEXT, payload: "x".repeat(5000), mask: false })),
    true,
  );
  assert.equal(parser.push(rawFrame({ opcode: PING, payload: "p", mask: false })), true);
  const large = rawFrame({ opcode: BINARY, payload: bytesOf(5000), rsv: 4, mask: false });
  assert.equal(parser.push(large), false);
  assert.equal(compressed[0].buffer, large.buffer, "a view, not a copy");
  assert.deepEqual([...compressed[0]], bytesOf(5000));
  const parserWithout = record({ role: "client" }).parser;
  assert.equal(parserWithout.push(rawFrame({ opcode: TEXT, payload: "x", mask: false })), false);
});

test("parser: control frames between fragments arrive before the message completes", () => {
  const parser = record({ role: "server" });
  parser.feed(rawFrame({ opcode: TEXT, payload: "a", fin: false }));
  parser.feed(rawFrame({ opcode: PING, payload: "x" }));
  assert.deepEqual(parser.events, [["ping", [0x78]]]);
  parser.feed(rawFrame({ opcode: CONTINUATION, payload: "b" }));
  assert.deepEqual(parser.events, [["ping", [0x78]], ["text", "ab"]]);
});

test("parser: masking rules per role fail with 1002", () => {
  const server = record({ role: "server" });
  server.feed(rawFrame({ opcode: TEXT, payload: "x", mask: false }));
  assert.deepEqual(server.events, [["error", 1002]]);
  const client = record({ role: "client" });
  client.feed(rawFrame({ opcode: TEXT, payload: "x" }));
  assert.deepEqual(client.events, [["error", 1002]]);
});

test("parser: RSV bits are refused unless an extension allows them", () => {
  for (const rsv of [1, 2, 3, 4, 5, 6, 7]) {
    for (const opcode of [TEXT, BINARY, PING, PONG, CLOSE]) {
      const parser = record({ role: "server" });
      parser.feed(rawFrame({ opcode, rsv }));
      assert.deepEqual(parser.events, [["error", 1002]], `rsv ${rsv} on opcode ${opcode}`);
    }
  }
});

test("parser: with compression, RSV1 is allowed only on the first frame of a data message", () => {
  const first = record({ role: "server", compression: true });
  first.feed(rawFrame({ opcode: TEXT, rsv: 4, payload: [1, 2], fin: false }));
  first.feed(rawFrame({ opcode: CONTINUATION, payload: [3] }));
  assert.deepEqual(first.events, [["compressed", true, [1, 2, 3]]]);

  const continuation = record({ role: "server", compression: true });
  continuation.feed(rawFrame({ opcode: BINARY, rsv: 4, payload: [1], fin: false }));
  continuation.feed(rawFrame({ opcode: CONTINUATION, rsv: 4, payload: [2] }));
  assert.deepEqual(continuation.events, [["error", 1002]]);

  for (const opcode of [PING, PONG, CLOSE]) {
    const control = record({ role: "server", compression: true });
    control.feed(rawFrame({ opcode, rsv: 4 }));
    assert.deepEqual(control.events, [["error", 1002]], `control opcode ${opcode}`);
  }

  for (const rsv of [2, 1]) {
    const other = record({ role: "server", compression: true });
    other.feed(rawFrame({ opcode: BINARY, rsv, payload: [1] }));
    assert.deepEqual(other.events, [["error", 1002]], `rsv ${rsv}`);
  }

  const uncompressed = record({ role: "server", compression: true });
  uncompressed.feed(rawFrame({ opcode: BINARY, payload: [9] }));
  assert.deepEqual(uncompressed.events, [["binary", [9]]]);
});

test("parser: every reserved opcode fails with 1002, also after a valid message", () => {
  for (const opcode of [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]) {
    const parser = record({ role: "server" });
    parser.feed(concatBytes(
      rawFrame({ opcode: TEXT, payload: "ok" }),
      rawFrame({ opcode, payload: "x" }),
      rawFrame({ opcode: TEXT, payload: "never" }),
    ));
    assert.deepEqual(parser.events, [["text", "ok"], ["error", 1002]], `opcode ${opcode}`);
    assert.equal(parser.parser.active, false);
  }
});

test("parser: control frames over 125 bytes or fragmented fail with 1002", () => {
  for (const opcode of [PING, PONG, CLOSE]) {
    const long = record({ role: "server" });
    long.feed(rawFrame({ opcode, payload: bytesOf(126) }));
    assert.deepEqual(long.events, [["error", 1002]], `126-byte opcode ${opcode}`);

    const fragmented = record({ role: "server" });
    fragmented.feed(rawFrame({ opcode, payload: [], fin: false }));
    assert.deepEqual(fragmented.events, [["error", 1002]], `fragmented opcode ${opcode}`);
  }
  const maximal = record({ role: "server" });
  maximal.feed(rawFrame({ opcode: PING, payload: bytesOf(125) }));
  assert.deepEqual(maximal.events, [["ping", bytesOf(125)]]);
});

test("parser: continuation without a message and a new message inside one fail with 1002", () => {
  const orphan = record({ role: "server" });
  orphan.feed(rawFrame({ opcode: CONTINUATION, payload: "x" }));
  assert.deepEqual(orphan.events, [["error", 1002]]);

  const orphanAfterMessage = record({ role: "server" });
  orphanAfterMessage.feed(rawFrame({ opcode: TEXT, payload: "a" }));
  orphanAfterMessage.feed(rawFrame({ opcode: CONTINUATION, payload: "b", fin: false }));
  assert.deepEqual(orphanAfterMessage.events, [["text", "a"], ["error", 1002]]);

  for (const opcode of [TEXT, BINARY]) {
    const nested = record({ role: "server" });
    nested.feed(rawFrame({ opcode: TEXT, payload: "a", fin: false }));
    nested.feed(rawFrame({ opcode, payload: "b" }));
    assert.deepEqual(nested.events, [["error", 1002]]);
  }
});

test("parser: a frame over maxFrameSize fails with 1009 from its header, before any payload", () => {
  const parser = record({ role: "server", maxFrameSize: 1000 });
  const frame = rawFrame({ opcode: BINARY, payload: bytesOf(1001) });
  parser.feed(frame.subarray(0, 8)); // 2-byte header, 2-byte length, 4-byte mask
  assert.deepEqual(parser.events, [["error", 1009]]);

  const exact = record({ role: "server", maxFrameSize: 1000 });
  exact.feed(rawFrame({ opcode: BINARY, payload: bytesOf(1000) }));
  assert.deepEqual(exact.events, [["binary", bytesOf(1000)]]);
});

test("parser: a fragmented message over maxMessageSize fails with 1009 at the frame header", () => {
  const parser = record({ role: "server", maxFrameSize: 100, maxMessageSize: 150 });
  parser.feed(rawFrame({ opcode: BINARY, payload: bytesOf(100), fin: false }));
  parser.feed(rawFrame({ opcode: CONTINUATION, payload: bytesOf(50), fin: false }));
  assert.deepEqual(parser.events, []);
  parser.feed(rawFrame({ opcode: CONTINUATION, payload: [1] }).subarray(0, 6));
  assert.deepEqual(parser.events, [["error", 1009]]);
});

test("parser: short messages that arrive whole in one chunk meet every check of the header", () => {
  const overFrame = record({ role: "server", maxFrameSize: 10 });
  overFrame.feed(rawFrame({ opcode: BINARY, payload: bytesOf(11) }));
  assert.deepEqual(overFrame.events, [["error", 1009]]);

  const overMessage = record({ role: "client", maxMessageSize: 10 });
  overMessage.feed(rawFrame({ opcode: TEXT, payload: "x".repeat(11), mask: false }));
  assert.deepEqual(overMessage.events, [["error", 1009]]);

  const atLimits = record({ role: "client", maxFrameSize: 10, maxMessageSize: 10 });
  atLimits.feed(concatBytes(
    rawFrame({ opcode: TEXT, payload: "0123456789", mask: false }),
    rawFrame({ opcode: BINARY, payload: [], mask: false }),
    rawFrame({ opcode: BINARY, payload: bytesOf(10), mask: false }),
  ));
  const whole = [["text", "0123456789"], ["binary", []], ["binary", bytesOf(10)]];
  assert.deepEqual(atLimits.events, whole);

  const badText = record({ role: "server" });
  badText.feed(concatBytes(
    rawFrame({ opcode: TEXT, payload: [0x41] }),
    rawFrame({ opcode: TEXT, payload: [0x42, 0xc3] }),
  ));
  assert.deepEqual(badText.events, [["text", "A"], ["error", 1007]]);
});

test("parser: the fragment count is limited, empty fragments included", () => {
  const parser = record({ role: "server", maxFragments: 100 });
  parser.feed(rawFrame({ opcode: BINARY, payload: [1], fin: false }));
  for (let i = 0; i < 99; i++) parser.feed(rawFrame({ opcode: CONTINUATION, fin: false }));
  assert.deepEqual(parser.events, []);
  parser.feed(rawFrame({ opcode: CONTINUATION, fin: false }));
  assert.deepEqual(parser.events, [["error", 1009]]);
});

test("parser: a flood of one-byte fragments reassembles into the exact message", () => {
  const parts = 20000;
  const frames: Uint8Array[] = [rawFrame({ opcode: BINARY, payload: [0], fin: false })];
  for (let i = 1; i < parts; i++) {
    frames.push(rawFrame({ opcode: CONTINUATION, payload: [i & 0xff], fin: i === parts - 1 }));
  }
  const parser = record({ role: "server" });
  for (const frame of frames) parser.feed(frame);
  assert.equal(parser.events.length, 1);
  const [kind, data] = parser.events[0] as ["binary", number[]];
  assert.equal(kind, "binary");
  assert.deepEqual(data, Array.from({ length: parts }, (_, i) => i & 0xff));
});

test("parser: invalid UTF-8 fails with 1007 as soon as the bad byte arrives", () => {
  const payload = [...new TextEncoder().encode("valid start "), 0xff, ...bytesOf(100)];
  const frame = rawFrame({ opcode: TEXT, payload });
  const parser = record({ role: "server" });
  // header (2 + 4 mask) and the payload up to and including the bad byte; the rest never comes
  parser.feed(frame.subarray(0, 6 + 13));
  assert.deepEqual(parser.events, [["error", 1007]]);

  const fragmented = record({ role: "server" });
  fragmented.feed(rawFrame({ opcode: TEXT, payload: "fine", fin: false }));
  fragmented.feed(
    rawFrame({ opcode: CONTINUATION, payload: [0xed, 0xa0, 0x80, 0x41], fin: false }),
  );
  assert.deepEqual(fragmented.events, [["error", 1007]]);
});

test("parser: a text message may split a character across fragments", () => {
  const euro = [0xe2, 0x82, 0xac];
  const parser = record({ role: "server" });
  parser.feed(rawFrame({ opcode: TEXT, payload: [0x41, euro[0]], fin: false }));
  parser.feed(rawFrame({ opcode: CONTINUATION, payload: [euro[1]], fin: false }));
  parser.feed(rawFrame({ opcode: CONTINUATION, payload: [euro[2]] }));
  assert.deepEqual(parser.events, [["text", "A€"]]);
});

test("parser: a text message ending inside a character fails with 1007", () => {
  const parser = record({ role: "server" });
  parser.feed(rawFrame({ opcode: TEXT, payload: [0x41, 0xe2, 0x82], fin: false }));
  parser.feed(rawFrame({ opcode: CONTINUATION, payload: [] }));
  assert.deepEqual(parser.events, [["error", 1007]]);
});

test("parser: text validation starts over with each message, fragmented or whole", () => {
  const euro = [0xe2, 0x82, 0xac];
  const valid = record({ role: "server" });
  valid.feed(rawFrame({ opcode: TEXT, payload: [0x41, euro[0]], fin: false }));
  valid.feed(rawFrame({ opcode: CONTINUATION, payload: euro.slice(1) }));
  valid.feed(rawFrame({ opcode: TEXT, payload: euro }));
  valid.feed(rawFrame({ opcode: TEXT, payload: [0x42], fin: false }));
  valid.feed(rawFrame({ opcode: CONTINUATION, payload: [0x43] }));
  assert.deepEqual(valid.events, [["text", "A€"], ["text", "€"], ["text", "BC"]]);

  const invalid = record({ role: "server" });
  invalid.feed(rawFrame({ opcode: TEXT, payload: [0x41], fin: false }));
  invalid.feed(rawFrame({ opcode: CONTINUATION, payload: [0x42] }));
  invalid.feed(rawFrame({ opcode: TEXT, payload: [0x43, 0xff] }));
  assert.deepEqual(invalid.events, [["text", "AB"], ["error", 1007]]);
});

test("parser: a byte-order mark at the start of text is kept", () => {
  const parser = record({ role: "server" });
  parser.feed(rawFrame({ opcode: TEXT, payload: [0xef, 0xbb, 0xbf, 0x41] }));
  assert.deepEqual(parser.events, [["text", "\ufeffA"]]);
});

test("parser: close payloads", () => {
  const cases: Array<[number[], ParserEvent]> = [
    [[], ["close", 1005, ""]],
    [[0x03], ["error", 1002]],
    [[0x03, 0xe8], ["close", 1000, ""]],
    [[0x0f, 0xa0, 0x68, 0x69], ["close", 4000, "hi"]],
    [[0x03, 0xe8, 0xff], ["error", 1007]],
  ];
  for (const [payload, expected] of cases) {
    const parser = record({ role: "server" });
    parser.feed(rawFrame({ opcode: CLOSE, payload }));
    assert.deepEqual(parser.events, [expected], `payload ${payload}`);
  }
  const reason123 = "r".repeat(123);
  const longest = record({ role: "server" });
  longest.feed(
    rawFrame({ opcode: CLOSE, payload: [0x03, 0xe8, ...new TextEncoder().encode(reason123)] }),
  );
  assert.deepEqual(longest.events, [["close", 1000, reason123]]);
});

test("parser: each valid close code is reported and each invalid one fails with 1002", () => {
  const valid = [
    1000,
    1001,
    1002,
    1003,
    1007,
    1008,
    1009,
    1010,
    1011,
    1012,
    1013,
    1014,
    3000,
    3999,
    4000,
    4999,
  ];
  const invalid = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];
  for (const code of [...valid, ...invalid]) {
    const parser = record({ role: "server" });
    parser.feed(rawFrame({ opcode: CLOSE, payload: [code >> 8, code & 0xff] }));
    const expected: ParserEvent = valid.includes(code) ? ["close", code, ""] : ["error", 1002];
    assert.deepEqual(parser.events, [expected], `code ${code}`);
  }
});

test("parser: nothing after a close frame or an error is parsed", () => {
  const closed = record({ role: "server" });
  closed.feed(concatBytes(rawFrame({ opcode: CLOSE }), rawFrame({ opcode: TEXT, payload: "x" })));
  closed.feed(rawFrame({ opcode: BINARY, payload: [1] }));
  assert.deepEqual(closed.events, [["close", 1005, ""]]);
  assert.equal(closed.parser.active, false);

  const failed = record({ role: "server" });
  failed.feed(rawFrame({ opcode: 3 }));
  failed.feed(rawFrame({ opcode: TEXT, payload: "x" }));
  assert.deepEqual(failed.events, [["error", 1002]]);

  const stopped = record({ role: "server" });
  stopped.parser.stop();
  stopped.feed(rawFrame({ opcode: TEXT, payload: "x" }));
  assert.deepEqual(stopped.events, []);
});

test("parser: bad options are refused when the parser is made", () => {
  const handler = handlerWith();
  for (
    const options of [
      { role: "server" as const, maxFrameSize: NaN },
      { role: "server" as const, maxFrameSize: -1 },
      { role: "server" as const, maxMessageSize: 1.5 },
      { role: "client" as const, maxFragments: -Infinity },
      { role: "peer" as "server" },
    ]
  ) {
    assert.throws(() => new FrameParser(options, handler), RangeError, JSON.stringify(options));
  }
  const unlimited = new FrameParser({ role: "server", maxFrameSize: Infinity }, handler);
  assert.equal(unlimited.active, true);
});

test("parser: payload views handed out stay intact when later chunks arrive", () => {
  const seen: Uint8Array[] = [];
  const raw = new FrameParser(
    { role: "client" },
    handlerWith({ binary: (data) => seen.push(data) }),
  );
  const first = rawFrame({ opcode: BINARY, payload: [1, 2, 3], mask: false });
  const second = rawFrame({ opcode: BINARY, payload: [4, 5, 6], mask: false });
  raw.push(concatBytes(first, second.subarray(0, 3)));
  raw.push(second.slice(3));
  assert.deepEqual(seen.map((view) => [...view]), [[1, 2, 3], [4, 5, 6]]);
});

test("parser: memory a gathered message takes without zero-filling is all written when handed out", () => {
  // An allocator that leaves a mark in every byte stands in for Bun's allocUnsafe: no handed-out
  // message may keep a marked byte anywhere in its memory, however it arrived in pieces.
  const MARK = 0xaa;
  gatherInto((length) => new Uint8Array(length).fill(MARK));
  try {
    const unmarked = (length: number) => Array.from({ length }, (_, i) => (i * 7) % MARK);
    const payload = unmarked(300_000);
    const cases: Array<["server" | "client", Uint8Array, number[]]> = [
      ["server", rawFrame({ opcode: BINARY, payload, mask: [1, 2, 3, 4] }), payload],
      // A frame past the known end grows the memory by doubling: its tail stays unwritten.
      [
        "client",
        concatBytes(
          rawFrame({ opcode: BINARY, payload: payload.slice(0, 70_000), fin: false, mask: false }),
          rawFrame({ opcode: CONTINUATION, payload: [payload[70_000]], mask: false }),
        ),
        payload.slice(0, 70_001),
      ],
      [
        "client",
        concatBytes(
          rawFrame({ opcode: BINARY, payload: payload.slice(0, 70_000), fin: false, mask: false }),
          rawFrame({ opcode: CONTINUATION, payload: [payload[70_000]], fin: false, mask: false }),
          rawFrame({ opcode: CONTINUATION, payload: payload.slice(70_001), mask: false }),
        ),
        payload,
      ],
    ];
    for (const [role, stream, expected] of cases) {
      for (const pieceSize of [1000, 4096, 65_536, 99_999]) {
        const label = `${role}, ${expected.length} bytes in pieces of ${pieceSize}`;
        const handedOut: Uint8Array[] = [];
        const parser = new FrameParser(
          { role },
          handlerWith({ binary: (data) => handedOut.push(data) }),
        );
        for (let at = 0; at < stream.length; at += pieceSize) {
          parser.push(stream.slice(at, at + pieceSize));
        }
        assert.equal(handedOut.length, 1, label);
        assert.deepEqual([...handedOut[0]], expected, label);
        const memory = new Uint8Array(handedOut[0].buffer);
        assert.equal(memory.indexOf(MARK), -1, `${label}: unwritten memory handed out`);
      }
    }
  } finally {
    const bun = (globalThis as { Bun?: { allocUnsafe(length: number): Uint8Array } }).Bun;
    gatherInto(bun === undefined ? (length) => new Uint8Array(length) : bun.allocUnsafe);
  }
});
