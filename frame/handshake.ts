/**
 * The GUID RFC 6455 appends to a client's key before hashing it.
 *
 * @example
 * ```ts
 * import { WEBSOCKET_GUID } from "@tether/websocket";
 * console.log(WEBSOCKET_GUID.length); // 36
 * ```
 */
export const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

const BASE64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}

/**
 * The `Sec-WebSocket-Accept` value for a client's `Sec-WebSocket-Key`.
 *
 * @example
 * ```ts
 * import { computeAcceptKey } from "@tether/websocket";
 * console.log(await computeAcceptKey("dGhlIHNhbXBsZSBub25jZQ=="));
 * // "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
 * ```
 */
export async function computeAcceptKey(key: string): Promise<string> {
  const input = new TextEncoder().encode(key + WEBSOCKET_GUID);
  return toBase64(new Uint8Array(await crypto.subtle.digest("SHA-1", input)));
}

/**
 * Whether `key` is a valid `Sec-WebSocket-Key`: the canonical base64 form of exactly
 * 16 bytes (24 characters ending in `==`).
 *
 * @example
 * ```ts
 * import { isValidClientKey } from "@tether/websocket";
 * console.log(isValidClientKey("dGhlIHNhbXBsZSBub25jZQ==")); // true
 * console.log(isValidClientKey("c2hvcnQ="));                 // false: 5 bytes
 * ```
 */
export function isValidClientKey(key: string): boolean {
  if (key.length !== 24 || key[22] !== "=" || key[23] !== "=") return false;
  for (let i = 0; i < 21; i++) {
    if (!BASE64_ALPHABET.includes(key[i])) return false;
  }
  // The 22nd character carries 2 bits of the last byte and 4 padding bits that must be 0.
  return "AQgw".includes(key[21]);
}

/**
 * A fresh `Sec-WebSocket-Key` for a client handshake: 16 random bytes in base64.
 *
 * @example
 * ```ts
 * import { generateClientKey, isValidClientKey } from "@tether/websocket";
 * console.log(isValidClientKey(generateClientKey())); // true
 * ```
 */
export function generateClientKey(): string {
  return toBase64(crypto.getRandomValues(new Uint8Array(16)));
}
