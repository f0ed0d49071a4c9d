import type { Connection } from "../connection/connection.ts";
import { MAX_CLOSE_REASON_BYTES } from "../frame/close.ts";
import { ConnectionClosureError } from "./errors.ts";

const encoder = new TextEncoder();

/** Close codes an application may send: 1000-1003, 1007-1011 and 3000-4999. */
function isSendableCloseCode(code: number): boolean {
  return Number.isInteger(code) &&
    ((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
      (code >= 3000 && code <= 4999));
}

/**
 * What is wrong with the arguments of a `close(code, reason, timeout)` call, if anything:
 * a code an application may not send, a reason past 123 bytes, or a timeout that is neither
 * >= 0 nor -1 (forever).
 */
export function closeArgumentsProblem(
  code: number,
  reason: string,
  timeout: number,
): Error | undefined {
  if (!isSendableCloseCode(code)) {
    return new ConnectionClosureError(
      `invalid close code ${code}: use 1000-1003, 1007-1011 or 3000-4999`,
    );
  }
  if (typeof reason !== "string" || encoder.encode(reason).length > MAX_CLOSE_REASON_BYTES) {
    return new ConnectionClosureError(
      `close reason must be a string of at most ${MAX_CLOSE_REASON_BYTES} bytes of UTF-8`,
    );
  }
  if (typeof timeout !== "number" || Number.isNaN(timeout) || (timeout < 0 && timeout !== -1)) {
    return new RangeError(`close timeout must be >= 0 or -1, got ${timeout}`);
  }
  return undefined;
}

/**
 * Sends our close frame and waits up to `timeout` seconds (-1: forever) for `reply`, which
 * settles `true` when the peer's close arrived and `false` when the connection ended
 * without it. Without a reply the transport is dropped and the close fails.
 */
export async function closeAndAwaitReply(
  connection: Connection,
  code: number,
  reason: string,
  timeout: number,
  reply: Promise<boolean>,
): Promise<void> {
  await connection.sendClose(code, reason).catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = timeout < 0 ? undefined : new Promise<"expired">((resolve) => {
    timer = setTimeout(() => resolve("expired"), timeout * 1000);
  });
  const outcome = await (expired ? Promise.race([reply, expired]) : reply);
  clearTimeout(timer);
  if (outcome === true) return;
  connection.terminate();
  throw new ConnectionClosureError(
    outcome === "expired"
      ? `no close frame from the peer within ${timeout} s; the connection was dropped`
      : "the connection ended before the peer answered the close frame",
  );
}
