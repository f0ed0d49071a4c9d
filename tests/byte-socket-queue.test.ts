import { test } from "node:test";
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { type ByteSocket, OWNED_QUEUE_LIMIT } from "../connection/byte-socket.ts";
import { BunByteSocket } from "../connection/bun-socket.ts";
import { DenoByteSocket } from "../connection/deno-socket.ts";
import { NodeByteSocket } from "../connection/node-socket.ts";

const FRAME = 16 * 1024;

/** A peer that reads nothing: every write stays queued in the socket adapter. */
const stalled: Record<string, () => ByteSocket> = {
  deno: () =>
    new DenoByteSocket({
      read: () => new Promise<number | null>(() => {}),
      write: () => new Promise<number>(() => {}),
      close() {},
    }, false),
  bun: () =>
    new BunByteSocket({
      write: () => 0,
      end() {},
      terminate() {},
      pause() {},
      resume() {},
    }, false),
  node: () =>
    new NodeByteSocket(
      {
        setNoDelay() {},
        on() {},
        destroyed: false,
        write: () => false,
        pause() {},
        resume() {},
        end() {},
        destroy() {},
      } as unknown as Socket,
      false,
    ),
};

const fill = (target: Uint8Array) => {
  target.fill(7, 0, FRAME);
  return FRAME;
};

for (const [name, make] of Object.entries(stalled)) {
  test(`${name} byte socket: a frame in its own memory counts as sent until ${OWNED_QUEUE_LIMIT} bytes wait`, () => {
    const socket = make();
    const answers: boolean[] = [];
    while (socket.pending <= OWNED_QUEUE_LIMIT) answers.push(socket.writeInto(FRAME, fill));
    assert.equal(socket.pending, OWNED_QUEUE_LIMIT + FRAME);
    assert.deepEqual(answers, [true, true, true, true, false]);
    assert.equal(socket.write(new Uint8Array(8)), false, "memory it does not own is waited for");
    socket.destroy();
    assert.equal(socket.writeInto(FRAME, fill), false, "nothing counts as sent once closed");
  });
}

test("bun byte socket: a frame placed past a lead goes out whole, also when Bun takes part of it", () => {
  const sent: number[] = [];
  const offsets: number[] = [];
  let allowance = 5000;
  const socket = new BunByteSocket({
    write(data: Uint8Array, byteOffset = 0, byteLength = data.length - byteOffset) {
      const taken = Math.min(byteLength, allowance);
      allowance -= taken;
      offsets.push(byteOffset);
      sent.push(...data.subarray(byteOffset, byteOffset + taken));
      return taken;
    },
    end() {},
    terminate() {},
    pause() {},
    resume() {},
  }, false);
  const frame = Uint8Array.from({ length: 9000 }, (_, i) => (i * 7 + 1) & 0xff);
  const fillFrame = (target: Uint8Array) => {
    target.set(frame);
    return frame.length;
  };
  assert.equal(socket.writeInto(frame.length + 4, fillFrame, 11), true);
  assert.equal(offsets[0], 11, "the frame starts past its lead in the memory Bun writes from");
  assert.equal(socket.pending, frame.length - 5000);
  allowance = Infinity;
  socket.onDrain();
  assert.equal(socket.pending, 0);
  assert.deepEqual(Uint8Array.from(sent), frame);
});
