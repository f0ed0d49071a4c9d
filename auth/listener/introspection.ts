import { basicAuthorization } from "../credentials.ts";
import type { OAuth2IntrospectionConfig } from "./config.ts";
import { postForm, readHttpClientCa } from "../post-form.ts";
import { scopesOf } from "./scopes.ts";
import type { Verdict } from "./verdict.ts";

interface Cached {
  verdict: Verdict & { ok: true };
  expiresAt: number;
}

function positive(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`oauth2IntrospectionConfig.${name} must be a positive number`);
  }
  return value;
}

function clientAuthorization(config: OAuth2IntrospectionConfig): string | undefined {
  const auth = config.clientConfig?.auth;
  if (auth === undefined) return undefined;
  if ("token" in auth && typeof auth.token === "string" && auth.token !== "") {
    return `Bearer ${auth.token}`;
  }
  if (
    "username" in auth && typeof auth.username === "string" && typeof auth.password === "string"
  ) {
    return basicAuthorization(auth.username, auth.password);
  }
  throw new TypeError(
    "oauth2IntrospectionConfig.clientConfig.auth needs username and password, or a token",
  );
}

/**
 * Checks bearer tokens by asking an RFC 7662 introspection endpoint, keeping active answers
 * until the token's `exp` (or `defaultTokenExpTime`) in a cache of bounded size. Inactive
 * answers are not cached: a token may become valid, and a refusal costs a request anyway.
 */
export function createIntrospectionValidator(
  config: OAuth2IntrospectionConfig,
): (token: string) => Promise<Verdict> {
  if (typeof config !== "object" || config === null) {
    throw new TypeError("oauth2IntrospectionConfig must be an object");
  }
  const url = config.url;
  if (typeof url !== "string" || !/^https?:\/\//.test(url) || !URL.canParse(url)) {
    throw new TypeError("oauth2IntrospectionConfig.url must be an http:// or https:// URL");
  }
  const scopeKey = config.scopeKey ?? "scope";
  const defaultLifetimeMs = positive("defaultTokenExpTime", config.defaultTokenExpTime, 3600) *
    1000;
  const cacheSize = positive("cacheSize", config.cacheSize, 1000);
  if (!Number.isInteger(cacheSize)) {
    throw new RangeError("oauth2IntrospectionConfig.cacheSize must be a whole number");
  }
  const timeoutMs = positive("timeout", config.timeout, 10) * 1000;
  const authorization = clientAuthorization(config);
  const ca = readHttpClientCa("oauth2IntrospectionConfig.clientConfig", config.clientConfig);
  const cache = new Map<string, Cached>();

  const remember = (token: string, entry: Cached) => {
    cache.delete(token);
    cache.set(token, entry);
    // A Map iterates in insertion order: the first key is the least recently stored.
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
  };

  return async (token) => {
    const hit = cache.get(token);
    if (hit !== undefined) {
      if (Date.now() < hit.expiresAt) return hit.verdict;
      cache.delete(token);
    }
    const form = new URLSearchParams({ ...config.optionalParams, token });
    if (config.tokenTypeHint !== undefined) form.set("token_type_hint", config.tokenTypeHint);
    let answer: Record<string, unknown>;
    try {
      const reply = await postForm({
        url,
        form,
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
          ...(authorization && { authorization }),
        },
        timeoutMs,
      }, ca);
      if (reply.status !== 200) throw new Error(`status ${reply.status}`);
      if (typeof reply.body !== "object" || reply.body === null) {
        throw new Error("the answer is not a JSON object");
      }
      answer = reply.body as Record<string, unknown>;
    } catch (error) {
      // The endpoint failed, not the client: say so, without the token.
      console.warn(
        `[tether] OAuth2 introspection at ${url}: ${(error as Error)?.message ?? error}`,
      );
      return { ok: false, reason: "the introspection endpoint could not be asked" };
    }
    if (answer.active !== true) return { ok: false, reason: "the token is not active" };
    const now = Date.now();
    const expiresAt = typeof answer.exp === "number" ? answer.exp * 1000 : now + defaultLifetimeMs;
    if (expiresAt <= now) return { ok: false, reason: "the token has expired" };
    const subject = typeof answer.sub === "string"
      ? answer.sub
      : typeof answer.username === "string"
      ? answer.username
      : undefined;
    const verdict = {
      ok: true as const,
      info: {
        scheme: "Bearer" as const,
        subject,
        scopes: scopesOf(answer[scopeKey]),
        claims: answer,
      },
    };
    remember(token, { verdict, expiresAt });
    return verdict;
  };
}
