const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Incremental UTF-8 validator (RFC 3629): rejects overlong forms, surrogates, code points
 * above U+10FFFF and stray continuation bytes at the first byte that makes the input
 * invalid, so a bad byte is caught even when the rest of the text has not arrived.
 *
 * @example
 * ```ts
 * import { Utf8Validator } from "@tether/websocket";
 * const validator = new Utf8Validator();
 * validator.write(new Uint8Array([0xe2, 0x82])); // true: valid so far
 * validator.write(new Uint8Array([0xac]));       // true: "€" complete
 * console.log(validator.complete);               // true
 * ```
 */
export class Utf8Validator {
  #pending = 0;
  #low = 0x80;
  #high = 0xbf;

  /** False once `bytes[start..end)` makes the text invalid; state carries to the next call. */
  write(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
    let pending = this.#pending;
    let low = this.#low;
    let high = this.#high;
    let i = start;
    while (i < end) {
      const byte = bytes[i++];
      if (pending === 0) {
        if (byte < 0x80) {
          while (i < end && bytes[i] < 0x80) i++;
          continue;
        }
        if (byte < 0xc2) return false;
        if (byte < 0xe0) {
          pending = 1;
        } else if (byte < 0xf0) {
          pending = 2;
          if (byte === 0xe0) low = 0xa0;
          else if (byte === 0xed) high = 0x9f;
        } else if (byte < 0xf5) {
          pending = 3;
          if (byte === 0xf0) low = 0x90;
          else if (byte === 0xf4) high = 0x8f;
        } else {
          return false;
        }
      } else {
        if (byte < low || byte > high) return false;
        low = 0x80;
        high = 0xbf;
        pending--;
      }
    }
    this.#pending = pending;
    this.#low = low;
    this.#high = high;
    return true;
  }

  /** True when no multi-byte sequence is left open. */
  get complete(): boolean {
    return this.#pending === 0;
  }

  /** Forgets any open sequence, for reuse on the next message. */
  reset(): void {
    this.#pending = 0;
    this.#low = 0x80;
    this.#high = 0xbf;
  }
}

/**
 * Whether `bytes` is complete, valid UTF-8.
 *
 * @example
 * ```ts
 * import { isValidUtf8 } from "@tether/websocket";
 * console.log(isValidUtf8(new Uint8Array([0xc0, 0xaf]))); // false: overlong "/"
 * ```
 */
export function isValidUtf8(bytes: Uint8Array): boolean {
  const validator = new Utf8Validator();
  return validator.write(bytes) && validator.complete;
}

/**
 * Decodes UTF-8 that must be valid, in one native pass; a byte-order mark is kept as
 * text. Returns `undefined` for invalid input instead of throwing.
 *
 * @example
 * ```ts
 * import { decodeUtf8 } from "@tether/websocket";
 * console.log(decodeUtf8(new Uint8Array([0x68, 0x69]))); // "hi"
 * console.log(decodeUtf8(new Uint8Array([0xff])));       // undefined
 * ```
 */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}
