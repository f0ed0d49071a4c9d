/**
 * HTTP/1.1 head parsing shared by the server's request reader and the client's response
 * reader: header fields checked strictly, names as tokens and values without control
 * characters, so that nothing malformed reaches a `Headers` object.
 */

/** Field values may hold visible ASCII, obs-text, spaces and tabs; nothing else. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
import { isToken } from "./header-lists.ts";

const CR = 13;
const LF = 10;
const latin1 = new TextDecoder("latin1");

/**
 * The header fields of a head's lines after its first, in arrival order, or a message
 * saying what is malformed. Folded lines (obs-fold) are refused.
 */
export function parseHeaderFields(lines: string[]): [string, string][] | string {
  const fields: [string, string][] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) return "malformed header field";
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    if (!isToken(name)) return `malformed header name "${name}"`;
    if (!FIELD_VALUE.test(value)) return `control character in header "${name}"`;
    fields.push([name, value]);
  }
  return fields;
}

/** The lines of a complete head (CRLF or bare LF), decoded byte for byte. */
export function headLines(head: Uint8Array): string[] {
  return latin1.decode(head).split("\n").map((line) =>
    line.endsWith("\r") ? line.slice(0, -1) : line
  );
}

/**
 * Finds the end of an HTTP head as its bytes arrive: `push` answers the head's length once
 * the blank line after it is in, scanning each byte once however the bytes are cut.
 */
export class HeadBuffer {
  #chunks: Uint8Array[] = [];
  #size = 0;
  #scanned = 0;
  /** Index of the first line's LF, or -1 while it has not arrived. */
  firstLineEnd = -1;

  /** Every byte pushed so far, in one buffer. */
  get bytes(): Uint8Array {
    if (this.#chunks.length !== 1) this.#merge();
    return this.#chunks[0] ?? new Uint8Array(0);
  }

  get size(): number {
    return this.#size;
  }

  /** Adds bytes; answers the length of the head once complete, else -1. */
  push(chunk: Uint8Array): number {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    const bytes = this.bytes;
    for (let i = this.#scanned; i < bytes.length; i++) {
      if (bytes[i] !== LF) continue;
      if (this.firstLineEnd < 0) {
        this.firstLineEnd = i;
        continue;
      }
      if (bytes[i - 1] === LF || (bytes[i - 1] === CR && bytes[i - 2] === LF)) return i + 1;
    }
    this.#scanned = bytes.length;
    return -1;
  }

  #merge(): void {
    const merged = new Uint8Array(this.#size);
    let offset = 0;
    for (const part of this.#chunks) {
      merged.set(part, offset);
      offset += part.length;
    }
    this.#chunks = [merged];
  }
}
