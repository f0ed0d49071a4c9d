import { test } from "node:test";
import assert from "node:assert/strict";
import {
  FIRST_READ_BUFFER_SIZE,
  LARGEST_READ_BUFFER_SIZE,
  ReadBuffer,
} from "../connection/read-buffer.ts";

/** Reads `count` bytes of `value` into the buffer's room, as a socket read would. */
function read(buffer: ReadBuffer, count: number, value = 1): Uint8Array {
  buffer.room().fill(value, 0, count);
  return buffer.filled(count);
}

test("read buffer: grows fourfold each time a read fills its room, up to 64 KiB", () => {
  const buffer = new ReadBuffer();
  assert.equal(buffer.room().length, FIRST_READ_BUFFER_SIZE);
  read(buffer, FIRST_READ_BUFFER_SIZE);
  assert.equal(buffer.room().length, 4 * FIRST_READ_BUFFER_SIZE);
  read(buffer, 4 * FIRST_READ_BUFFER_SIZE);
  assert.equal(buffer.room().length, LARGEST_READ_BUFFER_SIZE);
  read(buffer, LARGEST_READ_BUFFER_SIZE);
  assert.equal(buffer.room().length, LARGEST_READ_BUFFER_SIZE);
});

test("read buffer: a kept chunk is never read over; one not kept is", () => {
  const buffer = new ReadBuffer();
  const kept = read(buffer, 100, 7);
  buffer.keep(100);
  const next = buffer.room();
  assert.equal(next.buffer, kept.buffer);
  assert.equal(next.byteOffset, kept.byteOffset + 100);
  const dropped = read(buffer, 50, 9);
  assert.deepEqual(kept, new Uint8Array(100).fill(7));
  assert.equal(buffer.room().byteOffset, dropped.byteOffset, "read over again");
  // Once less than a quarter of the buffer is left, the next read gets a new one.
  const rest = FIRST_READ_BUFFER_SIZE - 100 - FIRST_READ_BUFFER_SIZE / 4 + 1;
  read(buffer, rest);
  buffer.keep(rest);
  const fresh = buffer.room();
  assert.notEqual(fresh.buffer, kept.buffer);
  assert.equal(fresh.length, 2 * rest, "as many whole chunks like the last kept as fill 4 KiB");
});

test("read buffer: chunks of one length that are kept fill new buffers whole", () => {
  const buffer = new ReadBuffer();
  read(buffer, FIRST_READ_BUFFER_SIZE);
  read(buffer, 4 * FIRST_READ_BUFFER_SIZE);
  // A 16 KiB message from a client is a frame of 16,392 bytes, here one per read.
  const frame = 16 * 1024 + 8;
  const first = buffer.room();
  assert.equal(first.length, LARGEST_READ_BUFFER_SIZE);
  read(buffer, frame);
  buffer.keep(frame);
  for (let i = 0; i < 2; i++) {
    read(buffer, frame);
    buffer.keep(frame);
  }
  // 64 KiB holds three such frames; the rest is too small for a fourth.
  const second = buffer.room();
  assert.notEqual(second.buffer, first.buffer);
  assert.equal(second.length, 4 * frame);
  for (let i = 0; i < 3; i++) {
    read(buffer, frame);
    buffer.keep(frame);
  }
  const last = buffer.room();
  assert.equal(last.buffer, second.buffer, "the fourth frame fits the room left");
  assert.equal(last.length, frame);
  read(buffer, frame);
  buffer.keep(frame);
  assert.notEqual(buffer.room().buffer, second.buffer);
});

test("read buffer: shrinks fourfold after four small reads in a row, back to 4 KiB", () => {
  const buffer = new ReadBuffer();
  read(buffer, FIRST_READ_BUFFER_SIZE);
  read(buffer, 4 * FIRST_READ_BUFFER_SIZE);
  for (let i = 0; i < 3; i++) read(buffer, 10);
  read(buffer, LARGEST_READ_BUFFER_SIZE / 4, 1); // not small: the count starts over
  for (let i = 0; i < 3; i++) read(buffer, 10);
  assert.equal(buffer.room().length, LARGEST_READ_BUFFER_SIZE);
  read(buffer, 10);
  assert.equal(buffer.room().length, 4 * FIRST_READ_BUFFER_SIZE);
  for (let i = 0; i < 8; i++) read(buffer, 10);
  assert.equal(buffer.room().length, FIRST_READ_BUFFER_SIZE);
});

test("read buffer: behind a kept chunk, reads that keep nothing reuse one view of the room", () => {
  const buffer = new ReadBuffer();
  const head = read(buffer, 155, 3);
  buffer.keep(155);
  const room = buffer.room();
  read(buffer, 26, 5);
  read(buffer, 26, 6);
  assert.equal(buffer.room(), room, "the same view while nothing more is kept");
  assert.equal(room.byteOffset, head.byteOffset + 155);
  assert.deepEqual(head, new Uint8Array(155).fill(3));
  read(buffer, 26, 8);
  buffer.keep(26);
  const after = buffer.room();
  assert.notEqual(after, room, "a new view once more is kept");
  assert.equal(after.byteOffset, head.byteOffset + 155 + 26);
});

test("read buffer: after shrinking below a chunk kept earlier, reads share one buffer again", () => {
  const buffer = new ReadBuffer();
  read(buffer, FIRST_READ_BUFFER_SIZE);
  read(buffer, 4 * FIRST_READ_BUFFER_SIZE);
  const big = 40 * 1024;
  read(buffer, big);
  buffer.keep(big);
  for (let i = 0; i < 4; i++) read(buffer, 10);
  const shrunk = buffer.room();
  assert.equal(shrunk.length, 4 * FIRST_READ_BUFFER_SIZE);
  read(buffer, 10);
  assert.equal(buffer.room().buffer, shrunk.buffer, "no new buffer for each read");
});
