import { frameLead } from "../frame/bytes.ts";
import { encodeClosePayload } from "../frame/close.ts";
import type { PerMessageDeflate } from "../frame/deflate.ts";
import { FrameError } from "../frame/errors.ts";
import { Opcode } from "../frame/opcode.ts";
import { type FrameHandler, FrameParser } from "../frame/parser.ts";
import {
  encodeFrame,
  encodeInHeaderRoom,
  forEachFragment,
  frameHeaderLength,
  textFrameRoom,
  writeFrame,
  writeTextFrame,
} from "../frame/serializer.ts";
import { decodeUtf8 } from "../frame/utf8.ts";
import {
  type Connection,
  type ConnectionEvents,
  type ConnectionOptions,
  SENT,
} from "./connection.ts";
import type { ByteReceiver, ByteSocket } from "./byte-socket.ts";

/** Messages shorter than this go out uncompressed: deflating them costs more than it saves. */
const COMPRESSION_THRESHOLD = 64;
const encoder = new TextEncoder();

const EMPTY_PAYLOAD: Uint8Array = new Uint8Array(0);

/**
 * The frame {@link fillFrame} encodes next. A socket calls its fill inside `writeInto`, before
 * `writeInto` returns, so one record serves every connection and a frame costs no closure. The
 * payload is dropped once `writeInto` returns, whether or not the socket took the frame, so
 * that the record never keeps a payload alive.
 */
const nextFrame = { opcode: 0, payload: EMPTY_PAYLOAD, masked: false, fin: true, rsv1: false };

function fillFrame(target: Uint8Array): number {
  const { opcode, payload, masked, fin, rsv1 } = nextFrame;
  return writeFrame(target, opcode, payload, masked, fin, rsv1);
}

/** The text message {@link fillTextFrame} encodes next, as {@link nextFrame} is for bytes. */
const nextText = { text: "", masked: false };

function fillTextFrame(target: Uint8Array): number {
  return writeTextFrame(target, nextText.text, nextText.masked);
}

/** Bits of a connection's state. */
const CLOSE_SENT = 1;
const CLOSE_RECEIVED = 2;
const ENDED = 4;
/** Frames it sends are masked: it is a client. */
const MASKED = 8;
/** The read being parsed has delivered a message. */
const ANSWERABLE = 16;

/** What a frames connection was agreed to be at the handshake. */
export interface FramesAgreement {
  role: "server" | "client";
  protocol: string;
  /** The permessage-deflate codec when compression was negotiated. */
  codec?: PerMessageDeflate;
}

/**
 * What a connection's later events and sends queue behind: one object, made when first
 * needed, so that a connection that never has any keeps one field instead of two.
 */
class UnsettledWork {
  /** Inbound work still waiting on inflation or on a turn of the event loop. */
  inbound: Promise<void> | undefined;
  /** Outbound messages still waiting on deflation. */
  outbound: Promise<void> | undefined;
}

/**
 * One WebSocket connection run by the wire layer over a {@link ByteSocket}: parses what
 * arrives, frames what is sent, inflates and deflates, and keeps the order of both
 * directions even while compression runs asynchronously. It is its socket's receiver and its
 * parser's handler, so that a connection is one object fewer.
 */
export class FramesConnection implements Connection, ByteReceiver, FrameHandler {
  readonly protocol: string;
  readonly #socket: ByteSocket;
  /** Often one object that every connection of a service shares. */
  readonly #options: ConnectionOptions;
  readonly #parser: FrameParser;
  readonly #codec: PerMessageDeflate | undefined;
  #events: ConnectionEvents | undefined;
  /** Made for the first work that later events or sends must queue behind. */
  #unsettled: UnsettledWork | undefined;
  /**
   * {@link CLOSE_SENT}, {@link CLOSE_RECEIVED}, {@link ENDED}, {@link MASKED} and
   * {@link ANSWERABLE} in one field: with four fields fewer, an idle connection fits a
   * smaller allocation in JavaScriptCore.
   */
  #state = 0;

  /**
   * Takes `socket` over once the handshake is done; what the socket read past the handshake
   * is still kept in it (see {@link ByteSocket.unread}) and is parsed first.
   */
  constructor(socket: ByteSocket, options: ConnectionOptions, agreed: FramesAgreement) {
    this.#socket = socket;
    this.#options = options;
    this.protocol = agreed.protocol;
    if (agreed.role === "client") this.#state = MASKED;
    this.#codec = agreed.codec;
    this.#parser = new FrameParser({
      role: agreed.role,
      maxFrameSize: options.maxFrameSize,
      maxMessageSize: options.maxMessageSize,
      compression: agreed.codec !== undefined,
      reusedChunks: socket.recyclesChunks,
    }, this);
  }

  #closeSent(): boolean {
    return (this.#state & CLOSE_SENT) !== 0;
  }

  #closeReceived(): boolean {
    return (this.#state & CLOSE_RECEIVED) !== 0;
  }

  #masked(): boolean {
    return (this.#state & MASKED) !== 0;
  }

  #ended(): boolean {
    return (this.#state & ENDED) !== 0;
  }

  get canControlPings(): boolean {
    return true;
  }

  get secure(): boolean {
    return this.#socket.secure;
  }

  listen(events: ConnectionEvents): void {
    this.#events = events;
    this.#socket.receive(this);
  }

  // --- ByteReceiver: what the socket read ---

  data(chunk: Uint8Array): boolean {
    if (!this.#parser.active) return true;
    this.#state &= ~ANSWERABLE;
    return this.#parser.push(chunk);
  }

  closed(): void {
    this.#inOrder(() => this.#end());
  }

  // --- FrameHandler: what the parser found, in wire order ---

  // With nothing queued before it, a message goes straight to its event, without a closure.
  text(data: string): void {
    this.#state |= ANSWERABLE;
    if (this.#unsettled?.inbound === undefined) this.#events!.text(data);
    else this.#inOrder(() => this.#events!.text(data));
  }

  binary(data: Uint8Array): void {
    this.#state |= ANSWERABLE;
    if (this.#unsettled?.inbound === undefined) this.#events!.binary(data);
    else this.#inOrder(() => this.#events!.binary(data));
  }

  compressed(isText: boolean, data: Uint8Array): void {
    this.#state |= ANSWERABLE;
    this.#inflate(isText, data);
  }

  ping(data: Uint8Array): void {
    if (this.#options.autoPong && !this.#closeSent()) this.#write(Opcode.Pong, data);
    this.#inOrder(() => this.#events!.pingReceived(data));
  }

  pong(data: Uint8Array): void {
    this.#inOrder(() => this.#events!.pongReceived(data));
  }

  close(code: number, reason: string): void {
    this.#state |= CLOSE_RECEIVED;
    this.#windUp(() => {
      this.#events!.closing(code, reason);
      // Both close frames are exchanged: the server ends TCP (RFC 6455, 7.1.1).
      if (this.#closeSent()) this.#socket.end();
    });
  }

  error(error: FrameError): void {
    this.#windUp(() => this.#events!.failed(error));
  }

  /**
   * Delivers a close or a failure. When a message came in the same read, its owner gets one
   * turn of the event loop first, so that an answer it writes at once (an echo, an
   * acknowledgement) still goes out before the connection winds up.
   */
  #windUp(deliver: () => void): void {
    if ((this.#state & ANSWERABLE) === 0) return this.#inOrder(deliver);
    this.#inOrder(() => new Promise<void>((resolve) => setTimeout(resolve, 0)).then(deliver));
  }

  #inflate(isText: boolean, data: Uint8Array): void {
    const inflated = this.#codec!.decompress(data);
    this.#inOrder(async () => {
      const result = await inflated;
      if (result instanceof FrameError) return this.#events!.failed(result);
      if (!isText) return this.#events!.binary(result);
      const text = decodeUtf8(result);
      if (text === undefined) {
        return this.#events!.failed(
          new FrameError(1007, "inflated text message is not valid UTF-8"),
        );
      }
      this.#events!.text(text);
    });
  }

  // --- Connection: called by the dispatcher ---

  sendText(text: string): Promise<void> {
    // Three bytes per UTF-16 unit is the most UTF-8 a string can need.
    if (this.#codec === undefined && this.#unsettled?.outbound === undefined) {
      const room = textFrameRoom(text);
      if (room !== undefined && text.length * 3 <= this.#options.maxFrameSize) {
        // The limit is judged on the fewest bytes the text can take, so that a connection is
        // never dropped for room the text turns out not to need.
        return this.#refusal(text.length) ?? this.#written(this.#writeText(room, text));
      }
    }
    return this.#sendMessage(Opcode.Text, encoder.encode(text));
  }

  sendBinary(data: Uint8Array): Promise<void> {
    return this.#sendMessage(Opcode.Binary, data);
  }

  sendPing(data: Uint8Array): Promise<void> {
    return this.#control(Opcode.Ping, data);
  }

  sendPong(data: Uint8Array): Promise<void> {
    return this.#control(Opcode.Pong, data);
  }

  sendClose(code: number | undefined, reason: string): Promise<void> {
    if (this.#closeSent() || this.#ended()) return SENT;
    this.#state |= CLOSE_SENT;
    const frame = encodeFrame(Opcode.Close, encodeClosePayload(code, reason), this.#masked());
    const send = () => {
      const written = this.#enqueue(frame.length, () => this.#socket.write(frame));
      if (this.#closeReceived()) this.#socket.end();
      return written;
    };
    return this.#unsettled?.outbound === undefined ? send() : this.#after(send);
  }

  fail(code: number, reason: string): void {
    if (this.#ended()) return;
    this.#parser.stop();
    if (!this.#closeSent()) {
      this.#state |= CLOSE_SENT;
      this.#socket.write(
        encodeFrame(Opcode.Close, encodeClosePayload(code, reason), this.#masked()),
      );
    }
    this.#socket.end();
  }

  terminate(): void {
    this.#socket.destroy();
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  // --- internals ---

  #inOrder(deliver: () => void | Promise<void>): void {
    const pending = this.#unsettled?.inbound;
    if (pending === undefined) {
      const result = deliver();
      if (result !== undefined) this.#track(result);
      return;
    }
    this.#track(pending.then(deliver));
  }

  #track(work: Promise<void>): void {
    const unsettled = this.#unsettled ??= new UnsettledWork();
    const tracked = work.then(() => {
      if (unsettled.inbound === tracked) unsettled.inbound = undefined;
    });
    unsettled.inbound = tracked;
  }

  #end(): void {
    if (this.#ended()) return;
    this.#state |= ENDED;
    this.#parser.stop();
    this.#codec?.close();
    this.#events!.ended();
  }

  #sendMessage(opcode: number, payload: Uint8Array): Promise<void> {
    const codec = this.#codec;
    if (codec === undefined || payload.length < COMPRESSION_THRESHOLD) {
      if (this.#unsettled?.outbound === undefined) {
        return this.#sendFrames(opcode, payload, false);
      }
      return this.#after(() => this.#sendFrames(opcode, payload, false));
    }
    // Deflation starts at once; only the write waits for the messages queued before it.
    const deflated = codec.compress(payload);
    return this.#after(async () => {
      const result = await deflated;
      if (result instanceof FrameError) throw this.#options.connectionError(result.message);
      return this.#sendFrames(opcode, result, true);
    });
  }

  /** Sends one message's payload as frames of at most `maxFrameSize` bytes. */
  #sendFrames(opcode: number, payload: Uint8Array, compressed: boolean): Promise<void> {
    return this.#refusal(payload.length) ??
      this.#written(this.#writeFrames(opcode, payload, compressed));
  }

  /** Hands one message's frames to the socket; answers as its last write does. */
  #writeFrames(opcode: number, payload: Uint8Array, compressed: boolean): boolean {
    const maxFrameSize = this.#options.maxFrameSize;
    // Most messages are one frame: that path makes no closure.
    if (payload.length <= maxFrameSize) {
      if (!this.#masked()) {
        const frame = encodeInHeaderRoom(opcode, payload);
        if (frame !== undefined) return this.#socket.write(frame);
      }
      return this.#write(opcode, payload, true, compressed);
    }
    let flushed = true;
    forEachFragment(opcode, payload, maxFrameSize, compressed, (kind, piece, fin, rsv1) => {
      flushed = this.#write(kind, piece, fin, rsv1);
    });
    return flushed;
  }

  #after(write: () => Promise<void>): Promise<void> {
    const unsettled = this.#unsettled ??= new UnsettledWork();
    const written = (unsettled.outbound ?? SENT).then(write);
    const settle = () => {
      if (unsettled.outbound === settled) unsettled.outbound = undefined;
    };
    const settled: Promise<void> = written.then(settle, settle);
    unsettled.outbound = settled;
    return written;
  }

  #control(opcode: number, payload: Uint8Array): Promise<void> {
    if (payload.length > 125) {
      return Promise.reject(new RangeError("control frame payload must be at most 125 bytes"));
    }
    return this.#enqueue(payload.length, () => this.#write(opcode, payload));
  }

  /** Encodes one frame straight into memory the socket lends; answers as its write does. */
  #write(opcode: number, payload: Uint8Array, fin = true, rsv1 = false): boolean {
    const masked = this.#masked();
    nextFrame.opcode = opcode;
    nextFrame.payload = payload;
    nextFrame.masked = masked;
    nextFrame.fin = fin;
    nextFrame.rsv1 = rsv1;
    const headerLength = frameHeaderLength(payload.length, masked);
    const flushed = this.#socket.writeInto(
      headerLength + payload.length,
      fillFrame,
      frameLead(payload, headerLength),
    );
    nextFrame.payload = EMPTY_PAYLOAD;
    return flushed;
  }

  /** Encodes a one-frame text message into at most `room` bytes the socket lends, as #write. */
  #writeText(room: number, text: string): boolean {
    nextText.text = text;
    nextText.masked = this.#masked();
    const flushed = this.#socket.writeInto(room, fillTextFrame);
    nextText.text = "";
    return flushed;
  }

  /**
   * Runs `write`, which hands frames of about `size` bytes to the socket, unless that would
   * queue past the write buffer limit; settles once the socket has sent them.
   */
  #enqueue(size: number, write: () => boolean): Promise<void> {
    return this.#refusal(size) ?? this.#written(write());
  }

  /**
   * The failed send when frames of about `size` bytes cannot go out: the connection ended,
   * or they would queue past the write buffer limit (the connection is then dropped).
   */
  #refusal(size: number): Promise<void> | undefined {
    if (this.#ended()) {
      return Promise.reject(this.#options.connectionError("Connection already closed"));
    }
    const socket = this.#socket;
    const pending = socket.pending;
    if (pending > 0 && pending + size > this.#options.writeBufferLimit) {
      socket.destroy();
      return Promise.reject(this.#options.connectionError(
        `write buffer limit of ${this.#options.writeBufferLimit} bytes exceeded: ` +
          "the peer is not reading; the connection was dropped",
      ));
    }
    return undefined;
  }

  /** Settles once the socket has sent what a write handed it (`flushed`: at once). */
  #written(flushed: boolean): Promise<void> {
    if (flushed) return SENT;
    return this.#socket.drained().then((sent) => {
      if (!sent) {
        throw this.#options.connectionError("the connection closed before the message was sent");
      }
    });
  }
}
