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
 * Payloads up to this size are not offered with their frame's header: the parser may hand
 * them out as copies (see {@link SLAB_LIMIT} and {@link VIEW_COPY_LIMIT}).
 */
export const HEADER_ROOM_MIN = Math.max(SLAB_LIMIT, VIEW_COPY_LIMIT);

/**
 * Where the parser copies a payload because the socket reads into its chunks again (Deno),
 * a copy of at least this many bytes keeps {@link REPLY_HEADER_ROOM} bytes free in front and
 * is offered, which spares an echo a second buffer and a second copy. A smaller one is not:
 * a reply that shares its payload's memory counts as sent only once the socket has written
 * it, which costs a promise per message on Deno, and copying a small payload into a frame of
 * its own costs less. Echoing on Deno, sharing was 7% slower at 256 bytes, even at 512 and
 * 5% faster at 1 KiB. On Bun a small frame is built in memory every socket shares, which
 * costs no allocation.
 */
export const ROOMY_COPY_MIN = 1024;

/**
 * The longest header of an unmasked frame whose payload takes at most 65,535 bytes: the room
 * a copy of a client's payload leaves in front of itself, where the parser copies one.
 */
export const REPLY_HEADER_ROOM = 4;

/**
 * `payload` has room before it in its buffer for the header of an unmasked frame around it:
 * its own frame header from a client, or at least {@link REPLY_HEADER_ROOM} bytes left free in
 * front of a copy of at most 65,535 bytes.
 */
export function offerHeaderRoom(payload: Uint8Array): void {
  offered = payload;
}

/** Whether `payload` is the offered one; the room is taken once. */
export function takeHeaderRoom(payload: Uint8Array): boolean {
  if (payload !== offered) return false;
  offered = undefined;
  return true;
}
