/**
 * A violation of RFC 6455 or RFC 7692 found in received bytes, with the close code the
 * endpoint must send when it fails the connection.
 *
 * The wire layer never throws these: the parser and the codec hand them over as values.
 *
 * @example
 * ```ts
 * import { FrameError } from "@tether/websocket";
 * const error = new FrameError(1002, "reserved opcode 3");
 * console.log(error.closeCode, error.message);
 * ```
 */
export class FrameError extends Error {
  /** The close code to send: 1002 protocol error, 1007 invalid payload or 1009 too big. */
  readonly closeCode: number;

  /** A violation that must be answered with `closeCode`, described by `message`. */
  constructor(closeCode: number, message: string) {
    super(message);
    this.name = "FrameError";
    this.closeCode = closeCode;
  }
}
