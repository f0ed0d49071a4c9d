import type { AuthInfo } from "./config.ts";

/** What one way of authenticating made of a request's credentials. */
export type Verdict = { ok: true; info: AuthInfo } | { ok: false; reason: string };
