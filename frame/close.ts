import { FrameError } from "./errors.ts";
import { decodeUtf8 } from "./utf8.ts";

/**
 * Close status codes of RFC 6455 section 7.4.1 and the IANA registry.
 *
 * @example
 * ```ts
 * import { CloseCode } from "@tether/websocket";
 * console.log(CloseCode.MessageTooBig); // 1009
 * ```
 */
export const CloseCode = {
  NormalClosure: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  NoStatusReceived: 1005,
  AbnormalClosure: 1006,
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  MandatoryExtension: 1010,
  InternalServerError: 1011,
  ServiceRestart: 1012,
  TryAgainLater: 1013,
  BadGateway: 1014,
  TlsHandshake: 1015,
} as const;

/**
 * The longest close reason in bytes: a control frame carries 125, the code takes 2.
 *
 * @example
 * ```ts
 * import { MAX_CLOSE_REASON_BYTES } from "@tether/websocket";
 * const reason = "x".repeat(MAX_CLOSE_REASON_BYTES); // the longest reason that fits
 * ```
 */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * Whether `code` may appear in a close frame on the wire, sent or received: 1000-1003,
 * 1007-1014 and the application range 3000-4999. 1005, 1006 and 1015 are reserved for
 * local reporting and never sent.
 *
 * @example
 * ```ts
 * import { isValidCloseCode } from "@tether/websocket";
 * console.log(isValidCloseCode(1000), isValidCloseCode(1005)); // true false
 * ```
 */
export function isValidCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999);
}

/**
 * The payload of a close frame. With no `code` the payload is empty, which the peer
 * reports as 1005. Throws `RangeError` for a code that may not be sent or a reason longer
 * than 123 UTF-8 bytes, since both are mistakes of the caller.
 *
 * @example
 * ```ts
 * import { encodeClosePayload } from "@tether/websocket";
 * console.log(encodeClosePayload(1000, "bye")); // Uint8Array [3, 232, 98, 121, 101]
 * ```
 */
export function encodeClosePayload(code?: number, reason = ""): Uint8Array {
  if (code === undefined) {
    if (reason !== "") throw new RangeError("a close reason needs a close code");
    return new Uint8Array(0);
  }
  if (!Number.isInteger(code) || !isValidCloseCode(code)) {
    throw new RangeError(`close code ${code} may not be sent`);
  }
  const reasonBytes = new TextEncoder().encode(reason);
  if (reasonBytes.length > MAX_CLOSE_REASON_BYTES) {
    throw new RangeError(
      `close reason is ${reasonBytes.length} bytes, at most ${MAX_CLOSE_REASON_BYTES} fit`,
    );
  }
  const payload = new Uint8Array(2 + reasonBytes.length);
  payload[0] = code >>> 8;
  payload[1] = code & 0xff;
  payload.set(reasonBytes, 2);
  return payload;
}

/**
 * A decoded close frame.
 *
 * @example
 * ```ts
 * import { type ClosePayload, decodeClosePayload } from "@tether/websocket";
 * const close = decodeClosePayload(new Uint8Array([3, 233])) as ClosePayload;
 * console.log(close.code); // 1001
 * ```
 */
export interface ClosePayload {
  /** The status code; 1005 when the frame carried none. */
  code: number;
  /** The reason text; empty when there was none. */
  reason: string;
}

/**
 * Reads a received close payload. A 1-byte payload or a code that may not be sent is a
 * protocol error (1002); a reason that is not UTF-8 is invalid payload (1007).
 *
 * @example
 * ```ts
 * import { decodeClosePayload } from "@tether/websocket";
 * console.log(decodeClosePayload(new Uint8Array([3, 232]))); // { code: 1000, reason: "" }
 * ```
 */
export function decodeClosePayload(payload: Uint8Array): ClosePayload | FrameError {
  if (payload.length === 0) return { code: CloseCode.NoStatusReceived, reason: "" };
  if (payload.length === 1) {
    return new FrameError(CloseCode.ProtocolError, "close frame with a 1-byte payload");
  }
  const code = (payload[0] << 8) | payload[1];
  if (!isValidCloseCode(code)) {
    return new FrameError(CloseCode.ProtocolError, `invalid close code ${code}`);
  }
  const reason = decodeUtf8(payload.subarray(2));
  if (reason === undefined) {
    return new FrameError(CloseCode.InvalidPayload, "close reason is not valid UTF-8");
  }
  return { code, reason };
}
