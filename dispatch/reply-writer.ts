import { SENT } from "../connection/connection.ts";
import { CloseCode } from "../frame/close.ts";
import { fitReason } from "./close-reason.ts";
import { toError } from "./errors.ts";
import type { CloseFrame } from "./close-frame.ts";
import { type Reply, type ReplyStream, toReply, withStreamId } from "./reply.ts";
import { pumpStream } from "./stream.ts";

/**
 * What becomes of a method's return value: sent as a message; ignored unless it is a close
 * frame (onPong, onClose, onError, onIdleTimeout); or, for onPing answering a ping frame,
 * bytes sent as the pong.
 */
export type ReplyMode = "message" | "silent" | "pong";

/** What the writer needs from its connection. */
export interface ReplyTarget {
  /** Whether messages may still be sent: no close sent, transport not ended. */
  writable(): boolean;
  /** Settles once either side starts closing. */
  readonly stopping: Promise<void>;
  sendText(text: string): Promise<void>;
  sendBinary(data: Uint8Array): Promise<void>;
  pong(data: Uint8Array): Promise<void>;
  /** The closing handshake with the service's closure timeout; rejects when it fails. */
  close(frame: CloseFrame): Promise<void>;
  /** Starts the closing handshake and does not wait for it. */
  closeSoon(code: number, reason: string): void;
  /** Hands an error to the service's `onError`; settles once it has run. */
  report(error: unknown): unknown;
}

/** Writes what service methods return: messages, pongs, close frames, streams. */
export class ReplyWriter {
  readonly #target: ReplyTarget;
  readonly #streamId: string | undefined;

  constructor(target: ReplyTarget, streamId: string | undefined) {
    this.#target = target;
    this.#streamId = streamId;
  }

  /** Writes one return value; settles once it is written (a stream: all of it). */
  write(value: unknown, mode: ReplyMode, requestId: unknown): unknown {
    const target = this.#target;
    const reply = this.#toReply(value, requestId);
    switch (reply.kind) {
      case "none":
        return;
      case "close":
        if (!target.writable()) return;
        return target.close(reply.frame).catch((error) => target.report(error));
      case "error":
        return target.report(reply.error);
    }
    if (mode === "silent" || !target.writable()) return;
    switch (reply.kind) {
      case "text":
        return this.#settled(target.sendText(reply.text));
      case "binary":
        return this.#settled(
          mode === "pong" ? target.pong(reply.data) : target.sendBinary(reply.data),
        );
      case "stream":
        return this.#stream(reply.source, requestId);
    }
  }

  /**
   * Nothing to wait for when the bytes went out at once; otherwise a promise that settles
   * once they are written, or once `onError` has heard why they could not be.
   */
  #settled(sent: Promise<void>): Promise<unknown> | undefined {
    if (sent === SENT) return undefined;
    return sent.catch((error) => this.#target.report(error));
  }

  /** What a returned value sends, with the request's stream id when it has one. */
  #toReply(value: unknown, requestId: unknown): Reply {
    return toReply(
      requestId === undefined || this.#streamId === undefined
        ? value
        : withStreamId(value, this.#streamId, requestId),
    );
  }

  /** Writes a returned stream, one element per message; a throwing source closes 1011. */
  async #stream(source: ReplyStream, requestId: unknown): Promise<void> {
    const target = this.#target;
    const outcome = await pumpStream(source, {
      stopping: target.stopping,
      stopped: () => !target.writable(),
      send: (element) => this.#sendElement(element, requestId),
    });
    if (!outcome.failed) return;
    const error = toError(outcome.error);
    if (target.writable()) {
      target.closeSoon(
        CloseCode.InternalServerError,
        fitReason(`streaming failed: ${error.message}`),
      );
    }
    await target.report(error);
  }

  async #sendElement(element: unknown, requestId: unknown): Promise<boolean> {
    const target = this.#target;
    const reply = this.#toReply(element, requestId);
    try {
      switch (reply.kind) {
        case "none":
          return true;
        case "text":
          await target.sendText(reply.text);
          return true;
        case "binary":
          await target.sendBinary(reply.data);
          return true;
        case "close":
          await target.close(reply.frame);
          return false;
        case "error":
          await target.report(reply.error);
          return true;
        case "stream":
          await target.report(new TypeError("a stream element cannot be a stream itself"));
          return true;
      }
    } catch (error) {
      await target.report(error);
      return false;
    }
  }
}
