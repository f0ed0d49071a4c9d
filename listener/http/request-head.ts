import { isToken } from "../../frame/header-lists.ts";
import { HeadBuffer, headLines, parseHeaderFields } from "../../frame/http-head.ts";

/** Size limits on the head of an HTTP/1.1 request. */
export interface HeadLimits {
  /** Longest request target, in bytes; longer fails with 414. */
  maxUriLength: number;
  /** Largest header section, in bytes; larger fails with 431. */
  maxHeaderSize: number;
}

/** A parsed request head. */
export interface RequestHead {
  method: string;
  target: string;
  version: "HTTP/1.0" | "HTTP/1.1";
  /** Header fields in arrival order, names as sent. */
  fields: [string, string][];
  /** Bytes after the head (the peer did not wait for the response). */
  rest: Uint8Array;
}

/** Why a request head was refused, as the HTTP status to answer with. */
export interface HeadFailure {
  status: 400 | 414 | 431 | 505;
  message: string;
}

/**
 * Collects the head of one HTTP/1.1 request as its bytes arrive, enforcing the limits as
 * soon as they can be broken: a request line longer than the URI limit allows fails with
 * 414 before its end arrives, a header section over its limit fails with 431 at once.
 */
export class RequestHeadReader {
  readonly #limits: HeadLimits;
  readonly #buffer = new HeadBuffer();

  constructor(limits: HeadLimits) {
    this.#limits = limits;
  }

  /** Adds bytes; returns the head once complete, a failure, or undefined for "need more". */
  push(chunk: Uint8Array): RequestHead | HeadFailure | undefined {
    const buffer = this.#buffer;
    const end = buffer.push(chunk);
    if (end >= 0) {
      const bytes = buffer.bytes;
      return this.#parse(bytes.subarray(0, end), bytes.subarray(end));
    }
    if (buffer.firstLineEnd < 0) {
      if (buffer.size > this.#limits.maxUriLength + 32) {
        return { status: 414, message: "request line too long" };
      }
    } else if (buffer.size - buffer.firstLineEnd > this.#limits.maxHeaderSize) {
      return { status: 431, message: "header section too large" };
    }
    return undefined;
  }

  #parse(head: Uint8Array, rest: Uint8Array): RequestHead | HeadFailure {
    const lines = headLines(head);
    const [method, target, version, extra] = lines[0].split(" ");
    if (extra !== undefined || !method || !target || !version || !isToken(method)) {
      return { status: 400, message: "malformed request line" };
    }
    if (target.length > this.#limits.maxUriLength) {
      return { status: 414, message: "request target too long" };
    }
    if (version !== "HTTP/1.1" && version !== "HTTP/1.0") {
      return /^HTTP\/\d\.\d$/.test(version)
        ? { status: 505, message: "only HTTP/1.x is served" }
        : { status: 400, message: "malformed HTTP version" };
    }
    const headerBytes = head.length - this.#buffer.firstLineEnd - 1;
    if (headerBytes > this.#limits.maxHeaderSize) {
      return { status: 431, message: "header section too large" };
    }
    const fields = parseHeaderFields(lines);
    if (typeof fields === "string") return { status: 400, message: fields };
    return { method, target, version, fields, rest };
  }
}
