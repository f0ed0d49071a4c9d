import type { Connection } from "../connection/connection.ts";
import type { HandshakeResponse } from "../dispatch/errors.ts";
import type { ClientSettings } from "./config.ts";
import type { WebSocketUrl } from "./handshake.ts";

/** One connection attempt of a client. */
export interface TransportRequest {
  url: WebSocketUrl;
  settings: ClientSettings;
  /** Whether the transport answers pings itself (the client has no `onPing`). */
  autoPong: boolean;
  /** Aborted when the client is closed while the attempt is under way. */
  signal: AbortSignal;
  /** The `Authorization` header for this attempt, from the client's `auth`. */
  authorization: string | undefined;
}

/** A completed opening handshake. */
export interface Handshake {
  connection: Connection;
  response: HandshakeResponse;
}

/**
 * Opens one connection and completes its opening handshake. Rejects with
 * `InvalidHandshakeError` (the server answered, but not with a valid upgrade),
 * `HandshakeTimedOut`, `SslError` or `ConnectionError` (the server could not be reached or
 * went away).
 */
export type Transport = (request: TransportRequest) => Promise<Handshake>;

/**
 * Races `attempt` against a deadline of `timeoutMs` (0: none) and against `signal`. When
 * either ends it first, `onStop` releases whatever the attempt holds and makes the error
 * to reject with.
 */
export function withDeadline<T>(
  timeoutMs: number,
  signal: AbortSignal,
  attempt: Promise<T>,
  onStop: (why: "timeout" | "abort") => Error,
): Promise<T> {
  // Whatever the attempt does after it was stopped is moot, failures included.
  attempt.catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    if (signal.aborted) return reject(onStop("abort"));
    const abort = () => reject(onStop("abort"));
    signal.addEventListener("abort", abort, { once: true });
    stopAbort = () => signal.removeEventListener("abort", abort);
    if (timeoutMs > 0) timer = setTimeout(() => reject(onStop("timeout")), timeoutMs);
  });
  return Promise.race([attempt, stopped]).finally(() => {
    clearTimeout(timer);
    stopAbort?.();
  });
}
