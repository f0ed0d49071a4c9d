import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  applyMask,
  encodeFragments,
  encodeFrame,
  encodeFrameHeader,
  encodeTextFrame,
  frameHeaderLength,
  FrameParser,
  isValidUtf8,
  Opcode,
  toBytes,
} from "../mod.ts";
import { applyMaskBytewise, copyMasked, masksThroughSimd, simdFrameMemory } from "../frame/mask.ts";
import { frameLead, SLAB_LIMIT } from "../frame/bytes.ts";
import { HEADER_ROOM_MIN, ROOMY_COPY_MIN } from "../frame/header-room.ts";
import { encodeInHeaderRoom } from "../frame/serializer.ts";
import { handlerWith, record } from "./support.ts";

function bytesOf(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 13 + 5) & 0xff);
}

test("serializer: shortest length encoding at every boundary, parsed back exactly", () => {
  const cases: Array<[number, number]> = [[0, 2], [125, 2], [126, 4], [127, 4], [65535, 4], [
    65536,
    10,
  ], [70000, 10]];
  for (const [length, headerBytes] of cases) {
    const payload = bytesOf(length);
    const unmasked = encodeFrame(Opcode.Binary, payload, false);
    assert.equal(unmasked.length, headerBytes + length, `unmasked ${length}`);
    assert.equal(frameHeaderLength(length, false), headerBytes);
    assert.equal(unmasked[0], 0x82);
    assert.equal(unmasked[1] & 0x80, 0);
    const client = record({ role: "client" });
    client.feed(unmasked);
    assert.deepEqual(client.events, [["binary", [...payload]]]);

    const masked = encodeFrame(Opcode.Binary, payload, true);
    assert.equal(masked.length, headerBytes + 4 + length, `masked ${length}`);
    assert.equal(masked[1] & 0x80, 0x80);
    const server = record({ role: "server" });
    server.feed(masked);
    assert.deepEqual(server.events, [["binary", [...payload]]]);
  }
});

test("serializer: headers for lengths beyond 2^32 use all 64 bits", () => {
  const header = encodeFrameHeader(Opcode.Binary, 2 ** 32 + 5);
  assert.deepEqual([...header], [0x82, 127, 0, 0, 0, 1, 0, 0, 0, 5]);
  const large = encodeFrameHeader(Opcode.Binary, 2 ** 40 + 258);
  assert.deepEqual([...large], [0x82, 127, 0, 0, 1, 0, 0, 0, 1, 2]);
});

test("serializer: fin and rsv1 bits, and every opcode", () => {
  assert.equal(encodeFrame(Opcode.Text, new Uint8Array(0), false, false)[0], 0x01);
  assert.equal(encodeFrame(Opcode.Text, new Uint8Array(0), false, true, true)[0], 0xc1);
  assert.equal(encodeFrame(Opcode.Continuation, new Uint8Array(0), false)[0], 0x80);
  assert.equal(encodeFrame(Opcode.Close, new Uint8Array(0), false)[0], 0x88);
  assert.equal(encodeFrame(Opcode.Ping, new Uint8Array(0), false)[0], 0x89);
  assert.equal(encodeFrame(Opcode.Pong, new Uint8Array(0), false)[0], 0x8a);
});

test("serializer: masked frames get a fresh mask each time and leave the payload untouched", () => {
  const payload = bytesOf(64);
  const copy = payload.slice();
  const masks = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const frame = encodeFrame(Opcode.Binary, payload, true);
    masks.add(frame.subarray(2, 6).join(","));
  }
  assert.deepEqual(payload, copy);
  assert.ok(masks.size > 1990, `only ${masks.size} distinct masks in 2000 frames`);
});

test("serializer: offset views send exactly their own bytes", () => {
  const backing = Uint8Array.from({ length: 32 }, (_, i) => i);
  const views = [
    new Uint8Array(backing.buffer, 5, 7),
    new DataView(backing.buffer, 3, 9),
    new Uint16Array(backing.buffer, 8, 4),
    backing.buffer.slice(10, 20),
  ];
  for (const view of views) {
    const bytes = toBytes(view);
    const expected = [...new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)];
    const client = record({ role: "client" });
    client.feed(encodeFrame(Opcode.Binary, bytes, false));
    assert.deepEqual(client.events, [["binary", expected]]);
    assert.equal(expected.length, view.byteLength);
  }
});

test("serializer: text frames straight from strings match encoded bytes", () => {
  for (
    const text of [
      "",
      "hi",
      "κόσμε 𝄞",
      "x".repeat(200),
      // Fewer than 126 characters but 126 bytes or more: the header grows after encoding.
      "€".repeat(42),
      "€".repeat(50) + "x",
      "€".repeat(5000),
      "€".repeat(30000),
      "x".repeat(70000),
    ]
  ) {
    const bytes = new TextEncoder().encode(text);
    assert.deepEqual(encodeTextFrame(text, false), encodeFrame(Opcode.Text, bytes, false));
    const server = record({ role: "server" });
    server.feed(encodeTextFrame(text, true));
    assert.deepEqual(server.events, [["text", text]]);
  }
});

test("serializer: text frames from a shared slab do not overlap", () => {
  const texts = Array.from({ length: 500 }, (_, i) => "t".repeat(i % 97) + "€".repeat(i % 13));
  const frames = texts.map((text) => encodeTextFrame(text, false));
  frames.forEach((frame, i) => {
    const client = record({ role: "client" });
    client.feed(frame);
    assert.deepEqual(client.events, [["text", texts[i]]], `frame ${i}`);
  });
});

test("serializer: frames kept side by side stay intact across the slab sizes", () => {
  // Both runtimes carve some sizes from shared slabs (Bun from 513 bytes, Deno from 1); every
  // frame must keep its own bytes however many are encoded after it.
  const sizes = Array.from({ length: 400 }, (_, i) => (i * 37) % 3000);
  const payloads = sizes.map((size, i) => bytesOf(size).map((byte) => byte ^ i));
  const frames = payloads.map((payload, i) => encodeFrame(Opcode.Binary, payload, i % 2 === 0));
  const texts = sizes.map((size, i) => "€".repeat(size % 700) + String(i));
  const textFrames = texts.map((text, i) => encodeTextFrame(text, i % 2 === 0));
  frames.forEach((frame, i) => {
    const peer = record({ role: i % 2 === 0 ? "server" : "client" });
    peer.feed(frame);
    assert.deepEqual(peer.events, [["binary", [...payloads[i]]]], `binary frame ${i}`);
  });
  textFrames.forEach((frame, i) => {
    const peer = record({ role: i % 2 === 0 ? "server" : "client" });
    peer.feed(frame);
    assert.deepEqual(peer.events, [["text", texts[i]]], `text frame ${i}`);
  });
});

test("serializer: fragments never cut a UTF-8 character and reassemble to the message", () => {
  const text = "a€𝄞ñ".repeat(50) + "tail";
  const bytes = new TextEncoder().encode(text);
  for (const size of [4, 5, 6, 7, 16, 100, bytes.length - 1, bytes.length]) {
    const frames = encodeFragments(Opcode.Text, bytes, size, true);
    const server = record({ role: "server" });
    let payloadBytes = 0;
    frames.forEach((frame, index) => {
      const length = frame[1] & 0x7f;
      const payloadLength = length === 126 ? (frame[2] << 8) | frame[3] : length;
      assert.ok(payloadLength <= size, `fragment ${index} has ${payloadLength} > ${size} bytes`);
      const offset = length === 126 ? 8 : 6;
      const payload = frame.slice(offset);
      applyMask(payload, frame.subarray(offset - 4, offset));
      assert.ok(isValidUtf8(payload), `fragment ${index} of size ${size} cut a character`);
      assert.equal(frame[0] & 0x0f, index === 0 ? Opcode.Text : Opcode.Continuation);
      assert.equal((frame[0] & 0x80) !== 0, index === frames.length - 1);
      payloadBytes += payloadLength;
      server.feed(frame);
    });
    assert.equal(payloadBytes, bytes.length);
    assert.deepEqual(server.events, [["text", text]]);
  }
});

test("serializer: binary fragments use the full size and RSV1 only on the first frame", () => {
  const payload = bytesOf(10);
  const frames = encodeFragments(Opcode.Binary, payload, 3, false, true);
  assert.deepEqual(frames.map((frame) => frame[1]), [3, 3, 3, 1]);
  assert.deepEqual(frames.map((frame) => frame[0]), [0x42, 0x00, 0x00, 0x80]);
  assert.throws(() => encodeFragments(Opcode.Text, payload, 3, false), RangeError);
  assert.throws(() => encodeFragments(Opcode.Binary, payload, 0, false), RangeError);
});

test("mask: 32-bit and unrolled byte masking equal plain XOR at every alignment, length and phase", () => {
  const mask = Uint8Array.of(0x12, 0x34, 0x56, 0x78);
  const backing = Uint8Array.from({ length: 140_000 }, (_, i) => (i * 7) & 0xff);
  // Past 2 KiB, Deno masks through WebAssembly SIMD in pieces of 64 KiB.
  const lengths = [
    ...[0, 1, 2, 3, 4, 5, 6, 7, 31, 32, 33, 45, 59, 64, 91, 100, 157, 257, 1000],
    ...[2047, 2048, 2049, 2111, 4160, 65536 + 64 + 5, 131_137],
  ];
  for (const masker of [applyMask, applyMaskBytewise]) {
    for (const offset of [0, 1, 2, 3]) {
      for (const length of lengths) {
        for (const phase of [0, 1, 2, 3]) {
          const label = `${masker.name}: offset ${offset}, length ${length}, phase ${phase}`;
          // The range at the start of a view that begins `offset` bytes into its buffer...
          const view = new Uint8Array(backing.buffer.slice(0), offset, length);
          const expected = Uint8Array.from(view, (byte, i) => byte ^ mask[(phase + i) & 3]);
          masker(view, mask, 0, length, phase);
          assert.deepEqual(view, expected, label);
          // ...and `offset` bytes into a whole buffer, the bytes around it untouched.
          const whole = backing.slice();
          masker(whole, mask, offset, offset + length, phase);
          assert.deepEqual(whole.subarray(offset, offset + length), expected, label);
          assert.deepEqual(whole.subarray(0, offset), backing.subarray(0, offset), label);
          assert.deepEqual(
            whole.subarray(offset + length),
            backing.subarray(offset + length),
            label,
          );
        }
      }
    }
  }
});

test("mask: copyMasked equals a copy and XOR, keeps the payload, and V8 masks in place via SIMD", () => {
  const mask = Uint8Array.of(0x9a, 0xbc, 0xde, 0xf0);
  for (const length of [0, 5, 63, 64, 2047, 2048, 2049, 9000, 65536 + 64 + 3, 200_000]) {
    const payload = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
    const original = payload.slice();
    const expected = Uint8Array.from(payload, (byte, i) => byte ^ mask[i & 3]);
    // Targets at every offset within 16 bytes move the module's work area with them.
    for (const at of [3, 10, 16]) {
      const target = new Uint8Array(length + at + 10).fill(0xee);
      copyMasked(target, at, payload, mask);
      const where = `length ${length} at ${at}`;
      assert.deepEqual(target.subarray(at, at + length), expected, where);
      assert.ok(target.subarray(0, at).every((byte) => byte === 0xee), `before, ${where}`);
      assert.ok(target.subarray(at + length).every((byte) => byte === 0xee), `after, ${where}`);
      assert.deepEqual(payload, original, `payload changed, ${where}`);
    }
  }
  // Deno runs V8, which also masks large ranges in place through the module; Bun keeps its loop.
  assert.equal(masksThroughSimd(4096), typeof (globalThis as { Deno?: unknown }).Deno === "object");
  assert.equal(masksThroughSimd(2047), false);
});

test("serializer: on Bun a payload of 2 KiB or more keeps its offset within 16 bytes in its frame", () => {
  const bun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
  for (const offset of [0, 1, 8, 13]) {
    for (const length of [100, 2047, 2048, 20_000, 70_000]) {
      const payload = bytesOf(length + offset).subarray(offset);
      for (const masked of [false, true]) {
        const headerLength = frameHeaderLength(length, masked);
        const lead = frameLead(payload, headerLength);
        const where = `offset ${offset}, length ${length}, masked ${masked}`;
        assert.equal(lead, bun && length >= 2048 ? (offset - headerLength) & 15 : 0, where);
        const frame = encodeFrame(Opcode.Binary, payload, masked);
        assert.equal(frame.length, headerLength + length, where);
        if (lead > 0) {
          assert.equal((frame.byteOffset + headerLength - payload.byteOffset) & 15, 0, where);
        }
        const body = frame.slice(headerLength);
        if (masked) applyMask(body, frame.subarray(headerLength - 4, headerLength));
        assert.deepEqual(body, payload, where);
      }
    }
  }
});

test("mask: frame memory is masked where it lies, apart from the module's own work, as it grows", () => {
  const mask = Uint8Array.of(0x0f, 0xf0, 0x55, 0xaa);
  const pattern = (length: number, seed: number) =>
    Uint8Array.from({ length }, (_, i) => (i * seed + 3) & 0xff);
  const small = simdFrameMemory(4096)!;
  assert.ok(small.length >= 4096);
  for (const offset of [0, 1, 2, 3]) {
    for (const length of [255, 256, 257, 319, 320, 1000, 4000]) {
      for (const phase of [0, 3]) {
        const label = `offset ${offset}, length ${length}, phase ${phase}`;
        const before = pattern(4096, 7);
        small.set(before);
        applyMask(small, mask, offset, offset + length, phase);
        const expected = before.slice();
        for (let i = 0; i < length; i++) expected[offset + i] ^= mask[(phase + i) & 3];
        assert.deepEqual(small.subarray(0, 4096), expected, label);
      }
      const payload = pattern(length, 11);
      const original = payload.slice();
      small.fill(0xee, 0, 4096);
      copyMasked(small, offset + 10, payload, mask);
      assert.deepEqual(payload, original, `payload of length ${length} changed`);
      for (let i = 0; i < length; i++) {
        assert.equal(small[offset + 10 + i], payload[i] ^ mask[i & 3], `copy, byte ${i}`);
      }
      assert.ok(small.subarray(0, offset + 10).every((byte) => byte === 0xee));
      assert.ok(small.subarray(offset + 10 + length, 4096).every((byte) => byte === 0xee));
    }
  }
  // Asking for more than it holds grows the module's memory: what was given out goes stale.
  const smallLength = small.length;
  const large = simdFrameMemory(Math.max(300_000, smallLength + 1))!;
  assert.ok(large.length > smallLength && large.length >= 300_000);
  assert.equal(small.length, 0);
  const frame = pattern(300_000, 5);
  large.set(frame);
  // A range elsewhere is masked through the module's work area, which frame memory is not.
  const outside = pattern(200_000, 3);
  copyMasked(new Uint8Array(200_000), 0, outside, mask);
  applyMask(outside, mask);
  assert.equal(large.findIndex((byte, i) => i < 300_000 && byte !== frame[i]), -1);
  copyMasked(large, 14, frame.subarray(0, 299_000), mask);
  const wrong = frame.subarray(0, 299_000).findIndex((byte, i) =>
    large[14 + i] !== (byte ^ mask[i & 3])
  );
  assert.equal(wrong, -1, "first wrong byte in grown memory");
  assert.equal(simdFrameMemory(1000), large, "smaller requests reuse the memory given out");
});

test("mask: where WebAssembly cannot be compiled, large ranges are masked by the loop", () => {
  // A process of the same runtime without WebAssembly, as on edge platforms that refuse it.
  const script = `
    delete globalThis.WebAssembly;
    const { applyMask, copyMasked, masksThroughSimd, simdFrameMemory } = await import(${
    JSON.stringify(new URL("../frame/mask.ts", import.meta.url).href)
  });
    const mask = Uint8Array.of(1, 2, 3, 4);
    const original = Uint8Array.from({ length: 100_003 }, (_, i) => (i * 13) & 0xff);
    const data = original.slice();
    applyMask(data, mask, 0, data.length, 0);
    const framed = new Uint8Array(data.length);
    copyMasked(framed, 0, original, mask);
    const right = data.every((byte, i) => byte === (original[i] ^ mask[i & 3])) &&
      framed.every((byte, i) => byte === data[i]);
    console.log(JSON.stringify({
      simd: masksThroughSimd(4096),
      frameMemory: simdFrameMemory(4096) !== undefined,
      right,
    }));
  `;
  const isDeno = typeof (globalThis as { Deno?: unknown }).Deno === "object";
  const run = spawnSync(process.execPath, isDeno ? ["eval", script] : ["-e", script], {
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout.trim()), {
    simd: false,
    frameMemory: false,
    right: true,
  });
});

/** The binary payloads a parser of `role` hands out for `chunks`, pushed in turn. */
function payloadsOf(role: "server" | "client", chunks: Uint8Array[]): Uint8Array[] {
  const payloads: Uint8Array[] = [];
  const parser = new FrameParser({ role }, handlerWith({ binary: (data) => payloads.push(data) }));
  for (const chunk of chunks) parser.push(chunk);
  return payloads;
}

test("header room: a client's payload that arrived whole is framed in place, once", () => {
  for (const length of [HEADER_ROOM_MIN + 1, 16 * 1024, 70000]) {
    const payload = bytesOf(length);
    const [received] = payloadsOf("server", [encodeFrame(Opcode.Binary, payload, true)]);
    const frame = encodeInHeaderRoom(Opcode.Binary, received);
    assert.ok(frame !== undefined, `room for ${length} bytes`);
    assert.equal(frame.buffer, received.buffer);
    assert.equal(frame.byteOffset + frameHeaderLength(length, false), received.byteOffset);
    assert.deepEqual(frame, encodeFrame(Opcode.Binary, payload, false));
    assert.deepEqual(received, payload, "the payload itself is untouched");
    assert.equal(encodeInHeaderRoom(Opcode.Binary, received), undefined, "the room is used once");
  }
});

test("header room: from a chunk read into again, a copy of 1-2 KiB keeps room of its own", () => {
  // As a recycling socket (Deno's) reads: into one buffer, scribbled over once the parser
  // kept nothing of it, a fresh one when it kept a view.
  let chunk = new Uint8Array(4096);
  const received: Uint8Array[] = [];
  const parser = new FrameParser(
    { role: "server", reusedChunks: true },
    handlerWith({ binary: (data) => received.push(data) }),
  );
  const lengths = [ROOMY_COPY_MIN - 1, ROOMY_COPY_MIN, 1500, 2048, 2049];
  // Made first, and each in memory of its own, so that the parser's copies lie side by side.
  const frames = lengths.map((length, n) =>
    encodeFrame(Opcode.Binary, bytesOf(length).map((byte) => byte ^ n), true).slice()
  );
  for (const [n, length] of lengths.entries()) {
    const frame = frames[n];
    chunk.set(frame);
    const keptNothing = parser.push(chunk.subarray(0, frame.length));
    const payload = received[n];
    const copied = payload.buffer !== chunk.buffer;
    if (keptNothing) chunk.fill(0xee);
    else chunk = new Uint8Array(4096);
    const framed = encodeInHeaderRoom(Opcode.Binary, payload);
    // Copied with room from ROOMY_COPY_MIN up to SLAB_LIMIT; a larger payload keeps the chunk
    // and its own header's room; a smaller copy has none.
    assert.equal(copied, length <= SLAB_LIMIT, `${length} bytes copied`);
    assert.equal(
      framed !== undefined,
      copied ? length >= ROOMY_COPY_MIN : length > HEADER_ROOM_MIN,
      `room for ${length} bytes`,
    );
    if (framed !== undefined) {
      assert.equal(framed.buffer, payload.buffer);
      assert.deepEqual(framed, encodeFrame(Opcode.Binary, payload, false));
    }
  }
  for (const [n, length] of lengths.entries()) {
    assert.deepEqual(received[n], bytesOf(length).map((byte) => byte ^ n), `${length} kept`);
  }
});

test("header room: none for a split header, a fragment, a small payload, a server's frame or a stale payload", () => {
  const payload = bytesOf(HEADER_ROOM_MIN + 100);
  const small = bytesOf(HEADER_ROOM_MIN);
  const frame = encodeFrame(Opcode.Binary, payload, true);
  const cases: Array<[string, "server" | "client", Uint8Array[], Uint8Array]> = [
    ["header split across chunks", "server", [frame.slice(0, 3), frame.slice(3)], payload],
    ["payload split across chunks", "server", [frame.slice(0, 100), frame.slice(100)], payload],
    [
      "fragmented message",
      "server",
      encodeFragments(Opcode.Binary, payload, HEADER_ROOM_MIN + 50, true),
      payload,
    ],
    [
      "payload of HEADER_ROOM_MIN bytes",
      "server",
      [encodeFrame(Opcode.Binary, small, true)],
      small,
    ],
    ["frame from a server", "client", [encodeFrame(Opcode.Binary, payload, false)], payload],
  ];
  for (const [name, role, chunks, expected] of cases) {
    const [received] = payloadsOf(role, chunks);
    assert.deepEqual(received, expected, name);
    assert.equal(encodeInHeaderRoom(Opcode.Binary, received), undefined, name);
  }
  const [first] = payloadsOf("server", [encodeFrame(Opcode.Binary, payload, true)]);
  const [second] = payloadsOf("server", [encodeFrame(Opcode.Binary, payload, true)]);
  assert.equal(
    encodeInHeaderRoom(Opcode.Binary, first),
    undefined,
    "a later payload took the room",
  );
  assert.ok(encodeInHeaderRoom(Opcode.Binary, second) !== undefined);
});
