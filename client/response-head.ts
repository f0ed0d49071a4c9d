import type { HandshakeResponse } from "../dispatch/errors.ts";
import { HeadBuffer, headLines, parseHeaderFields } from "../frame/http-head.ts";

/** A server's response head, as the client read it. */
export interface ResponseHead extends HandshakeResponse {
  /** Bytes after the head: the first frames, when the server did not wait. */
  rest: Uint8Array;
}

/** Largest response head a client accepts, in bytes. */
export const MAX_RESPONSE_HEAD = 16 * 1024;

const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/;

/**
 * Collects the head of the server's answer to an upgrade request as its bytes arrive.
 * Answers `undefined` until it is complete, then the head or an `Error` saying what is
 * wrong with it: too large, a malformed status line, or malformed header fields (control
 * characters, bytes outside what HTTP allows).
 */
export class ResponseHeadReader {
  readonly #buffer = new HeadBuffer();
  readonly #limit: number;

  constructor(limit = MAX_RESPONSE_HEAD) {
    this.#limit = limit;
  }

  push(chunk: Uint8Array): ResponseHead | Error | undefined {
    const buffer = this.#buffer;
    const end = buffer.push(chunk);
    if (end < 0) {
      return buffer.size > this.#limit
        ? new Error(`the response head is larger than ${this.#limit} bytes`)
        : undefined;
    }
    if (end > this.#limit) {
      return new Error(`the response head is larger than ${this.#limit} bytes`);
    }
    const bytes = buffer.bytes;
    const lines = headLines(bytes.subarray(0, end));
    const statusLine = STATUS_LINE.exec(lines[0]);
    if (statusLine === null) {
      return new Error(`malformed status line: ${JSON.stringify(lines[0].slice(0, 80))}`);
    }
    const fields = parseHeaderFields(lines);
    if (typeof fields === "string") return new Error(fields);
    const headers = new Headers();
    for (const [name, value] of fields) {
      try {
        headers.append(name, value);
      } catch {
        return new Error(`header "${name}" holds bytes a header value cannot`);
      }
    }
    return {
      status: Number(statusLine[1]),
      statusText: statusLine[2] ?? "",
      headers,
      rest: bytes.subarray(end),
    };
  }
}
