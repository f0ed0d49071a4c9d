import { nodeBuiltin } from "../../frame/node-builtin.ts";
import { type ParsedHash, parseHash, verifyPassword } from "../password.ts";
import type { FileUserStoreConfig } from "./config.ts";
import type { Verdict } from "./verdict.ts";

interface StoredUser {
  hash: ParsedHash;
  scopes: string[];
}

/** Checked against when the user does not exist, so that both answers take as long. */
const DECOY = parseHash(
  "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
) as ParsedHash;

function loadUsers(path: string): Map<string, StoredUser> {
  const fail = (why: string) => {
    throw new TypeError(`fileUserStoreConfig: ${path}: ${why}`);
  };
  let document: unknown;
  try {
    document = JSON.parse(nodeBuiltin("node:fs").readFileSync(path, "utf8"));
  } catch (error) {
    return fail((error as Error).message);
  }
  const users = (document as { users?: unknown })?.users;
  if (!Array.isArray(users)) return fail('expected { "users": [...] }');
  const store = new Map<string, StoredUser>();
  users.forEach((user, index) => {
    const { username, password, scopes = [] } = (user ?? {}) as Record<string, unknown>;
    if (typeof username !== "string" || username === "" || username.includes(":")) {
      fail(`user ${index}: username must be a non-empty string without ":"`);
    }
    if (store.has(username as string)) fail(`user ${index}: ${username} is listed twice`);
    const hash = parseHash(password as string);
    if (typeof hash === "string") fail(`user ${username}: password is ${hash}`);
    if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === "string")) {
      fail(`user ${username}: scopes must be an array of strings`);
    }
    store.set(username as string, { hash: hash as ParsedHash, scopes: scopes as string[] });
  });
  return store;
}

/** Checks Basic credentials against a user file, read now; a bad file throws. */
export function createFileUserStore(
  config: FileUserStoreConfig,
): (username: string, password: string) => Promise<Verdict> {
  if (typeof config?.path !== "string") throw new TypeError("fileUserStoreConfig.path is required");
  const users = loadUsers(config.path);
  return async (username, password) => {
    const user = users.get(username);
    const matches = await verifyPassword(password, user?.hash ?? DECOY);
    if (user === undefined || !matches) {
      return { ok: false, reason: "unknown user or wrong password" };
    }
    return { ok: true, info: { scheme: "Basic", subject: username, scopes: user.scopes } };
  };
}
