/**
 * A close frame a service method can return (or a stream can yield) to close the
 * connection with that status and reason. Use the predefined frames below or make your own.
 *
 * @example
 * ```ts
 * import { CloseFrame } from "@tether/websocket";
 * const service = {
 *   onTextMessage: (_caller: unknown, text: string) =>
 *     text === "bye" ? new CloseFrame(4000, "client said bye") : text,
 * };
 * console.log(service.onTextMessage(undefined, "bye")); // CloseFrame { status: 4000, ... }
 * ```
 */
export class CloseFrame {
  /** A close frame with `status` (validated when it is sent) and `reason`. */
  constructor(readonly status: number, readonly reason = "") {}
}

/**
 * Close 1000: the purpose of the connection was fulfilled.
 *
 * @example
 * ```ts
 * import { NormalClosure } from "@tether/websocket";
 * console.log(NormalClosure.status); // 1000
 * ```
 */
export const NormalClosure: CloseFrame = new CloseFrame(1000);

/**
 * Close 1001: the endpoint is going away (server shutting down, page left).
 *
 * @example
 * ```ts
 * import { GoingAway } from "@tether/websocket";
 * console.log(GoingAway.status); // 1001
 * ```
 */
export const GoingAway: CloseFrame = new CloseFrame(1001);

/**
 * Close 1002: the peer broke the protocol.
 *
 * @example
 * ```ts
 * import { ProtocolError } from "@tether/websocket";
 * console.log(ProtocolError.reason); // "Connection closed due to protocol error"
 * ```
 */
export const ProtocolError: CloseFrame = new CloseFrame(
  1002,
  "Connection closed due to protocol error",
);

/**
 * Close 1003: a kind of data the endpoint cannot accept.
 *
 * @example
 * ```ts
 * import { UnsupportedData } from "@tether/websocket";
 * console.log(UnsupportedData.status); // 1003
 * ```
 */
export const UnsupportedData: CloseFrame = new CloseFrame(1003, "Unsupported data");

/**
 * Close 1007: data inconsistent with the message type (for example text that is not UTF-8).
 *
 * @example
 * ```ts
 * import { InvalidPayload } from "@tether/websocket";
 * console.log(InvalidPayload.status); // 1007
 * ```
 */
export const InvalidPayload: CloseFrame = new CloseFrame(1007, "Invalid payload");

/**
 * Close 1008: a message broke the endpoint's policy.
 *
 * @example
 * ```ts
 * import { PolicyViolation } from "@tether/websocket";
 * console.log(PolicyViolation.status); // 1008
 * ```
 */
export const PolicyViolation: CloseFrame = new CloseFrame(1008, "Policy violation");

/**
 * Close 1009: a message too big to process.
 *
 * @example
 * ```ts
 * import { MessageTooBig } from "@tether/websocket";
 * console.log(MessageTooBig.status); // 1009
 * ```
 */
export const MessageTooBig: CloseFrame = new CloseFrame(1009, "Message too big");

/**
 * Close 1011: the server hit an unexpected condition.
 *
 * @example
 * ```ts
 * import { InternalServerError } from "@tether/websocket";
 * console.log(InternalServerError.status); // 1011
 * ```
 */
export const InternalServerError: CloseFrame = new CloseFrame(1011, "Internal server error");
