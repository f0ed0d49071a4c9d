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

const CR = 13;
const LF = 10;
const latin1 = new TextDecoder("latin1");
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Field values may hold visible ASCII, obs-text, spaces and tabs; nothing else. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Collects the head of one HTTP/1.1 request as its bytes arrive, enforcing the limits as
 * soon as they can be broken: a request line longer than the URI limit allows fails with
 * 414 before its end arrives, a header section over its limit fails with 431 at once.
 */
export class RequestHeadReader {
  readonly #limits: HeadLimits;
  #chunks: Uint8Array[] = [];
  #size = 0;
  /** Where the scan for the blank line resumes. */
  #scanned = 0;
  #requestLineEnd = -1;

  constructor(limits: HeadLimits) {
    this.#limits = limits;
  }

  /** Adds bytes; returns the head once complete, a failure, or undefined for "need more". */
  push(chunk: Uint8Array): RequestHead | HeadFailure | undefined {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    const bytes = this.#chunks.length === 1 ? chunk : this.#merge();
    const maxLine = this.#limits.maxUriLength + 32;
    for (let i = this.#scanned; i < bytes.length; i++) {
      if (bytes[i] !== LF) continue;
      if (this.#requestLineEnd < 0) {
        this.#requestLineEnd = i;
        continue;
      }
      if (i >= 1 && (bytes[i - 1] === LF || (bytes[i - 1] === CR && bytes[i - 2] === LF))) {
        return this.#parse(bytes.subarray(0, i + 1), bytes.subarray(i + 1));
      }
    }
    this.#scanned = bytes.length;
    if (this.#requestLineEnd < 0) {
      if (bytes.length > maxLine) {
        return { status: 414, message: "request line too long" };
      }
    } else if (bytes.length - this.#requestLineEnd > this.#limits.maxHeaderSize) {
      return { status: 431, message: "header section too large" };
    }
    return undefined;
  }

  #merge(): Uint8Array {
    const merged = new Uint8Array(this.#size);
    let offset = 0;
    for (const part of this.#chunks) {
      merged.set(part, offset);
      offset += part.length;
    }
    this.#chunks = [merged];
    return merged;
  }

  #parse(head: Uint8Array, rest: Uint8Array): RequestHead | HeadFailure {
    const text = latin1.decode(head);
    const lines = text.split("\n").map((line) => line.endsWith("\r") ? line.slice(0, -1) : line);
    const [method, target, version, extra] = lines[0].split(" ");
    if (extra !== undefined || !method || !target || !version || !TOKEN.test(method)) {
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
    const headerBytes = head.length - this.#requestLineEnd - 1;
    if (headerBytes > this.#limits.maxHeaderSize) {
      return { status: 431, message: "header section too large" };
    }
    const fields: [string, string][] = [];
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      if (line === "") continue;
      const colon = line.indexOf(":");
      if (colon <= 0) return { status: 400, message: "malformed header field" };
      const name = line.slice(0, colon);
      const value = line.slice(colon + 1).trim();
      if (!TOKEN.test(name)) return { status: 400, message: `malformed header name "${name}"` };
      if (!FIELD_VALUE.test(value)) {
        return { status: 400, message: `control character in header "${name}"` };
      }
      fields.push([name, value]);
    }
    return { method, target, version, fields, rest };
  }
}
