import { basicAuthorization, isToken68 } from "../credentials.ts";
import { AuthError } from "../../dispatch/errors.ts";
import {
  type AuthHttpClientConfig,
  type FormReply,
  postForm,
  readHttpClientCa,
} from "../post-form.ts";

/**
 * Settings every OAuth2 grant shares.
 *
 * @example
 * ```ts
 * import type { OAuth2GrantCommon } from "@tether/websocket";
 * const common: OAuth2GrantCommon = { scopes: ["chat"], clockSkew: 10 };
 * ```
 */
export interface OAuth2GrantCommon {
  /** Scopes asked for, sent as `scope`. */
  scopes?: string[];
  /** Seconds a token lives when the server does not say (`expires_in`). Default 3600. */
  defaultTokenExpTime?: number;
  /** Seconds before expiry at which a token counts as expired already. Default 0. */
  clockSkew?: number;
  /** More form parameters for the token request. */
  optionalParams?: Record<string, string>;
  /**
   * How the client id and secret travel: `AUTH_HEADER_BEARER` (default) as HTTP Basic,
   * `POST_BODY_BEARER` as `client_id` and `client_secret` form parameters.
   */
  credentialBearer?: "AUTH_HEADER_BEARER" | "POST_BODY_BEARER";
  /** Seconds a token request may take. Default 30. */
  timeout?: number;
  /** How the token endpoint is reached: a CA to trust for it. */
  clientConfig?: AuthHttpClientConfig;
}

/**
 * The client credentials grant (RFC 6749 section 4.4).
 *
 * @example
 * ```ts
 * import type { OAuth2ClientCredentialsGrantConfig } from "@tether/websocket";
 * const grant: OAuth2ClientCredentialsGrantConfig = {
 *   tokenUrl: "https://auth.example/oauth2/token",
 *   clientId: "chat-bot",
 *   clientSecret: "bot secret",
 *   scopes: ["chat"],
 * };
 * ```
 */
export interface OAuth2ClientCredentialsGrantConfig extends OAuth2GrantCommon {
  /** The token endpoint. */
  tokenUrl: string;
  /** The client id. */
  clientId: string;
  /** The client secret. */
  clientSecret: string;
}

/**
 * The resource owner password grant (RFC 6749 section 4.3). A refresh token the server
 * returns is used to renew the access token.
 *
 * @example
 * ```ts
 * import type { OAuth2PasswordGrantConfig } from "@tether/websocket";
 * const grant: OAuth2PasswordGrantConfig = {
 *   tokenUrl: "https://auth.example/oauth2/token",
 *   username: "alice",
 *   password: "wonderland",
 *   clientId: "chat-app",
 *   clientSecret: "app secret",
 * };
 * ```
 */
export interface OAuth2PasswordGrantConfig extends OAuth2GrantCommon {
  /** The token endpoint, also asked for refreshes. */
  tokenUrl: string;
  /** The resource owner's user name. */
  username: string;
  /** The resource owner's password. */
  password: string;
  /** The client id, if the server wants the client authenticated. */
  clientId?: string;
  /** The client secret. */
  clientSecret?: string;
}

/**
 * The refresh token grant (RFC 6749 section 6): access tokens from a refresh token you
 * already have. A new refresh token the server returns replaces it.
 *
 * @example
 * ```ts
 * import type { OAuth2RefreshTokenGrantConfig } from "@tether/websocket";
 * const grant: OAuth2RefreshTokenGrantConfig = {
 *   refreshUrl: "https://auth.example/oauth2/token",
 *   refreshToken: "a refresh token",
 *   clientId: "chat-app",
 *   clientSecret: "app secret",
 * };
 * ```
 */
export interface OAuth2RefreshTokenGrantConfig extends OAuth2GrantCommon {
  /** The token endpoint. */
  refreshUrl: string;
  /** The refresh token to start from. */
  refreshToken: string;
  /** The client id. */
  clientId: string;
  /** The client secret. */
  clientSecret: string;
}

/**
 * The JWT bearer grant (RFC 7523): a signed assertion exchanged for an access token.
 *
 * @example
 * ```ts
 * import type { OAuth2JwtBearerGrantConfig } from "@tether/websocket";
 * const grant: OAuth2JwtBearerGrantConfig = {
 *   tokenUrl: "https://auth.example/oauth2/token",
 *   assertion: "eyJhbGciOi...",
 * };
 * ```
 */
export interface OAuth2JwtBearerGrantConfig extends OAuth2GrantCommon {
  /** The token endpoint. */
  tokenUrl: string;
  /** The signed JWT assertion. */
  assertion: string;
  /** The client id, if the server wants the client authenticated. */
  clientId?: string;
  /** The client secret. */
  clientSecret?: string;
}

/**
 * Any of the OAuth2 grants a client can get its bearer tokens with.
 *
 * @example
 * ```ts
 * import type { OAuth2GrantConfig } from "@tether/websocket";
 * const grant: OAuth2GrantConfig = {
 *   tokenUrl: "https://auth.example/oauth2/token",
 *   clientId: "chat-bot",
 *   clientSecret: "bot secret",
 * };
 * ```
 */
export type OAuth2GrantConfig =
  | OAuth2ClientCredentialsGrantConfig
  | OAuth2PasswordGrantConfig
  | OAuth2RefreshTokenGrantConfig
  | OAuth2JwtBearerGrantConfig;

/** Whether an `auth` setting asks for an OAuth2 grant. */
export function isOAuth2Grant(config: object): config is OAuth2GrantConfig {
  return "tokenUrl" in config || "refreshUrl" in config;
}

interface GrantRequest {
  url: string;
  /** The grant's own form parameters. */
  parameters: Record<string, string>;
}

function text(name: string, value: unknown): string {
  if (typeof value !== "string" || value === "") {
    throw new TypeError(`auth.${name} must be a non-empty string`);
  }
  return value;
}

function endpoint(name: string, value: unknown): string {
  const url = text(name, value);
  if (!/^https?:\/\//.test(url) || !URL.canParse(url)) {
    throw new TypeError(`auth.${name} must be an http:// or https:// URL`);
  }
  return url;
}

function seconds(name: string, value: unknown, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)
  ) {
    throw new RangeError(`auth.${name} must be a ${allowZero ? "" : "positive "}number of seconds`);
  }
  return value;
}

/** The first grant request of a configuration: what it is exchanged for at first. */
function initialRequest(config: OAuth2GrantConfig): GrantRequest {
  if ("refreshUrl" in config) {
    return {
      url: endpoint("refreshUrl", config.refreshUrl),
      parameters: {
        grant_type: "refresh_token",
        refresh_token: text("refreshToken", config.refreshToken),
      },
    };
  }
  const url = endpoint("tokenUrl", config.tokenUrl);
  if ("assertion" in config) {
    return {
      url,
      parameters: {
        grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion: text("assertion", config.assertion),
      },
    };
  }
  if ("password" in config) {
    if (typeof config.password !== "string") throw new TypeError("auth.password must be a string");
    return {
      url,
      parameters: {
        grant_type: "password",
        username: text("username", config.username),
        password: config.password,
      },
    };
  }
  text("clientId", (config as OAuth2ClientCredentialsGrantConfig).clientId);
  text("clientSecret", (config as OAuth2ClientCredentialsGrantConfig).clientSecret);
  return { url, parameters: { grant_type: "client_credentials" } };
}

/**
 * Fetches bearer tokens with an OAuth2 grant and keeps them: a token is reused until four
 * fifths of its life (less `clockSkew`) have passed, then renewed with the refresh token
 * the server gave, or with the grant itself. Concurrent callers share one request.
 */
export function oauth2TokenSource(config: OAuth2GrantConfig): () => Promise<string> {
  const initial = initialRequest(config);
  const scopes = config.scopes ?? [];
  if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === "string")) {
    throw new TypeError("auth.scopes must be an array of strings");
  }
  const defaultLifetime = seconds("defaultTokenExpTime", config.defaultTokenExpTime, 3600);
  const clockSkew = seconds("clockSkew", config.clockSkew, 0, true);
  const timeoutMs = seconds("timeout", config.timeout, 30) * 1000;
  const bearer = config.credentialBearer ?? "AUTH_HEADER_BEARER";
  if (bearer !== "AUTH_HEADER_BEARER" && bearer !== "POST_BODY_BEARER") {
    throw new TypeError('auth.credentialBearer must be "AUTH_HEADER_BEARER" or "POST_BODY_BEARER"');
  }
  const { clientId, clientSecret } = config as { clientId?: string; clientSecret?: string };
  if (clientSecret !== undefined && clientId === undefined) {
    throw new TypeError("auth.clientSecret needs a clientId");
  }
  const optional = config.optionalParams ?? {};
  const ca = readHttpClientCa("auth.clientConfig", config.clientConfig);

  let refreshToken: string | undefined;
  let cached: { value: string; renewAt: number } | undefined;
  let inflight: Promise<string> | undefined;

  const request = async (grant: GrantRequest): Promise<string> => {
    const form = new URLSearchParams({ ...optional, ...grant.parameters });
    if (scopes.length > 0) form.set("scope", scopes.join(" "));
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    };
    if (clientId !== undefined) {
      if (bearer === "POST_BODY_BEARER") {
        form.set("client_id", clientId);
        if (clientSecret !== undefined) form.set("client_secret", clientSecret);
      } else {
        // As is, the way most servers read it; RFC 6749 would form-encode both first, which
        // only differs for characters outside the URL-safe set.
        headers.authorization = basicAuthorization(clientId, clientSecret ?? "");
      }
    }
    const what = `the OAuth2 ${grant.parameters.grant_type} request to ${grant.url}`;
    let reply: FormReply;
    try {
      reply = await postForm({ url: grant.url, form, headers, timeoutMs }, ca);
    } catch (error) {
      throw new AuthError(`${what} failed: ${(error as Error)?.message ?? error}`, {
        cause: error,
      });
    }
    const body = typeof reply.body === "object" && reply.body !== null
      ? reply.body as Record<string, unknown>
      : undefined;
    if (reply.status < 200 || reply.status > 299) {
      const detail = typeof body?.error === "string"
        ? `: ${body.error}${
          typeof body.error_description === "string" ? ` (${body.error_description})` : ""
        }`
        : "";
      throw new AuthError(`${what} was refused with status ${reply.status}${detail}`);
    }
    const token = body?.access_token;
    if (typeof token !== "string" || token === "" || !isToken68(token)) {
      throw new AuthError(`${what} returned no usable access_token`);
    }
    if (typeof body?.token_type === "string" && body.token_type.toLowerCase() !== "bearer") {
      throw new AuthError(`${what} returned a ${body.token_type} token, not a bearer token`);
    }
    if (typeof body?.refresh_token === "string") refreshToken = body.refresh_token;
    const lifetime = typeof body?.expires_in === "number" && body.expires_in > 0
      ? body.expires_in
      : defaultLifetime;
    cached = {
      value: `Bearer ${token}`,
      renewAt: Date.now() + Math.max(lifetime * 0.8 - clockSkew, 0) * 1000,
    };
    return cached.value;
  };

  const renew = async (): Promise<string> => {
    if (refreshToken !== undefined) {
      const refresh = {
        url: initial.url,
        parameters: { grant_type: "refresh_token", refresh_token: refreshToken },
      };
      // A rotated refresh token replaces the configured one for good.
      if (initial.parameters.grant_type === "refresh_token") return request(refresh);
      try {
        return await request(refresh);
      } catch {
        // A refresh token can expire or be revoked; the grant itself still works.
        refreshToken = undefined;
      }
    }
    return request(initial);
  };

  return () => {
    if (cached !== undefined && Date.now() < cached.renewAt) return Promise.resolve(cached.value);
    inflight ??= renew().finally(() => inflight = undefined);
    return inflight;
  };
}
