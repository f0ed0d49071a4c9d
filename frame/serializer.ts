import { applyMask } from "./mask.ts";
import { Opcode } from "./opcode.ts";

const MASK_POOL_SIZE = 4096;
const maskPool = new Uint8Array(MASK_POOL_SIZE);
let maskPoolOffset = MASK_POOL_SIZE;

/** Four fresh random bytes; `crypto.getRandomValues` fills a pool, each mask is used once. */
function nextMask(): Uint8Array {
  if (maskPoolOffset === MASK_POOL_SIZE) {
    crypto.getRandomValues(maskPool);
    maskPoolOffset = 0;
  }
  const mask = maskPool.subarray(maskPoolOffset, maskPoolOffset + 4);
  maskPoolOffset += 4;
  return mask;
}

/** Bytes the header of a frame with `payloadLength` bytes takes, mask key included. */
export function frameHeaderLength(payloadLength: number, masked: boolean): number {
  const lengthBytes = payloadLength < 126 ? 0 : payloadLength < 0x10000 ? 2 : 8;
  return 2 + lengthBytes + (masked ? 4 : 0);
}

/**
 * Writes a frame header into `target` at `offset` (shortest length encoding) and returns
 * the mask key it wrote, or `undefined` for an unmasked frame.
 */
function writeHeader(
  target: Uint8Array,
  offset: number,
  opcode: number,
  payloadLength: number,
  masked: boolean,
  fin: boolean,
  rsv1: boolean,
): Uint8Array | undefined {
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
  if (!masked) return undefined;
  const mask = nextMask();
  target.set(mask, at);
  return mask;
}

/**
 * One complete frame, header and payload in a single buffer so that it goes out in one
 * write. Client frames (`masked`) get a fresh random mask; the caller's `payload` is never
 * modified.
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
  const length = payload.length;
  const headerLength = frameHeaderLength(length, masked);
  const frame = new Uint8Array(headerLength + length);
  const mask = writeHeader(frame, 0, opcode, length, masked, fin, rsv1);
  frame.set(payload, headerLength);
  if (mask !== undefined) applyMask(frame, mask, headerLength);
  return frame;
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

/**
 * A text frame straight from a string: the UTF-8 bytes are encoded into the frame buffer,
 * with no intermediate copy.
 *
 * @example
 * ```ts
 * import { encodeTextFrame } from "@tether/websocket";
 * console.log(encodeTextFrame("hi", false)); // Uint8Array [129, 2, 104, 105]
 * ```
 */
export function encodeTextFrame(text: string, masked: boolean): Uint8Array {
  // Reserve the largest header in front of the worst-case UTF-8 size, encode, then write
  // the real header so that it ends right where the payload starts.
  const reserve = 14;
  const buffer = new Uint8Array(reserve + text.length * 3);
  const { written } = textEncoder.encodeInto(text, buffer.subarray(reserve));
  const headerLength = frameHeaderLength(written, masked);
  const start = reserve - headerLength;
  const mask = writeHeader(buffer, start, Opcode.Text, written, masked, true, false);
  if (mask !== undefined) applyMask(buffer, mask, reserve, reserve + written);
  return buffer.subarray(start, reserve + written);
}

/**
 * Splits one message into frames of at most `maxFrameSize` payload bytes. Text is never
 * cut inside a UTF-8 character, so each text fragment stays well-formed on its own; this
 * needs `maxFrameSize` >= 4 for text. `rsv1` marks the first frame of a compressed message.
 *
 * @example
 * ```ts
 * import { encodeFragments, Opcode } from "@tether/websocket";
 * const bytes = new TextEncoder().encode("añb"); // "ñ" is 2 bytes
 * const frames = encodeFragments(Opcode.Text, bytes, 2, false);
 * console.log(frames.length); // 3: "a", "ñ", "b"
 * ```
 */
export function encodeFragments(
  opcode: number,
  payload: Uint8Array,
  maxFrameSize: number,
  masked: boolean,
  rsv1 = false,
): Uint8Array[] {
  if (!Number.isInteger(maxFrameSize) || maxFrameSize < 1) {
    throw new RangeError(`frame size must be a positive integer, got ${maxFrameSize}`);
  }
  const keepCharacters = opcode === Opcode.Text && !rsv1;
  if (keepCharacters && maxFrameSize < 4 && payload.length > maxFrameSize) {
    throw new RangeError("text needs frames of at least 4 bytes to keep characters whole");
  }
  if (payload.length <= maxFrameSize) return [encodeFrame(opcode, payload, masked, true, rsv1)];
  const frames: Uint8Array[] = [];
  let start = 0;
  while (start < payload.length) {
    let end = Math.min(start + maxFrameSize, payload.length);
    if (keepCharacters) {
      while (end < payload.length && (payload[end] & 0xc0) === 0x80) end--;
    }
    const first = start === 0;
    frames.push(
      encodeFrame(
        first ? opcode : Opcode.Continuation,
        payload.subarray(start, end),
        masked,
        end === payload.length,
        first && rsv1,
      ),
    );
    start = end;
  }
  return frames;
}
