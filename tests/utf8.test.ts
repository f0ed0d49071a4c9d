import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeUtf8, isValidUtf8, Utf8Validator } from "../mod.ts";
import { rawFrame, record } from "./support.ts";

const utf8 = (text: string) => [...new TextEncoder().encode(text)];

/** Valid sequences, including every boundary of every encoding length. */
const VALID: Array<[string, number[]]> = [
  ["empty", []],
  ["ascii", utf8("Hello, world")],
  ["greek", utf8("κόσμε")],
  ["U+0000", [0x00]],
  ["U+007F", [0x7f]],
  ["U+0080", [0xc2, 0x80]],
  ["U+07FF", [0xdf, 0xbf]],
  ["U+0800", [0xe0, 0xa0, 0x80]],
  ["U+D7FF", [0xed, 0x9f, 0xbf]],
  ["U+E000", [0xee, 0x80, 0x80]],
  ["U+FFFD", [0xef, 0xbf, 0xbd]],
  ["U+FFFE noncharacter", [0xef, 0xbf, 0xbe]],
  ["U+FFFF", [0xef, 0xbf, 0xbf]],
  ["U+10000", [0xf0, 0x90, 0x80, 0x80]],
  ["U+10FFFF", [0xf4, 0x8f, 0xbf, 0xbf]],
  ["byte-order mark", [0xef, 0xbb, 0xbf]],
  ["mixed", utf8("a€𝄞ñ\u0000z")],
  ["long ascii", utf8("x".repeat(1000))],
];

/** Invalid sequences: stray bytes, overlongs, surrogates, beyond U+10FFFF, truncations. */
const INVALID: Array<[string, number[]]> = [
  ["lone continuation 0x80", [0x80]],
  ["lone continuation 0xbf", [0xbf]],
  ["two continuations", [0x80, 0xbf]],
  ["0xc0 overlong NUL", [0xc0, 0x80]],
  ["0xc1 overlong", [0xc1, 0xbf]],
  ["overlong slash 2 bytes", [0xc0, 0xaf]],
  ["overlong slash 3 bytes", [0xe0, 0x80, 0xaf]],
  ["overlong slash 4 bytes", [0xf0, 0x80, 0x80, 0xaf]],
  ["overlong U+07FF in 3 bytes", [0xe0, 0x9f, 0xbf]],
  ["overlong U+FFFF in 4 bytes", [0xf0, 0x8f, 0xbf, 0xbf]],
  ["5-byte form", [0xf8, 0x88, 0x80, 0x80, 0x80]],
  ["6-byte form", [0xfc, 0x84, 0x80, 0x80, 0x80, 0x80]],
  ["0xfe", [0xfe]],
  ["0xff", [0xff]],
  ["U+110000", [0xf4, 0x90, 0x80, 0x80]],
  ["0xf5 lead", [0xf5, 0x80, 0x80, 0x80]],
  ["surrogate U+D800", [0xed, 0xa0, 0x80]],
  ["surrogate U+DBFF", [0xed, 0xaf, 0xbf]],
  ["surrogate U+DC00", [0xed, 0xb0, 0x80]],
  ["surrogate U+DFFF", [0xed, 0xbf, 0xbf]],
  ["surrogate pair", [0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80]],
  ["truncated 2-byte", [0xc2]],
  ["truncated 3-byte", [0xe0, 0xa0]],
  ["truncated 4-byte", [0xf0, 0x90, 0x80]],
  ["truncated inside text", [...utf8("κόσμε"), 0xe2, 0x82]],
  ["lead followed by ascii", [0xe2, 0x41, 0x42]],
  ["valid then invalid", [...utf8("κόσμε"), 0xed, 0xa0, 0x80, ...utf8("edited")]],
];

test("utf8: the stress set is judged correctly as a whole", () => {
  for (const [name, bytes] of VALID) {
    assert.equal(isValidUtf8(Uint8Array.from(bytes)), true, name);
    assert.notEqual(decodeUtf8(Uint8Array.from(bytes)), undefined, name);
  }
  for (const [name, bytes] of INVALID) {
    assert.equal(isValidUtf8(Uint8Array.from(bytes)), false, name);
    assert.equal(decodeUtf8(Uint8Array.from(bytes)), undefined, name);
  }
});

test("utf8: the verdict does not depend on where the input is split", () => {
  for (const [name, bytes] of [...VALID, ...INVALID]) {
    const expected = isValidUtf8(Uint8Array.from(bytes));
    for (let split = 0; split <= bytes.length; split++) {
      const validator = new Utf8Validator();
      const ok = validator.write(Uint8Array.from(bytes.slice(0, split))) &&
        validator.write(Uint8Array.from(bytes.slice(split))) && validator.complete;
      assert.equal(ok, expected, `${name} split at ${split}`);
    }
    const bytewise = new Utf8Validator();
    const ok = bytes.every((byte) => bytewise.write(Uint8Array.of(byte))) && bytewise.complete;
    assert.equal(ok, expected, `${name} byte by byte`);
  }
});

test("utf8: the validator fails on the first byte that cannot start or continue a character", () => {
  const cases: Array<[number[], number]> = [
    [[0x41, 0xff], 1],
    [[0xe0, 0x80], 1],
    [[0xed, 0xa0], 1],
    [[0xf4, 0x90], 1],
    [[0xf0, 0x8f], 1],
    [[0x41, 0x42, 0xc0], 2],
    [[0xe2, 0x82, 0x41], 2],
  ];
  for (const [bytes, failingIndex] of cases) {
    const validator = new Utf8Validator();
    for (let i = 0; i < bytes.length; i++) {
      const ok = validator.write(Uint8Array.of(bytes[i]));
      assert.equal(ok, i !== failingIndex, `${bytes} at byte ${i}`);
      if (!ok) break;
    }
  }
});

test("utf8: text frames carrying the stress set are delivered or fail with 1007", () => {
  for (const [name, bytes] of [...VALID, ...INVALID]) {
    const valid = isValidUtf8(Uint8Array.from(bytes));
    const expected = valid
      ? [["text", new TextDecoder("utf-8", { ignoreBOM: true }).decode(Uint8Array.from(bytes))]]
      : [["error", 1007]];
    const whole = record({ role: "server" });
    whole.feed(rawFrame({ opcode: 0x1, payload: bytes }));
    assert.deepEqual(whole.events, expected, `${name} in one frame`);

    for (let split = 0; split <= bytes.length; split++) {
      const fragmented = record({ role: "server" });
      fragmented.feed(rawFrame({ opcode: 0x1, payload: bytes.slice(0, split), fin: false }));
      fragmented.feed(rawFrame({ opcode: 0x0, payload: bytes.slice(split) }));
      assert.deepEqual(fragmented.events, expected, `${name} in fragments split at ${split}`);
    }

    const frame = rawFrame({ opcode: 0x1, payload: bytes });
    const bytewise = record({ role: "server" });
    for (let i = 0; i < frame.length; i++) bytewise.feed(frame.subarray(i, i + 1));
    assert.deepEqual(bytewise.events, expected, `${name} byte by byte`);
  }
});

test("utf8: a validator can be reset and reused", () => {
  const validator = new Utf8Validator();
  assert.equal(validator.write(Uint8Array.of(0xe2)), true);
  assert.equal(validator.complete, false);
  validator.reset();
  assert.equal(validator.complete, true);
  assert.equal(validator.write(Uint8Array.of(0x41)), true);
  assert.equal(validator.write(Uint8Array.of(0x41, 0x42, 0x43), 1, 2), true);
});
