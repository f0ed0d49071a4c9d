import { SLAB_LIMIT, VIEW_COPY_LIMIT } from "./bytes.ts";

/**
 * A server that sends back a payload it received (an echo, a relay) can reuse the memory the
 * payload arrived in: the client's frame header sits just before it and is always at least
 * four bytes longer than the unmasked header of the reply, since only client frames carry a
 * mask key. The parser offers each payload it hands out as a view with its header still in
 * front of it; a server connection that sends that very object takes the room once and writes
 * its header there, so the reply goes out without a new buffer or a copy.
 *
 * One slot for the whole process is enough, and keeps at most one payload's memory alive: a
 * reply nearly always follows its message within the same turn, and a payload that lost the
 * slot is copied as any other.
 */
let offered: Uint8Array | undefined;

/**
 * Payloads up to this size are not offered: the parser may hand them out as copies (see
 * {@link SLAB_LIMIT} and {@link VIEW_COPY_LIMIT}), and copying them into a new frame costs
 * little anyway.
 */
export const HEADER_ROOM_MIN = Math.max(SLAB_LIMIT, VIEW_COPY_LIMIT);

/** `payload`'s own frame header, from a client, lies just before it in its buffer. */
export function offerHeaderRoom(payload: Uint8Array): void {
  offered = payload;
}

/** Whether `payload` is the offered one; the room is taken once. */
export function takeHeaderRoom(payload: Uint8Array): boolean {
  if (payload !== offered) return false;
  offered = undefined;
  return true;
}
