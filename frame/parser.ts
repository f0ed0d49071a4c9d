import { ByteAccumulator, copyBytes, SLAB_LIMIT, VIEW_COPY_LIMIT } from "./bytes.ts";
import { CloseCode, decodeClosePayload } from "./close.ts";
import { FrameError } from "./errors.ts";
import {
  HEADER_ROOM_MIN,
  offerHeaderRoom,
  REPLY_HEADER_ROOM,
  ROOMY_COPY_MIN,
} from "./header-room.ts";
import { readLimit } from "./limits.ts";
import { applyMask, applyMaskBytewise } from "./mask.ts";
import { isControlOpcode, isKnownOpcode, Opcode } from "./opcode.ts";
import { decodeUtf8, Utf8Validator } from "./utf8.ts";

/**
 * Receives what the parser finds, synchronously and in wire order. Control frames that
 * arrive between the fragments of a message are delivered as they come, before the
 * message completes. Handlers must not throw.
 *
 * @example
 * ```ts
 * import type { FrameHandler } from "@tether/websocket";
 * const handler: FrameHandler = {
 *   text: (text) => console.log(text),
 *   binary: (data) => console.log(data.length),
 *   compressed: () => {},
 *   ping: () => {},
 *   pong: () => {},
 *   close: (code) => console.log("closed", code),
 *   error: (error) => console.log("fail with", error.closeCode),
 * };
 * ```
 */
export interface FrameHandler {
  /** A complete text message, already validated as UTF-8. */
  text(data: string): void;
  /** A complete binary message. */
  binary(data: Uint8Array): void;
  /**
   * A complete message whose first frame had RSV1 set (permessage-deflate): `data` is
   * still compressed; inflate it and, for text, validate the result.
   */
  compressed(isText: boolean, data: Uint8Array): void;
  /** A ping; the endpoint owes a pong with the same payload. */
  ping(data: Uint8Array): void;
  /** A pong, solicited or not. */
  pong(data: Uint8Array): void;
  /** A close frame; `code` is 1005 when it had none. The parser reads nothing after it. */
  close(code: number, reason: string): void;
  /** The connection must be failed with `error.closeCode`. The parser reads nothing more. */
  error(error: FrameError): void;
}

/**
 * Limits and role of a {@link FrameParser}.
 *
 * @example
 * ```ts
 * import type { FrameParserOptions } from "@tether/websocket";
 * const options: FrameParserOptions = { role: "server", maxFrameSize: 65536 };
 * ```
 */
export interface FrameParserOptions {
  /**
   * `"server"` parses frames sent by a client, which must be masked; `"client"` parses
   * frames sent by a server, which must not be.
   */
  role: "server" | "client";
  /** Largest payload of one frame, in bytes; larger frames fail with 1009. Default 16 MiB. */
  maxFrameSize?: number;
  /** Largest message, in bytes, after reassembly (before inflation). Default 16 MiB. */
  maxMessageSize?: number;
  /** Most frames one message may be split into; more fail with 1009. Default 1,048,576. */
  maxFragments?: number;
  /** True when permessage-deflate was negotiated, which makes RSV1 meaningful. */
  compression?: boolean;
  /**
   * True when the caller would like to read into a chunk's memory again once `push`
   * returns: the parser then copies what it keeps, except large payloads that arrived whole,
   * which it hands out as views and reports with `push` returning false. Default false:
   * every chunk is the parser's.
   */
  reusedChunks?: boolean;
}

const DEFAULT_MAX_SIZE = 16 * 1024 * 1024;
const DEFAULT_MAX_FRAGMENTS = 1 << 20;
const MAX_CONTROL_PAYLOAD = 125;
/** The largest payload length the 7-bit length field of a header holds by itself. */
const MAX_SHORT_LENGTH = 125;
const MAX_HEADER_LENGTH = 14;
const EMPTY = new Uint8Array(0);

// Bits of a parser's `#flags`: one field instead of nine, since every connection holds a
// parser and each field of an object costs it eight bytes.
/** Reading a payload; without it, a header. */
const READING_PAYLOAD = 1;
/** A close frame or a protocol error ended parsing. */
const STOPPED = 2;
/** Settings, fixed by the constructor. */
const EXPECT_MASKED = 4;
const COMPRESSION = 8;
const REUSED_CHUNKS = 16;
/** The frame being read. */
const FIN = 32;
const MASKED = 64;
/** The message being read. */
const MESSAGE_COMPRESSED = 128;
const CHECK_UTF8 = 256;
/** The chunk being parsed still backs a payload that was handed out. */
const CHUNK_KEPT = 512;

/**
 * Streaming RFC 6455 frame parser. Feed it bytes as they arrive, cut anywhere; it calls
 * the {@link FrameHandler} with each message and control frame, and fails the connection
 * (through `handler.error`) at the first byte that breaks the protocol: reserved bits and
 * opcodes, bad masking, oversized or fragmented control frames, bad fragmentation, sizes
 * over the limits (checked from the header, before any payload is held) and invalid UTF-8
 * (checked as the payload arrives, even inside a frame that is not complete yet).
 *
 * The parser takes ownership of each chunk passed to {@link push}: it unmasks payloads in
 * place and hands out views into the chunk, so a caller must not reuse a chunk's memory,
 * unless it asks with `reusedChunks` and `push` answers true.
 *
 * @example
 * ```ts
 * import { FrameParser } from "@tether/websocket";
 * const parser = new FrameParser({ role: "client" }, {
 *   text: (data) => console.log("text", data),
 *   binary: (data) => console.log("binary", data),
 *   compressed: () => {},
 *   ping: () => {},
 *   pong: () => {},
 *   close: (code, reason) => console.log("close", code, reason),
 *   error: (error) => console.log("fail with", error.closeCode, error.message),
 * });
 * parser.push(new Uint8Array([0x81, 0x02, 0x68, 0x69])); // text "hi"
 * ```
 */
export class FrameParser {
  readonly #handler: FrameHandler;
  readonly #maxFrameSize: number;
  readonly #maxMessageSize: number;
  readonly #maxFragments: number;
  /** {@link READING_PAYLOAD}, {@link STOPPED}, {@link EXPECT_MASKED} and the other bits. */
  #flags = 0;

  /** Gathers a header that arrives in pieces; made for the first such header. */
  #header: Uint8Array | undefined;
  #headerFill = 0;
  #headerLength = 2;

  #opcode = 0;
  /** Made for the first masked frame, so that an idle connection holds no buffers. */
  #mask: Uint8Array | undefined;
  #payloadLength = 0;
  #payloadRead = 0;

  #messageOpcode = 0;
  #messageLength = 0;
  #fragments = 0;
  /** Made for the first message that does not arrive whole in one chunk. */
  #message: ByteAccumulator | undefined;
  /** Made for the first text message that does not arrive whole in one chunk. */
  #utf8: Utf8Validator | undefined;
  /** Gathers a control payload that arrives in pieces; made for the first such payload. */
  #control: Uint8Array | undefined;

  /** A parser for one connection, reporting to `handler`; bad options throw `RangeError`. */
  constructor(options: FrameParserOptions, handler: FrameHandler) {
    if (options.role !== "server" && options.role !== "client") {
      throw new RangeError(`role must be "server" or "client", got ${options.role}`);
    }
    this.#handler = handler;
    this.#maxFrameSize = readLimit("maxFrameSize", options.maxFrameSize, DEFAULT_MAX_SIZE);
    this.#maxMessageSize = readLimit("maxMessageSize", options.maxMessageSize, DEFAULT_MAX_SIZE);
    this.#maxFragments = readLimit("maxFragments", options.maxFragments, DEFAULT_MAX_FRAGMENTS);
    this.#flags = (options.role === "server" ? EXPECT_MASKED : 0) |
      (options.compression ? COMPRESSION : 0) | (options.reusedChunks ? REUSED_CHUNKS : 0);
  }

  /** False once a close frame or a protocol error ended parsing. */
  get active(): boolean {
    return (this.#flags & STOPPED) === 0;
  }

  /** Stops parsing; later input is ignored. */
  stop(): void {
    this.#flags |= STOPPED;
  }

  /**
   * Parses `chunk`, which the parser now owns (see the class description). With
   * `reusedChunks`, returns true when nothing handed out is a view into the chunk, so that
   * the caller may read into its memory again.
   */
  push(chunk: Uint8Array): boolean {
    // Without REUSED_CHUNKS every chunk counts as kept.
    this.#flags = (this.#flags & ~CHUNK_KEPT) |
      ((this.#flags & REUSED_CHUNKS) === 0 ? CHUNK_KEPT : 0);
    const end = chunk.length;
    let position = 0;
    while (position < end) {
      const flags = this.#flags;
      if ((flags & STOPPED) !== 0) break;
      position = (flags & READING_PAYLOAD) === 0
        ? this.#readHeader(chunk, position, end)
        : this.#readPayload(chunk, position, end);
    }
    return (this.#flags & CHUNK_KEPT) === 0;
  }

  #readHeader(chunk: Uint8Array, position: number, end: number): number {
    let fill = this.#headerFill;
    if (fill === 0 && end - position >= 2) {
      const shortEnd = this.#shortMessage(chunk, position, end);
      if (shortEnd >= 0) return shortEnd;
      if (!this.#startFrame(chunk[position], chunk[position + 1])) return end;
      const length = this.#headerLength;
      if (end - position >= length) {
        this.#finishHeader(chunk, position);
        return position + length;
      }
      this.#partialHeader().set(chunk.subarray(position, end));
      this.#headerFill = end - position;
      return end;
    }
    const header = this.#partialHeader();
    if (fill < 2) {
      while (fill < 2 && position < end) header[fill++] = chunk[position++];
      if (fill < 2) {
        this.#headerFill = fill;
        return position;
      }
      if (!this.#startFrame(header[0], header[1])) return end;
    }
    const take = Math.min(this.#headerLength - fill, end - position);
    header.set(chunk.subarray(position, position + take), fill);
    fill += take;
    position += take;
    if (fill < this.#headerLength) {
      this.#headerFill = fill;
      return position;
    }
    this.#headerFill = 0;
    this.#finishHeader(header, 0);
    return position;
  }

  /**
   * Takes in one step a message that lies whole in `chunk` as one short uncompressed frame,
   * outside a fragmented message: most small messages. Returns where it ends, or -1 for any
   * other frame, which then goes through the general checks.
   */
  #shortMessage(chunk: Uint8Array, position: number, end: number): number {
    const first = chunk[position];
    const second = chunk[position + 1];
    const masked = second >= 0x80;
    const length = second & 0x7f;
    const start = position + (masked ? 6 : 2);
    const stop = start + length;
    if (
      (first !== 0x82 && first !== 0x81) || length > MAX_SHORT_LENGTH || stop > end ||
      masked !== ((this.#flags & EXPECT_MASKED) !== 0) || this.#messageOpcode !== 0 ||
      length > this.#maxFrameSize || length > this.#maxMessageSize
    ) return -1;
    if (masked) {
      this.#readMask(chunk, position + 2);
      this.#unmask(chunk, start, stop, 0);
    }
    const opcode = first & 0x0f;
    this.#flags = (this.#flags & ~(FIN | MESSAGE_COMPRESSED)) | FIN;
    this.#opcode = opcode;
    this.#messageOpcode = opcode;
    if (opcode === Opcode.Text) this.#utf8?.reset();
    this.#completeFrame(this.#whole(chunk, start, stop));
    return stop;
  }

  #partialHeader(): Uint8Array {
    return this.#header ??= new Uint8Array(MAX_HEADER_LENGTH);
  }

  /** Checks the first two header bytes, everything that can be judged from them. */
  #startFrame(first: number, second: number): boolean {
    const fin = (first & 0x80) !== 0;
    const rsv1 = (first & 0x40) !== 0;
    const opcode = first & 0x0f;
    const masked = (second & 0x80) !== 0;
    const lengthCode = second & 0x7f;
    const control = isControlOpcode(opcode);

    if (!isKnownOpcode(opcode)) {
      return this.#fail(CloseCode.ProtocolError, `reserved opcode ${opcode}`);
    }
    if ((first & 0x30) !== 0) return this.#fail(CloseCode.ProtocolError, "RSV2 or RSV3 set");
    if (rsv1) {
      if ((this.#flags & COMPRESSION) === 0) {
        return this.#fail(CloseCode.ProtocolError, "RSV1 set but no extension was negotiated");
      }
      if (control || opcode === Opcode.Continuation) {
        return this.#fail(CloseCode.ProtocolError, "RSV1 set on a control or continuation frame");
      }
    }
    if (masked !== ((this.#flags & EXPECT_MASKED) !== 0)) {
      return this.#fail(
        CloseCode.ProtocolError,
        masked ? "masked frame from a server" : "unmasked frame from a client",
      );
    }
    if (control) {
      if (!fin) return this.#fail(CloseCode.ProtocolError, "fragmented control frame");
      if (lengthCode > MAX_CONTROL_PAYLOAD) {
        return this.#fail(CloseCode.ProtocolError, "control frame payload over 125 bytes");
      }
    } else {
      if (opcode === Opcode.Continuation) {
        if (this.#messageOpcode === 0) {
          return this.#fail(CloseCode.ProtocolError, "continuation frame without a message");
        }
      } else {
        if (this.#messageOpcode !== 0) {
          return this.#fail(CloseCode.ProtocolError, "new message inside a fragmented message");
        }
        this.#messageOpcode = opcode;
        const checkUtf8 = opcode === Opcode.Text && !rsv1;
        this.#flags = (this.#flags & ~(MESSAGE_COMPRESSED | CHECK_UTF8)) |
          (rsv1 ? MESSAGE_COMPRESSED : 0) | (checkUtf8 ? CHECK_UTF8 : 0);
        if (checkUtf8) this.#utf8?.reset();
      }
      if ((!fin || opcode === Opcode.Continuation) && ++this.#fragments > this.#maxFragments) {
        return this.#fail(
          CloseCode.MessageTooBig,
          `message split into over ${this.#maxFragments} frames`,
        );
      }
    }
    this.#flags = (this.#flags & ~(FIN | MASKED)) | (fin ? FIN : 0) | (masked ? MASKED : 0);
    this.#opcode = opcode;
    this.#payloadLength = lengthCode;
    this.#headerLength = 2 + (lengthCode === 126 ? 2 : lengthCode === 127 ? 8 : 0) +
      (masked ? 4 : 0);
    return true;
  }

  #finishHeader(source: Uint8Array, at: number): void {
    let offset = at + 2;
    let length = this.#payloadLength;
    if (length === 126) {
      length = (source[offset] << 8) | source[offset + 1];
      offset += 2;
    } else if (length === 127) {
      const high = ((source[offset] << 24) | (source[offset + 1] << 16) |
        (source[offset + 2] << 8) | source[offset + 3]) >>> 0;
      const low = ((source[offset + 4] << 24) | (source[offset + 5] << 16) |
        (source[offset + 6] << 8) | source[offset + 7]) >>> 0;
      if (high >= 0x80000000) {
        this.#fail(CloseCode.ProtocolError, "64-bit payload length with the top bit set");
        return;
      }
      length = high * 0x100000000 + low;
      offset += 8;
    }
    if ((this.#flags & MASKED) !== 0) this.#readMask(source, offset);
    if (length > this.#maxFrameSize) {
      this.#fail(CloseCode.MessageTooBig, `frame of ${length} bytes exceeds ${this.#maxFrameSize}`);
      return;
    }
    if (!isControlOpcode(this.#opcode)) {
      this.#messageLength += length;
      if (this.#messageLength > this.#maxMessageSize) {
        this.#fail(CloseCode.MessageTooBig, `message exceeds ${this.#maxMessageSize} bytes`);
        return;
      }
    }
    this.#payloadLength = length;
    this.#payloadRead = 0;
    if (length === 0) this.#completeFrame(EMPTY);
    else this.#flags |= READING_PAYLOAD;
  }

  #readPayload(chunk: Uint8Array, position: number, end: number): number {
    const read = this.#payloadRead;
    const take = Math.min(this.#payloadLength - read, end - position);
    const stop = position + take;
    if ((this.#flags & MASKED) !== 0) this.#unmask(chunk, position, stop, read);
    this.#payloadRead = read + take;
    const complete = this.#payloadRead === this.#payloadLength;

    if (isControlOpcode(this.#opcode)) {
      if (complete && read === 0) {
        this.#completeFrame(
          (this.#flags & REUSED_CHUNKS) !== 0
            ? chunk.slice(position, stop)
            : this.#whole(chunk, position, stop),
        );
      } else {
        const control = this.#control ??= new Uint8Array(MAX_CONTROL_PAYLOAD);
        control.set(chunk.subarray(position, stop), read);
        if (complete) this.#completeFrame(control.slice(0, this.#payloadLength));
      }
      return stop;
    }
    if (
      complete && read === 0 && (this.#flags & FIN) !== 0 && this.#opcode !== Opcode.Continuation
    ) {
      // A header parsed in pieces ends fewer than its length into this chunk.
      const headerBefore = (this.#flags & MASKED) !== 0 && position >= this.#headerLength &&
        take > HEADER_ROOM_MIN;
      this.#completeFrame(this.#whole(chunk, position, stop), headerBefore);
      return stop;
    }
    const piece = chunk.subarray(position, stop);
    if ((this.#flags & CHECK_UTF8) !== 0 && !(this.#utf8 ??= new Utf8Validator()).write(piece)) {
      this.#fail(CloseCode.InvalidPayload, "text message is not valid UTF-8");
      return end;
    }
    (this.#message ??= new ByteAccumulator((this.#flags & REUSED_CHUNKS) !== 0)).append(
      piece,
      this.#messageLength,
    );
    if (complete) this.#completeFrame(undefined);
    return stop;
  }

  #readMask(source: Uint8Array, at: number): void {
    const mask = this.#mask ??= new Uint8Array(4);
    mask[0] = source[at];
    mask[1] = source[at + 1];
    mask[2] = source[at + 2];
    mask[3] = source[at + 3];
  }

  /** Unmasks `chunk[start..stop)`, the payload from byte `read` of the frame on. */
  #unmask(chunk: Uint8Array, start: number, stop: number, read: number): void {
    // A piece short enough to be copied out of a chunk the runtime just made (see #whole).
    if ((this.#flags & REUSED_CHUNKS) === 0 && stop - start <= VIEW_COPY_LIMIT) {
      applyMaskBytewise(chunk, this.#mask!, start, stop, read);
    } else applyMask(chunk, this.#mask!, start, stop, read);
  }

  /**
   * A payload that arrived whole in `chunk`: a view, or a copy where that is cheaper (see
   * {@link VIEW_COPY_LIMIT}) and the chunk is not read into again.
   */
  #whole(chunk: Uint8Array, start: number, end: number): Uint8Array {
    if ((this.#flags & REUSED_CHUNKS) === 0 && end - start <= VIEW_COPY_LIMIT) {
      return chunk.slice(start, end);
    }
    return chunk.subarray(start, end);
  }

  /**
   * Ends the current frame. `whole` is the entire payload when it is at hand in one piece
   * (a control frame, an empty frame, or an unfragmented message that arrived in one
   * chunk); otherwise the payload went to the message accumulator. `headerBefore`: the
   * frame's own header lies just before `whole` in its chunk (see `offerHeaderRoom`).
   */
  #completeFrame(whole: Uint8Array | undefined, headerBefore = false): void {
    this.#flags &= ~READING_PAYLOAD;
    const opcode = this.#opcode;
    if (isControlOpcode(opcode)) {
      const payload = whole!;
      if (opcode === Opcode.Ping) this.#handler.ping(payload);
      else if (opcode === Opcode.Pong) this.#handler.pong(payload);
      else this.#receiveClose(payload);
      return;
    }
    if ((this.#flags & FIN) === 0) return;
    const data = whole !== undefined && whole.length > 0
      ? whole
      : this.#message?.take() ?? new Uint8Array(0);
    const messageOpcode = this.#messageOpcode;
    this.#messageOpcode = 0;
    this.#messageLength = 0;
    this.#fragments = 0;
    if ((this.#flags & MESSAGE_COMPRESSED) !== 0) {
      this.#handler.compressed(messageOpcode === Opcode.Text, this.#kept(data, whole));
    } else if (messageOpcode === Opcode.Binary) {
      this.#handler.binary(this.#keptBinary(data, whole, headerBefore));
    } else {
      const text = this.#utf8 === undefined || this.#utf8.complete ? decodeUtf8(data) : undefined;
      if (text === undefined) {
        this.#fail(CloseCode.InvalidPayload, "text message is not valid UTF-8");
      } else this.#handler.text(text);
    }
  }

  /**
   * A payload to hand out. An accumulated one is a copy already; a whole one is a view into
   * the chunk, which is copied when the caller would reuse the chunk and the payload is small
   * enough to share a slab; a larger one keeps the chunk, which costs less than a new buffer.
   */
  #kept(data: Uint8Array, whole: Uint8Array | undefined): Uint8Array {
    if ((this.#flags & REUSED_CHUNKS) === 0 || data !== whole) return data;
    if (data.length <= SLAB_LIMIT) return copyBytes(data);
    this.#flags |= CHUNK_KEPT;
    return data;
  }

  /**
   * {@link #kept} for a binary message, offered for a server's reply to reuse (see
   * `offerHeaderRoom`) where its memory has room for that reply's header in front: its own
   * frame's header in the chunk (`headerBefore`), or room set aside before a copy.
   */
  #keptBinary(data: Uint8Array, whole: Uint8Array | undefined, headerBefore: boolean): Uint8Array {
    if (data !== whole) return data;
    if (
      (this.#flags & (REUSED_CHUNKS | EXPECT_MASKED)) === (REUSED_CHUNKS | EXPECT_MASKED) &&
      data.length >= ROOMY_COPY_MIN && data.length <= SLAB_LIMIT
    ) {
      const copy = copyBytes(data, REPLY_HEADER_ROOM);
      offerHeaderRoom(copy);
      return copy;
    }
    const payload = this.#kept(data, whole);
    if (headerBefore && payload === whole) offerHeaderRoom(payload);
    return payload;
  }

  #receiveClose(payload: Uint8Array): void {
    const result = decodeClosePayload(payload);
    if (result instanceof FrameError) {
      this.#fail(result.closeCode, result.message);
      return;
    }
    this.#flags |= STOPPED;
    this.#handler.close(result.code, result.reason);
  }

  #fail(closeCode: number, message: string): false {
    this.#flags |= STOPPED;
    this.#handler.error(new FrameError(closeCode, message));
    return false;
  }
}
