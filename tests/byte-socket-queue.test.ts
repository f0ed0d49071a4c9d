import { test } from "node:test";
import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { type ByteSocket, OWNED_QUEUE_LIMIT } from "../connection/byte-socket.ts";
import { BunByteSocket } from "../connection/bun-socket.ts";
import { DenoByteSocket } from "../connection/deno-socket.ts";
import { NodeByteSocket } from "../connection/node-socket.ts";
import { concatBytes } from "./support.ts";

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

/** A Bun socket that takes at most `allowance.bytes` more and reports what it took, and from where. */
function meteredBunSocket(
  allowance: { bytes: number },
  record: (taken: Uint8Array, byteOffset: number) => void,
): BunByteSocket {
  return new BunByteSocket({
    write(data: Uint8Array, byteOffset = 0, byteLength = data.length - byteOffset) {
      const taken = Math.min(byteLength, allowance.bytes);
      allowance.bytes -= taken;
      record(data.slice(byteOffset, byteOffset + taken), byteOffset);
      return taken;
    },
    end() {},
    terminate() {},
    pause() {},
    resume() {},
  }, false);
}

test("bun byte socket: a frame placed past a lead goes out whole, also when Bun takes part of it", () => {
  const sent: Uint8Array[] = [];
  const offsets: number[] = [];
  const allowance = { bytes: 5000 };
  const socket = meteredBunSocket(allowance, (taken, byteOffset) => {
    offsets.push(byteOffset);
    sent.push(taken);
  });
  const frame = Uint8Array.from({ length: 9000 }, (_, i) => (i * 7 + 1) & 0xff);
  const fillFrame = (target: Uint8Array) => {
    target.set(frame);
    return frame.length;
  };
  assert.equal(socket.writeInto(frame.length + 4, fillFrame, 11), true);
  assert.equal(offsets[0], 11, "the frame starts past its lead in the memory Bun writes from");
  assert.equal(socket.pending, frame.length - 5000);
  allowance.bytes = Infinity;
  socket.onDrain();
  assert.equal(socket.pending, 0);
  assert.deepEqual(concatBytes(...sent), frame);
});

test("bun byte socket: a frame queued behind others, or too large for the shared memory, keeps its lead", () => {
  const written: Uint8Array[] = [];
  const allowance = { bytes: 0 };
  const socket = meteredBunSocket(allowance, (taken) => written.push(taken));
  const queuedStarts: number[] = [];
  const frameOf = (length: number, seed: number) => {
    const frame = new Uint8Array(length);
    for (let i = 0; i < length; i++) frame[i] = (i * 13 + seed) & 0xff;
    return frame;
  };
  const fillWith = (frame: Uint8Array) => (target: Uint8Array) => {
    queuedStarts.push(target.byteOffset & 15);
    target.set(frame);
    return frame.length;
  };
  const first = frameOf(3000, 1);
  const queued = frameOf(5000, 2);
  const large = frameOf(4 * 1024 * 1024 + 100, 3);
  assert.equal(socket.writeInto(first.length, fillWith(first), 3), true, "queued bytes stay few");
  assert.equal(socket.writeInto(queued.length, fillWith(queued), 7), true);
  assert.equal(socket.writeInto(large.length, fillWith(large), 13), false, "4 MiB wait to drain");
  assert.deepEqual(queuedStarts, [3, 7, 13], "each frame starts past its lead");
  assert.equal(socket.pending, first.length + queued.length + large.length);
  allowance.bytes = Infinity;
  socket.onDrain();
  assert.equal(socket.pending, 0);
  assert.deepEqual(concatBytes(...written), concatBytes(first, queued, large));
});
