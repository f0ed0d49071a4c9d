// The conformance suite's own view of the wire, written apart from the library so that it
// judges the library instead of agreeing with it: a frame encoder that can break every rule
// on purpose, and a decoder that reports exactly what the peer sent.

const encoder = new TextEncoder();

/** A frame as the suite sends it; every field can be set to something invalid. */
export interface FrameSpec {
  opcode: number;
  payload?: Uint8Array | string;
  fin?: boolean;
  rsv?: number;
  /** Mask with this key; a client must, a server must not. */
  mask?: Uint8Array | false;
  /** Declared length, when it should differ from the payload's. */
  length?: number;
}

export function bytesOf(payload: Uint8Array | string | undefined): Uint8Array {
  if (payload === undefined) return new Uint8Array(0);
  return typeof payload === "string" ? encoder.encode(payload) : payload;
}

const DEFAULT_MASK = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);

/** Encodes one frame exactly as specified. */
export function frame(spec: FrameSpec): Uint8Array {
  const payload = bytesOf(spec.payload);
  const length = spec.length ?? payload.length;
  const mask = spec.mask === undefined ? DEFAULT_MASK : spec.mask;
  const extra = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const header = 2 + extra + (mask ? 4 : 0);
  const out = new Uint8Array(header + payload.length);
  out[0] = ((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | (spec.opcode & 0x0f);
  out[1] = (mask ? 0x80 : 0) | (extra === 0 ? length : extra === 2 ? 126 : 127);
  const view = new DataView(out.buffer);
  if (extra === 2) view.setUint16(2, length);
  if (extra === 8) view.setBigUint64(2, BigInt(length));
  if (mask) {
    out.set(mask, 2 + extra);
    for (let i = 0; i < payload.length; i++) out[header + i] = payload[i] ^ mask[i & 3];
  } else {
    out.set(payload, header);
  }
  return out;
}

/** A close frame's payload. */
export function closePayload(code: number, reason = ""): Uint8Array {
  const text = encoder.encode(reason);
  const out = new Uint8Array(2 + text.length);
  new DataView(out.buffer).setUint16(0, code);
  out.set(text, 2);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** What the peer sent, frame by frame, with messages reassembled. */
export type PeerEvent =
  | { type: "text"; data: string; bytes: Uint8Array }
  | { type: "binary"; data: Uint8Array }
  | { type: "ping"; data: Uint8Array }
  | { type: "pong"; data: Uint8Array }
  | { type: "close"; code: number | undefined; reason: string }
  | { type: "violation"; what: string };

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Decodes the peer's frames. It checks only what tells a conforming peer from another:
 * masking by role, reserved bits and opcodes, control frame rules, fragmentation order and
 * UTF-8 of text; anything else wrong is a "violation" event.
 */
export class FrameReader {
  readonly events: PeerEvent[] = [];
  #buffer: Uint8Array = new Uint8Array(0);
  #fragments: Uint8Array[] = [];
  #fragmentOpcode = 0;
  #closed = false;
  readonly #peerMasks: boolean;
  /** Called after each event. */
  onEvent: () => void = () => {};
  /** Whether the handshake agreed on permessage-deflate, which allows RSV1. */
  compressed = false;
  /** Inflates a message whose first frame had RSV1. */
  inflate: ((data: Uint8Array) => Promise<Uint8Array>) | undefined;
  #rsv1 = false;
  /** Where recording stands once messages are inflated (see #emit). */
  #order = Promise.resolve();
  /** A close or violation was recorded; nothing after it is. */
  #ended = false;

  /** `peerMasks`: whether the peer is a client (whose frames must be masked). */
  constructor(peerMasks: boolean) {
    this.#peerMasks = peerMasks;
  }

  push(chunk: Uint8Array): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : concat(this.#buffer, chunk);
    while (!this.#closed && this.#readFrame());
  }

  /**
   * Records an event in arrival order: behind any message still being inflated, which is
   * why recording goes through a promise chain once the session compresses.
   */
  #emit(event: PeerEvent | (() => Promise<PeerEvent>)): void {
    if (typeof event !== "function" && (event.type === "violation" || event.type === "close")) {
      this.#closed = true;
    }
    if (this.inflate === undefined && typeof event !== "function") {
      this.#record(event);
      return;
    }
    this.#order = this.#order.then(async () => {
      this.#record(typeof event === "function" ? await event() : event);
    });
  }

  #record(event: PeerEvent): void {
    if (this.#ended) return;
    if (event.type === "violation" || event.type === "close") this.#ended = true;
    this.events.push(event);
    this.onEvent();
  }

  #readFrame(): boolean {
    const bytes = this.#buffer;
    if (bytes.length < 2) return false;
    const fin = (bytes[0] & 0x80) !== 0;
    const rsv = (bytes[0] >> 4) & 7;
    const opcode = bytes[0] & 0x0f;
    const masked = (bytes[1] & 0x80) !== 0;
    let length = bytes[1] & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (bytes.length < 4) return false;
      length = (bytes[2] << 8) | bytes[3];
      offset = 4;
    } else if (length === 127) {
      if (bytes.length < 10) return false;
      length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(2));
      offset = 10;
    }
    const maskOffset = offset;
    if (masked) offset += 4;
    if (bytes.length < offset + length) return false;
    const payload = bytes.slice(offset, offset + length);
    if (masked) {
      for (let i = 0; i < payload.length; i++) payload[i] ^= bytes[maskOffset + (i & 3)];
    }
    this.#buffer = bytes.subarray(offset + length);
    if (masked !== this.#peerMasks) {
      this.#emit({
        type: "violation",
        what: masked ? "masked frame from a server" : "unmasked frame from a client",
      });
      return false;
    }
    if (rsv !== 0 && !(rsv === 4 && this.compressed)) {
      this.#emit({ type: "violation", what: `RSV bits ${rsv}` });
      return false;
    }
    if (opcode >= 8) return this.#control(opcode, fin, payload);
    return this.#data(opcode, fin, payload, rsv);
  }

  #control(opcode: number, fin: boolean, payload: Uint8Array): boolean {
    if (!fin || payload.length > 125) {
      this.#emit({ type: "violation", what: "fragmented or long control frame" });
      return false;
    }
    if (opcode === 8) {
      if (payload.length === 1) {
        this.#emit({ type: "violation", what: "one-byte close payload" });
        return false;
      }
      let reason = "";
      if (payload.length > 2) {
        try {
          reason = strictUtf8.decode(payload.subarray(2));
        } catch {
          this.#emit({ type: "violation", what: "close reason is not UTF-8" });
          return false;
        }
      }
      const code = payload.length >= 2 ? (payload[0] << 8) | payload[1] : undefined;
      this.#emit({ type: "close", code, reason });
      return false;
    }
    if (opcode === 9) this.#emit({ type: "ping", data: payload });
    else if (opcode === 10) this.#emit({ type: "pong", data: payload });
    else {
      this.#emit({ type: "violation", what: `reserved opcode ${opcode}` });
      return false;
    }
    return true;
  }

  #message(kind: number, data: Uint8Array): PeerEvent {
    if (kind === 2) return { type: "binary", data };
    try {
      return { type: "text", data: strictUtf8.decode(data), bytes: data };
    } catch {
      return { type: "violation", what: "text message is not UTF-8" };
    }
  }

  #data(opcode: number, fin: boolean, payload: Uint8Array, rsv: number): boolean {
    if (opcode === 0) {
      if (this.#fragmentOpcode === 0) {
        this.#emit({ type: "violation", what: "continuation without a message" });
        return false;
      }
    } else if (opcode === 1 || opcode === 2) {
      if (this.#fragmentOpcode !== 0) {
        this.#emit({ type: "violation", what: "new message inside a fragmented one" });
        return false;
      }
      this.#fragmentOpcode = opcode;
      this.#rsv1 = rsv === 4;
    } else {
      this.#emit({ type: "violation", what: `reserved opcode ${opcode}` });
      return false;
    }
    this.#fragments.push(payload);
    if (!fin) return true;
    const data = concat(...this.#fragments);
    const kind = this.#fragmentOpcode;
    this.#fragments = [];
    this.#fragmentOpcode = 0;
    if (!this.#rsv1) {
      this.#emit(this.#message(kind, data));
      return true;
    }
    const inflate = this.inflate;
    if (inflate === undefined) {
      this.#emit({ type: "violation", what: "compressed message without an inflater" });
      return false;
    }
    this.#emit(async () => {
      try {
        return this.#message(kind, await inflate(data));
      } catch (error) {
        return { type: "violation", what: `cannot inflate: ${(error as Error).message}` };
      }
    });
    return true;
  }
}
