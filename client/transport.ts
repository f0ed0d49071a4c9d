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
 * Races `attempt` against a deadline of `timeoutMs` (0: none). When the deadline passes
 * first, `onExpiry` releases whatever the attempt holds and makes the error to reject with.
 */
export function withDeadline<T>(
  timeoutMs: number,
  attempt: Promise<T>,
  onExpiry: () => Error,
): Promise<T> {
  if (timeoutMs <= 0) return attempt;
  // Whatever the attempt does after the deadline is moot, failures included.
  attempt.catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onExpiry()), timeoutMs);
  });
  return Promise.race([attempt, deadline]).finally(() => clearTimeout(timer));
}
