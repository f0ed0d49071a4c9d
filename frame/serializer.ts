import { allocateBytes, frameLead, PHASE_KEPT_MIN, releaseUnused } from "./bytes.ts";
import { takeHeaderRoom } from "./header-room.ts";
import { applyMask, copyMasked } from "./mask.ts";
import { Opcode } from "./opcode.ts";

const MASK_POOL_SIZE = 4096;
const maskPool = new Uint8Array(MASK_POOL_SIZE);
let maskPoolOffset = MASK_POOL_SIZE;

/** Below this payload size, copying and masking byte by byte beats two bulk passes. */
const FUSED_MASK_LIMIT = 64;

/**
 * Bytes the header of a frame with `payloadLength` bytes takes, mask key included.
 *
 * @example
 * ```ts
 * import { frameHeaderLength } from "@tether/websocket";
 * console.log(frameHeaderLength(200, true)); // 8: 2 + 2-byte length + 4-byte mask
 * ```
 */
export function frameHeaderLength(payloadLength: number, masked: boolean): number {
  const lengthBytes = payloadLength < 126 ? 0 : payloadLength < 0x10000 ? 2 : 8;
  return 2 + lengthBytes + (masked ? 4 : 0);
}

/**
 * Writes a frame header into `target` at `offset` (shortest length encoding), with a fresh
 * mask key from a pool that `crypto.getRandomValues` refills; each key is used once.
 */
function writeHeader(
  target: Uint8Array,
  offset: number,
  opcode: number,
  payloadLength: number,
  masked: boolean,
  fin: boolean,
  rsv1: boolean,
): void {
  target[offset] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  const maskBit = masked ? 0x80 : 0;
  let at = offset + 2;
  if (payloadLength < 126) {
    target[offset + 1] = maskBit | payloadLength;
  } else if (payloadLength < 0x10000) {
    target[offset + 1] = maskBit | 126;
    target[at++] = payloadLength >>> 8;
    target[at++] = payloadLength & 0xff;
  } else {
    target[offset + 1] = maskBit | 127;
    const high = Math.floor(payloadLength / 0x100000000);
    target[at++] = high >>> 24;
    target[at++] = (high >>> 16) & 0xff;
    target[at++] = (high >>> 8) & 0xff;
    target[at++] = high & 0xff;
    target[at++] = payloadLength >>> 24;
    target[at++] = (payloadLength >>> 16) & 0xff;
    target[at++] = (payloadLength >>> 8) & 0xff;
    target[at++] = payloadLength & 0xff;
  }
  if (!masked) return;
  if (maskPoolOffset === MASK_POOL_SIZE) {
    crypto.getRandomValues(maskPool);
    maskPoolOffset = 0;
  }
  target[at] = maskPool[maskPoolOffset];
  target[at + 1] = maskPool[maskPoolOffset + 1];
  target[at + 2] = maskPool[maskPoolOffset + 2];
  target[at + 3] = maskPool[maskPoolOffset + 3];
  maskPoolOffset += 4;
}

/** Masks `target[start..end)` with the key in the 4 bytes just before `start`. */
function maskPayload(target: Uint8Array, start: number, end: number): void {
  applyMask(target, target.subarray(start - 4, start), start, end);
}

/**
 * One complete frame, header and payload in a single buffer so that it goes out in one
 * write. Client frames (`masked`) get a fresh random mask; the caller's `payload` is never
 * modified. Small frames are carved from shared slabs; on Bun, a frame with a payload of 2
 * KiB or more may start up to 15 bytes into its memory, where its payload copies fastest.
 *
 * @example
 * ```ts
 * import { encodeFrame, Opcode } from "@tether/websocket";
 * const frame = encodeFrame(Opcode.Binary, new Uint8Array([1, 2]), false);
 * console.log(frame); // Uint8Array [130, 2, 1, 2]
 * ```
 */
export function encodeFrame(
  opcode: number,
  payload: Uint8Array,
  masked: boolean,
  fin = true,
  rsv1 = false,
): Uint8Array {
  if (payload.length >= PHASE_KEPT_MIN) {
    return encodeKeepingPhase(opcode, payload, masked, fin, rsv1);
  }
  const frame = allocateBytes(frameHeaderLength(payload.length, masked) + payload.length);
  writeFrame(frame, opcode, payload, masked, fin, rsv1);
  return frame;
}

/**
 * {@link encodeFrame} with the payload at its own offset within 16 bytes (see `frameLead`):
 * kept apart, so that frames on V8 and small frames take the path they always took.
 */
function encodeKeepingPhase(
  opcode: number,
  payload: Uint8Array,
  masked: boolean,
  fin: boolean,
  rsv1: boolean,
): Uint8Array {
  const headerLength = frameHeaderLength(payload.length, masked);
  const lead = frameLead(payload, headerLength);
  const frame = allocateBytes(lead + headerLength + payload.length).subarray(lead);
  writeFrame(frame, opcode, payload, masked, fin, rsv1);
  return frame;
}

/**
 * A final unmasked frame of `payload` built around it, with the header written into the
 * room the parser offered in front of it (see `offerHeaderRoom`); undefined when `payload`
 * has no such room. The frame shares `payload`'s memory.
 */
export function encodeInHeaderRoom(opcode: number, payload: Uint8Array): Uint8Array | undefined {
  if (!takeHeaderRoom(payload)) return undefined;
  const headerLength = frameHeaderLength(payload.length, false);
  const frame = new Uint8Array(
    payload.buffer,
    payload.byteOffset - headerLength,
    headerLength + payload.length,
  );
  writeHeader(frame, 0, opcode, payload.length, false, true, false);
  return frame;
}

/**
 * Writes one complete frame at the start of `target`, which must hold
 * `frameHeaderLength(payload.length, masked) + payload.length` bytes; returns that length.
 * For writers that lend their own memory instead of taking a new buffer per frame.
 */
export function writeFrame(
  target: Uint8Array,
  opcode: number,
  payload: Uint8Array,
  masked: boolean,
  fin = true,
  rsv1 = false,
): number {
  const length = payload.length;
  const headerLength = frameHeaderLength(length, masked);
  writeHeader(target, 0, opcode, length, masked, fin, rsv1);
  if (!masked) {
    target.set(payload, headerLength);
  } else if (length <= FUSED_MASK_LIMIT) {
    const m0 = target[headerLength - 4];
    const m1 = target[headerLength - 3];
    const m2 = target[headerLength - 2];
    const m3 = target[headerLength - 1];
    let i = 0;
    for (; i + 3 < length; i += 4) {
      target[headerLength + i] = payload[i] ^ m0;
      target[headerLength + i + 1] = payload[i + 1] ^ m1;
      target[headerLength + i + 2] = payload[i + 2] ^ m2;
      target[headerLength + i + 3] = payload[i + 3] ^ m3;
    }
    for (; i < length; i++) {
      target[headerLength + i] = payload[i] ^ target[headerLength - 4 + (i & 3)];
    }
  } else {
    copyMasked(target, headerLength, payload, target.subarray(headerLength - 4, headerLength));
  }
  return headerLength + length;
}

/**
 * Only the header of an unmasked frame, for sending a large server payload without copying
 * it: write the header, then the payload itself.
 *
 * @example
 * ```ts
 * import { encodeFrameHeader, Opcode } from "@tether/websocket";
 * console.log(encodeFrameHeader(Opcode.Binary, 70000)); // 10 bytes: 64-bit length
 * ```
 */
export function encodeFrameHeader(
  opcode: number,
  payloadLength: number,
  fin = true,
  rsv1 = false,
): Uint8Array {
  const header = new Uint8Array(frameHeaderLength(payloadLength, false));
  writeHeader(header, 0, opcode, payloadLength, false, fin, rsv1);
  return header;
}

const textEncoder = new TextEncoder();

/** Longer strings are encoded first, so no buffer of 3 bytes per character is kept. */
const ENCODE_INTO_LIMIT = 16 * 1024;
/** Room for the longest header in front of the payload. */
const HEADER_RESERVE = 14;

/**
 * The most bytes a text frame of `text` can take when {@link writeTextFrame} writes it, or
 * undefined when the text is too long to be written straight from the string.
 */
export function textFrameRoom(text: string): number | undefined {
  return text.length > ENCODE_INTO_LIMIT ? undefined : HEADER_RESERVE + text.length * 3;
}

/**
 * Writes a text frame straight from a string at the start of `target`, which must hold
 * {@link textFrameRoom} bytes, with no intermediate copy; returns the frame's length.
 */
export function writeTextFrame(target: Uint8Array, text: string, masked: boolean): number {
  // Every UTF-16 unit takes at least one byte, so the header is at least this long; when the
  // encoded text turns out to need a longer one, the payload moves up to make room.
  const guess = frameHeaderLength(text.length, masked);
  const { written } = textEncoder.encodeInto(text, target.subarray(guess));
  const headerLength = frameHeaderLength(written, masked);
  if (headerLength !== guess) target.copyWithin(headerLength, guess, guess + written);
  writeHeader(target, 0, Opcode.Text, written, masked, true, false);
  if (masked) maskPayload(target, headerLength, headerLength + written);
  return headerLength + written;
}

/**
 * A text frame straight from a string. Short strings are encoded into the frame buffer
 * itself, with no intermediate copy.
 *
 * @example
 * ```ts
 * import { encodeTextFrame } from "@tether/websocket";
 * console.log(encodeTextFrame("hi", false)); // Uint8Array [129, 2, 104, 105]
 * ```
 */
export function encodeTextFrame(text: string, masked: boolean): Uint8Array {
  const room = textFrameRoom(text);
  if (room === undefined) return encodeFrame(Opcode.Text, textEncoder.encode(text), masked);
  const buffer = allocateBytes(room);
  const length = writeTextFrame(buffer, text, masked);
  releaseUnused(buffer, length);
  return buffer.subarray(0, length);
}

/**
 * Splits one message into frames of at most `maxFrameSize` payload bytes. Text is never
 * cut inside a UTF-8 character, so each text fragment stays well-formed on its own; this
 * needs `maxFrameSize` >= 4 for text. `rsv1` marks the first frame of a compressed message.
 *
 * @example
 * ```ts
 * import { encodeFragments, Opcode } from "@tether/websocket";
 * const bytes = new TextEncoder().encode("€€"); // 6 bytes, 3 per character
 * const frames = encodeFragments(Opcode.Text, bytes, 4, false);
 * console.log(frames.map((frame) => frame[1])); // [3, 3]: each frame holds one "€"
 * ```
 */
export function encodeFragments(
  opcode: number,
  payload: Uint8Array,
  maxFrameSize: number,
  masked: boolean,
  rsv1 = false,
): Uint8Array[] {
  const frames: Uint8Array[] = [];
  forEachFragment(opcode, payload, maxFrameSize, rsv1, (kind, piece, fin, compressed) => {
    frames.push(encodeFrame(kind, piece, masked, fin, compressed));
  });
  return frames;
}

/**
 * Cuts one message as {@link encodeFragments} does and hands each frame's opcode, payload,
 * FIN bit and RSV1 bit to `visit`, for writers that encode frames into memory of their own.
 */
export function forEachFragment(
  opcode: number,
  payload: Uint8Array,
  maxFrameSize: number,
  rsv1: boolean,
  visit: (opcode: number, piece: Uint8Array, fin: boolean, rsv1: boolean) => void,
): void {
  if (!Number.isInteger(maxFrameSize) || maxFrameSize < 1) {
    throw new RangeError(`frame size must be a positive integer, got ${maxFrameSize}`);
  }
  const keepCharacters = opcode === Opcode.Text && !rsv1;
  if (keepCharacters && maxFrameSize < 4 && payload.length > maxFrameSize) {
    throw new RangeError("text needs frames of at least 4 bytes to keep characters whole");
  }
  if (payload.length <= maxFrameSize) return visit(opcode, payload, true, rsv1);
  let start = 0;
  while (start < payload.length) {
    let end = Math.min(start + maxFrameSize, payload.length);
    if (keepCharacters) {
      while (end < payload.length && (payload[end] & 0xc0) === 0x80) end--;
    }
    const first = start === 0;
    visit(
      first ? opcode : Opcode.Continuation,
      payload.subarray(start, end),
      end === payload.length,
      first && rsv1,
    );
    start = end;
  }
}
