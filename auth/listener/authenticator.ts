import type { AuthInfo, ListenerAuthConfig } from "./config.ts";
import { createFileUserStore } from "./file-user-store.ts";
import { createIntrospectionValidator } from "./introspection.ts";
import { createJwtValidator } from "./jwt-validator.ts";
import { createLdapUserStore } from "./ldap-user-store.ts";
import type { Verdict } from "./verdict.ts";

/** What the listener answers an upgrade request's credentials with. */
export type AuthOutcome =
  | { ok: true; info: AuthInfo }
  | { ok: false; status: 401 | 403; message: string; headers: Record<string, string> };

interface Provider {
  scheme: "Basic" | "Bearer";
  scopes: string[];
  check(credentials: string): Promise<Verdict>;
}

const REALM = 'realm="websocket"';

function basicCredentials(encoded: string): [string, string] | undefined {
  let decoded: string;
  try {
    const bytes = Uint8Array.from(atob(encoded), (c) => c.charCodeAt(0));
    decoded = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(":");
  return colon < 0 ? undefined : [decoded.slice(0, colon), decoded.slice(colon + 1)];
}

function provider(config: ListenerAuthConfig, index: number): Provider {
  const scopes = config.scopes ?? [];
  if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === "string")) {
    throw new TypeError(`auth[${index}].scopes must be an array of strings`);
  }
  if ("fileUserStoreConfig" in config || "ldapUserStoreConfig" in config) {
    const store = "fileUserStoreConfig" in config
      ? createFileUserStore(config.fileUserStoreConfig)
      : createLdapUserStore(config.ldapUserStoreConfig);
    return {
      scheme: "Basic",
      scopes,
      check: (encoded) => {
        const credentials = basicCredentials(encoded);
        if (credentials === undefined) {
          return Promise.resolve({ ok: false, reason: "malformed Basic credentials" });
        }
        return store(...credentials);
      },
    };
  }
  if ("jwtValidatorConfig" in config) {
    return { scheme: "Bearer", scopes, check: createJwtValidator(config.jwtValidatorConfig) };
  }
  if ("oauth2IntrospectionConfig" in config) {
    const check = createIntrospectionValidator(config.oauth2IntrospectionConfig);
    return { scheme: "Bearer", scopes, check };
  }
  throw new TypeError(
    `auth[${index}] needs fileUserStoreConfig, ldapUserStoreConfig, jwtValidatorConfig or ` +
      "oauth2IntrospectionConfig",
  );
}

/**
 * Checks an upgrade request's `Authorization` against a service's `auth` list, in order:
 * the first way that accepts the credentials decides (403 when the user lacks every listed
 * scope); none accepting them, or none for the scheme, is 401. Bad configuration throws.
 */
export function createAuthenticator(
  configs: ListenerAuthConfig[],
): (request: Request) => Promise<AuthOutcome> {
  if (!Array.isArray(configs) || configs.length === 0) {
    throw new TypeError("auth must be a non-empty array of auth configurations");
  }
  const providers = configs.map(provider);
  const schemes = [...new Set(providers.map((p) => p.scheme))];
  const challenge = (error?: string) =>
    schemes.map((scheme) =>
      scheme === "Basic"
        ? `Basic ${REALM}, charset="UTF-8"`
        : `Bearer ${REALM}${error ? `, error="${error}"` : ""}`
    ).join(", ");
  return async (request): Promise<AuthOutcome> => {
    const header = request.headers.get("authorization") ?? "";
    const space = header.indexOf(" ");
    const scheme = header.slice(0, space).toLowerCase();
    const credentials = header.slice(space + 1).trim();
    let presented = false;
    if (space > 0 && credentials !== "") {
      for (const candidate of providers) {
        if (candidate.scheme.toLowerCase() !== scheme) continue;
        presented = true;
        const verdict = await candidate.check(credentials);
        if (!verdict.ok) continue;
        const { scopes } = verdict.info;
        if (candidate.scopes.length === 0 || candidate.scopes.some((s) => scopes.includes(s))) {
          return verdict;
        }
        return {
          ok: false,
          status: 403,
          message: "Forbidden: the credentials lack the scopes this service needs",
          headers: scheme === "bearer"
            ? { "www-authenticate": `Bearer ${REALM}, error="insufficient_scope"` }
            : {} as Record<string, string>,
        };
      }
    }
    return {
      ok: false,
      status: 401,
      message: "Unauthorized",
      headers: {
        "www-authenticate": challenge(
          presented && scheme === "bearer" ? "invalid_token" : undefined,
        ),
      },
    };
  };
}
