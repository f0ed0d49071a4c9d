import type { ScryptOptions } from "node:crypto";
import { nodeBuiltin } from "../frame/node-builtin.ts";

const SCHEME = "scrypt";
const COST = 16384;
const BLOCK_SIZE = 8;
const PARALLELISM = 1;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

function derive(password: string, salt: Uint8Array, options: ScryptOptions, length: number) {
  return new Promise<Uint8Array>((resolve, reject) =>
    nodeBuiltin("node:crypto").scrypt(
      password,
      salt,
      length,
      { ...options, maxmem: 64 * 1024 * 1024 },
      (error, key) => error ? reject(error) : resolve(new Uint8Array(key)),
    )
  );
}

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/**
 * A salted scrypt hash of `password` for a file user store:
 * `scrypt$<N>$<r>$<p>$<salt>$<hash>`, salt and hash in base64.
 *
 * @example
 * ```ts
 * import { hashPassword } from "@tether/websocket";
 * console.log(await hashPassword("correct horse")); // "scrypt$16384$8$1$..."
 * ```
 */
export async function hashPassword(password: string): Promise<string> {
  if (typeof password !== "string" || password === "") {
    throw new TypeError("the password must be a non-empty string");
  }
  const salt = crypto.getRandomValues(new Uint8Array(SALT_LENGTH));
  const options = { N: COST, r: BLOCK_SIZE, p: PARALLELISM };
  const key = await derive(password, salt, options, KEY_LENGTH);
  return [SCHEME, COST, BLOCK_SIZE, PARALLELISM, base64(salt), base64(key)].join("$");
}

/** A stored hash taken apart, or a message saying what is wrong with it. */
export interface ParsedHash {
  options: ScryptOptions;
  salt: Uint8Array;
  key: Uint8Array;
}

/** Reads a hash made by {@link hashPassword}; a malformed one is a string saying why. */
export function parseHash(hash: string): ParsedHash | string {
  const parts = typeof hash === "string" ? hash.split("$") : [];
  if (parts.length !== 6 || parts[0] !== SCHEME) {
    return 'not a hash made by hashPassword ("scrypt$N$r$p$salt$hash")';
  }
  const [N, r, p] = parts.slice(1, 4).map(Number);
  if (![N, r, p].every((n) => Number.isInteger(n) && n > 0) || (N & (N - 1)) !== 0) {
    return "its scrypt parameters are not valid";
  }
  try {
    const salt = fromBase64(parts[4]);
    const key = fromBase64(parts[5]);
    if (salt.length < 8 || key.length < 16) return "its salt or hash is too short";
    return { options: { N, r, p }, salt, key };
  } catch {
    return "its salt or hash is not base64";
  }
}

/** Whether `password` matches `hash`, compared in constant time. */
export async function verifyPassword(password: string, hash: ParsedHash): Promise<boolean> {
  const key = await derive(password, hash.salt, hash.options, hash.key.length);
  return nodeBuiltin("node:crypto").timingSafeEqual(key, hash.key);
}
