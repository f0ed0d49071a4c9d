import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root directory. */
export const root = fileURLToPath(new URL("..", import.meta.url));

/** The Deno that `npm ci` pinned, else one on the PATH, for tests that run the Deno CLI. */
export function denoBinary(): string {
  const pinned = join(root, "node_modules/.bin/deno");
  return existsSync(pinned) ? pinned : "deno";
}
