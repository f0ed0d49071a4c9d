import { CloseCode } from "../frame/close.ts";
import type { FrameError } from "../frame/errors.ts";
import type { StandardSchemaIssue } from "./binding.ts";

/**
 * Base class of every error this library reports; `Error` itself is taken in JavaScript.
 *
 * @example
 * ```ts
 * import { ConnectionClosureError, WebSocketError } from "@tether/websocket";
 * const error = new ConnectionClosureError("Close frame already sent");
 * console.log(error instanceof WebSocketError, error.name); // true "ConnectionClosureError"
 * ```
 */
export class WebSocketError extends Error {
  /** An error with `message`, and optionally the error that caused it. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The head of the server's answer to a client's upgrade request.
 *
 * @example
 * ```ts
 * import type { HandshakeResponse } from "@tether/websocket";
 * const describe = (response: HandshakeResponse) =>
 *   `${response.status} ${response.statusText}, server ${response.headers.get("server")}`;
 * ```
 */
export interface HandshakeResponse {
  /** The HTTP status: 101 when the upgrade was accepted. */
  readonly status: number;
  /** The reason phrase of the status line. */
  readonly statusText: string;
  /** The response's header fields. */
  readonly headers: Headers;
}

/**
 * The opening handshake failed or was answered with something that is not an upgrade;
 * `status` and `response` tell what the server answered, when it answered.
 *
 * @example
 * ```ts
 * import { InvalidHandshakeError } from "@tether/websocket";
 * const error = new InvalidHandshakeError("expected status 101, got 404", { status: 404 });
 * console.log(error.status); // 404
 * ```
 */
export class InvalidHandshakeError extends WebSocketError {
  /** The HTTP status of the response, when one arrived. */
  readonly status: number | undefined;
  /** The response's status line and headers, when one arrived. */
  readonly response: HandshakeResponse | undefined;

  /** A handshake failure, with the response (or only its status) when there was one. */
  constructor(
    message: string,
    options?: ErrorOptions & { status?: number; response?: HandshakeResponse },
  ) {
    super(message, options);
    this.response = options?.response;
    this.status = options?.status ?? options?.response?.status;
  }
}

/**
 * A frame or message was larger than the configured limit; the connection closes with 1009.
 *
 * @example
 * ```ts
 * import { PayloadTooLargeError } from "@tether/websocket";
 * console.log(new PayloadTooLargeError("frame of 70000 bytes").name); // "PayloadTooLargeError"
 * ```
 */
export class PayloadTooLargeError extends WebSocketError {}

/**
 * The peer broke the protocol (bad frame, bad UTF-8...); the connection closes with 1002
 * or 1007.
 *
 * @example
 * ```ts
 * import { CorruptedFrameError } from "@tether/websocket";
 * console.log(new CorruptedFrameError("reserved opcode 3").message); // "reserved opcode 3"
 * ```
 */
export class CorruptedFrameError extends WebSocketError {}

/**
 * A continuation frame arrived with no message to continue, or a new message started
 * inside a fragmented one.
 *
 * @example
 * ```ts
 * import { CorruptedFrameError, InvalidContinuationFrameError } from "@tether/websocket";
 * console.log(new InvalidContinuationFrameError("orphan") instanceof CorruptedFrameError); // true
 * ```
 */
export class InvalidContinuationFrameError extends CorruptedFrameError {}

/**
 * The connection failed or is no longer usable.
 *
 * @example
 * ```ts
 * import { ConnectionError } from "@tether/websocket";
 * console.log(new ConnectionError("connection lost").name); // "ConnectionError"
 * ```
 */
export class ConnectionError extends WebSocketError {}

/**
 * A close could not be carried out as asked: a bad close code, a second close, writes
 * after close, or no close reply from the peer in time.
 *
 * @example
 * ```ts
 * import { ConnectionClosureError, ConnectionError } from "@tether/websocket";
 * console.log(new ConnectionClosureError("Close frame already sent") instanceof ConnectionError); // true
 * ```
 */
export class ConnectionClosureError extends ConnectionError {}

/**
 * Thrown by an upgrade function to refuse a connection with an HTTP status (400 by
 * default; statuses outside 400-599 become 400). The message becomes the response body.
 *
 * @example
 * ```ts
 * import { UpgradeError } from "@tether/websocket";
 * const refusal = new UpgradeError("room is full", { status: 409 });
 * console.log(refusal.status); // 409
 * ```
 */
export class UpgradeError extends WebSocketError {
  /** The HTTP status of the refusal, always 400-599. */
  readonly status: number;

  /** A refusal with `message` and `options.status` (default 400). */
  constructor(message: string, options: ErrorOptions & { status?: number } = {}) {
    super(message, options);
    const status = options.status ?? 400;
    this.status = Number.isInteger(status) && status >= 400 && status <= 599 ? status : 400;
  }
}

/**
 * The opening handshake did not complete in time.
 *
 * @example
 * ```ts
 * import { HandshakeTimedOut } from "@tether/websocket";
 * console.log(new HandshakeTimedOut("no response in 5 s").name); // "HandshakeTimedOut"
 * ```
 */
export class HandshakeTimedOut extends WebSocketError {}

/**
 * No message arrived within the read timeout.
 *
 * @example
 * ```ts
 * import { ReadTimedOutError } from "@tether/websocket";
 * console.log(new ReadTimedOutError("Read timed out").message); // "Read timed out"
 * ```
 */
export class ReadTimedOutError extends WebSocketError {}

/**
 * A client could not obtain the credentials its auth configuration asks for.
 *
 * @example
 * ```ts
 * import { AuthError } from "@tether/websocket";
 * console.log(new AuthError("token endpoint unreachable").name); // "AuthError"
 * ```
 */
export class AuthError extends WebSocketError {}

/**
 * Authentication failed on the listener; an upgrade function that throws it refuses with
 * 401.
 *
 * @example
 * ```ts
 * import { AuthnError } from "@tether/websocket";
 * console.log(new AuthnError("bad credentials").status); // 401
 * ```
 */
export class AuthnError extends UpgradeError {
  /** A 401 refusal. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, status: 401 });
  }
}

/**
 * The user is known but lacks the scopes a service needs; refuses with 403.
 *
 * @example
 * ```ts
 * import { AuthzError } from "@tether/websocket";
 * console.log(new AuthzError("missing scope admin").status); // 403
 * ```
 */
export class AuthzError extends UpgradeError {
  /** A 403 refusal. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, { ...options, status: 403 });
  }
}

/**
 * A TLS handshake failed or a certificate did not verify.
 *
 * @example
 * ```ts
 * import { SslError } from "@tether/websocket";
 * console.log(new SslError("certificate has expired").name); // "SslError"
 * ```
 */
export class SslError extends WebSocketError {}

/**
 * A message could not be turned into the type a method asked for.
 *
 * @example
 * ```ts
 * import { PayloadBindingError } from "@tether/websocket";
 * console.log(new PayloadBindingError("not JSON").name); // "PayloadBindingError"
 * ```
 */
export class PayloadBindingError extends WebSocketError {}

/**
 * A message had the right shape but failed its schema's validation.
 *
 * @example
 * ```ts
 * import { PayloadBindingError, PayloadValidationError } from "@tether/websocket";
 * console.log(new PayloadValidationError("age: too small") instanceof PayloadBindingError); // true
 * ```
 */
export class PayloadValidationError extends PayloadBindingError {
  /** What the schema reported, as Standard Schema issues. */
  readonly issues: readonly StandardSchemaIssue[];

  /** A validation failure with the schema's issues. */
  constructor(
    message: string,
    options?: ErrorOptions & { issues?: readonly StandardSchemaIssue[] },
  ) {
    super(message, options);
    this.issues = options?.issues ?? [];
  }
}

/** A thrown value as an `Error`: itself when it is one, else a `WebSocketError` saying what it was. */
export function toError(value: unknown): Error {
  return value instanceof Error ? value : new WebSocketError(String(value));
}

/** The error a connection reports when its peer broke the protocol. */
export function fromFrameError(error: FrameError): WebSocketError {
  return error.closeCode === CloseCode.MessageTooBig
    ? new PayloadTooLargeError(error.message, { cause: error })
    : new CorruptedFrameError(error.message, { cause: error });
}
