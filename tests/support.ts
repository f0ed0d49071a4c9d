import { type FrameHandler, FrameParser, type FrameParserOptions } from "../mod.ts";

/** Everything a parser reported, in order, as plain comparable values. */
export type ParserEvent =
  | ["text", string]
  | ["binary", number[]]
  | ["compressed", boolean, number[]]
  | ["ping", number[]]
  | ["pong", number[]]
  | ["close", number, string]
  | ["error", number];

export interface Recorder {
  parser: FrameParser;
  events: ParserEvent[];
  /** Pushes a private copy, since the parser owns and unmasks what it is given. */
  feed(bytes: Uint8Array): void;
}

export function record(options: FrameParserOptions): Recorder {
  const events: ParserEvent[] = [];
  const parser = new FrameParser(options, {
    text: (data) => events.push(["text", data]),
    binary: (data) => events.push(["binary", [...data]]),
    compressed: (isText, data) => events.push(["compressed", isText, [...data]]),
    ping: (data) => events.push(["ping", [...data]]),
    pong: (data) => events.push(["pong", [...data]]),
    close: (code, reason) => events.push(["close", code, reason]),
    error: (error) => events.push(["error", error.closeCode]),
  });
  return { parser, events, feed: (bytes) => parser.push(bytes.slice()) };
}

/** A handler that ignores everything except what `overrides` handles. */
export function handlerWith(overrides: Partial<FrameHandler> = {}): FrameHandler {
  const ignore = () => {};
  return {
    text: ignore,
    binary: ignore,
    compressed: ignore,
    ping: ignore,
    pong: ignore,
    close: ignore,
    error: ignore,
    ...overrides,
  };
}

export interface RawFrame {
  opcode: number;
  payload?: Uint8Array | number[] | string;
  fin?: boolean;
  /** RSV bits as the 3-bit value 0-7 (4 = RSV1). */
  rsv?: number;
  /** A mask key, or `false` for an unmasked frame. Default: a fixed mask. */
  mask?: number[] | false;
  /** Force a length encoding: 7, 16 or 64 bits. */
  lengthBits?: 7 | 16 | 64;
  /** Claim this payload length in the header instead of the real one. */
  declaredLength?: number;
}

const FIXED_MASK = [0x37, 0xfa, 0x21, 0x3d];

/** Builds frame bytes by hand, independently of the library's serializer. */
export function rawFrame(spec: RawFrame): Uint8Array {
  const payload = typeof spec.payload === "string"
    ? new TextEncoder().encode(spec.payload)
    : Uint8Array.from(spec.payload ?? []);
  const mask = spec.mask === undefined ? FIXED_MASK : spec.mask;
  const length = spec.declaredLength ?? payload.length;
  const bits = spec.lengthBits ?? (length < 126 ? 7 : length < 65536 ? 16 : 64);
  const bytes: number[] = [((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | spec.opcode];
  const maskBit = mask ? 0x80 : 0;
  if (bits === 7) bytes.push(maskBit | length);
  else if (bits === 16) bytes.push(maskBit | 126, length >> 8, length & 0xff);
  else {
    bytes.push(maskBit | 127);
    const high = Math.floor(length / 2 ** 32);
    const low = length >>> 0;
    bytes.push(high >>> 24, (high >>> 16) & 0xff, (high >>> 8) & 0xff, high & 0xff);
    bytes.push(low >>> 24, (low >>> 16) & 0xff, (low >>> 8) & 0xff, low & 0xff);
  }
  if (mask) bytes.push(...mask);
  const frame = new Uint8Array(bytes.length + payload.length);
  frame.set(bytes);
  for (let i = 0; i < payload.length; i++) {
    frame[bytes.length + i] = mask ? payload[i] ^ mask[i & 3] : payload[i];
  }
  return frame;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const result = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    result.set(part, offset);
    offset += part.length;
  }
  return result;
}

/** Deterministic pseudo-random numbers (mulberry32) so that failures can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
