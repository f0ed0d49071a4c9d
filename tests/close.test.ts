import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CloseCode,
  decodeClosePayload,
  encodeClosePayload,
  FrameError,
  isValidCloseCode,
  MAX_CLOSE_REASON_BYTES,
} from "../mod.ts";

test("close: the code table", () => {
  const valid = new Set<number>();
  for (let code = 0; code < 70000; code++) if (isValidCloseCode(code)) valid.add(code);
  const expected = new Set<number>();
  for (const [low, high] of [[1000, 1003], [1007, 1014], [3000, 4999]]) {
    for (let code = low; code <= high; code++) expected.add(code);
  }
  assert.deepEqual(valid, expected);
  assert.equal(CloseCode.NoStatusReceived, 1005);
  assert.equal(CloseCode.MessageTooBig, 1009);
});

test("close: encode and decode round trip", () => {
  for (
    const [code, reason] of [[1000, ""], [1001, "going away"], [4999, "ñ€𝄞"], [
      3000,
      "r".repeat(123),
    ]] as const
  ) {
    const payload = encodeClosePayload(code, reason);
    assert.deepEqual(decodeClosePayload(payload), { code, reason });
  }
  assert.deepEqual(encodeClosePayload(), new Uint8Array(0));
  assert.deepEqual(decodeClosePayload(new Uint8Array(0)), { code: 1005, reason: "" });
});

test("close: sending an invalid code or an over-long reason is refused", () => {
  for (const code of [0, 999, 1004, 1005, 1006, 1015, 2000, 5000, 1000.5]) {
    assert.throws(() => encodeClosePayload(code), RangeError, `code ${code}`);
  }
  assert.equal(MAX_CLOSE_REASON_BYTES, 123);
  assert.throws(() => encodeClosePayload(1000, "r".repeat(124)), RangeError);
  assert.throws(() => encodeClosePayload(1000, "€".repeat(42)), RangeError); // 126 bytes
  assert.throws(() => encodeClosePayload(undefined, "reason"), RangeError);
});

test("close: received payloads that break the rules are typed errors", () => {
  const oneByte = decodeClosePayload(Uint8Array.of(0x03));
  assert.ok(oneByte instanceof FrameError);
  assert.equal(oneByte.closeCode, 1002);
  const badCode = decodeClosePayload(Uint8Array.of(0x03, 0xed));
  assert.ok(badCode instanceof FrameError);
  assert.equal(badCode.closeCode, 1002);
  const badReason = decodeClosePayload(Uint8Array.of(0x03, 0xe8, 0xc0, 0xaf));
  assert.ok(badReason instanceof FrameError);
  assert.equal(badReason.closeCode, 1007);
});
