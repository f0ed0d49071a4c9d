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
