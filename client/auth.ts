import { basicAuthorization, isToken68 } from "../auth/credentials.ts";
import type { KeyObject } from "node:crypto";
import { isOAuth2Grant, type OAuth2GrantConfig, oauth2TokenSource } from "../auth/client/oauth2.ts";
import { pemText } from "../auth/pem.ts";
import { nodeBuiltin } from "../frame/node-builtin.ts";
import { AuthError } from "../dispatch/errors.ts";

/**
 * How a client authenticates its upgrade requests: Basic credentials, a bearer token, a
 * JWT it signs itself (issued afresh before the previous one expires), or bearer tokens
 * from an OAuth2 grant (fetched, cached and renewed before they expire).
 *
 * @example
 * ```ts
 * import type { ClientAuthConfig } from "@tether/websocket";
 * const basic: ClientAuthConfig = { username: "alice", password: "wonderland" };
 * const bearer: ClientAuthConfig = { token: "eyJhbGciOi..." };
 * const selfIssued: ClientAuthConfig = {
 *   issuer: "https://me.example",
 *   audience: "chat",
 *   username: "alice",
 *   expTime: 300,
 *   signatureConfig: { secret: "a shared secret of enough length" },
 * };
 * ```
 */
export type ClientAuthConfig =
  | CredentialsConfig
  | BearerTokenConfig
  | JwtIssuerConfig
  | OAuth2GrantConfig;

/**
 * Basic credentials.
 *
 * @example
 * ```ts
 * import type { CredentialsConfig } from "@tether/websocket";
 * const credentials: CredentialsConfig = { username: "alice", password: "wonderland" };
 * ```
 */
export interface CredentialsConfig {
  /** The user name; it cannot hold ":". */
  username: string;
  /** The password. */
  password: string;
}

/**
 * A bearer token sent as it is.
 *
 * @example
 * ```ts
 * import type { BearerTokenConfig } from "@tether/websocket";
 * const bearer: BearerTokenConfig = { token: "opaque-or-jwt" };
 * ```
 */
export interface BearerTokenConfig {
  /** The token, visible ASCII without spaces. */
  token: string;
}

/**
 * A JWT the client signs for itself.
 *
 * @example
 * ```ts
 * import type { JwtIssuerConfig } from "@tether/websocket";
 * const issuer: JwtIssuerConfig = {
 *   issuer: "https://me.example",
 *   signatureConfig: { privateKey: "./keys/client.key", algorithm: "ES256" },
 * };
 * ```
 */
export interface JwtIssuerConfig {
  /** The `iss` claim. */
  issuer?: string;
  /** The `sub` claim. */
  username?: string;
  /** The `aud` claim. */
  audience?: string | string[];
  /** The `kid` header. */
  keyId?: string;
  /** Seconds each token is valid. Default 300. */
  expTime?: number;
  /** More claims. */
  customClaims?: Record<string, unknown>;
  /** A PEM PKCS#8 private key (text or file path) with its algorithm, or an HMAC secret. */
  signatureConfig: { privateKey: string; algorithm?: string } | { secret: string };
}

/** Makes the `Authorization` value for each connection attempt. */
export type AuthorizationSource = () => Promise<string>;

const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^Ed25519$/;

function jwtIssuer(config: JwtIssuerConfig): AuthorizationSource {
  const expTime = config.expTime ?? 300;
  if (typeof expTime !== "number" || !(expTime > 0)) {
    throw new RangeError("auth.expTime must be a number of seconds > 0");
  }
  const signature = config.signatureConfig;
  let key: KeyObject | Uint8Array;
  let algorithm: string;
  if (signature !== null && typeof signature === "object" && "secret" in signature) {
    if (typeof signature.secret !== "string" || signature.secret.length < 16) {
      throw new TypeError("auth.signatureConfig.secret must be at least 16 characters");
    }
    key = new TextEncoder().encode(signature.secret);
    algorithm = "HS256";
  } else if (signature !== null && typeof signature === "object" && "privateKey" in signature) {
    algorithm = signature.algorithm ?? "RS256";
    if (!ASYMMETRIC.test(algorithm)) {
      throw new TypeError(`auth.signatureConfig.algorithm ${algorithm} is not a signing algorithm`);
    }
    try {
      const pem = pemText("auth.signatureConfig.privateKey", signature.privateKey);
      key = nodeBuiltin("node:crypto").createPrivateKey(pem);
    } catch (error) {
      throw new TypeError(`auth.signatureConfig.privateKey: ${(error as Error).message}`);
    }
  } else {
    throw new TypeError("auth.signatureConfig needs privateKey or secret");
  }
  let cached: { value: string; renewAt: number } | undefined;
  return async () => {
    // A fresh token once most of the last one's life has gone, so that none expires in use.
    if (cached !== undefined && Date.now() < cached.renewAt) return cached.value;
    let jwt: string;
    try {
      // Loaded with the first JWT to sign, so that other clients never pay for it.
      const { SignJWT } = await import("jose");
      const builder = new SignJWT({ ...config.customClaims })
        .setProtectedHeader(
          config.keyId ? { alg: algorithm, kid: config.keyId } : { alg: algorithm },
        )
        .setIssuedAt()
        .setExpirationTime(`${expTime}s`);
      if (config.issuer !== undefined) builder.setIssuer(config.issuer);
      if (config.username !== undefined) builder.setSubject(config.username);
      if (config.audience !== undefined) builder.setAudience(config.audience);
      jwt = await builder.sign(key);
    } catch (error) {
      throw new AuthError(`could not sign the JWT: ${(error as Error).message}`, { cause: error });
    }
    cached = { value: `Bearer ${jwt}`, renewAt: Date.now() + expTime * 800 };
    return cached.value;
  };
}

/** Checks a client's `auth` and returns where its `Authorization` values come from. */
export function resolveClientAuth(
  config: ClientAuthConfig | undefined,
): AuthorizationSource | undefined {
  if (config === undefined) return undefined;
  if (typeof config !== "object" || config === null) throw new TypeError("auth must be an object");
  if (isOAuth2Grant(config)) return oauth2TokenSource(config);
  if ("token" in config) {
    if (typeof config.token !== "string" || config.token === "" || !isToken68(config.token)) {
      throw new TypeError("auth.token must be visible ASCII without spaces");
    }
    const value = `Bearer ${config.token}`;
    return () => Promise.resolve(value);
  }
  if ("password" in config) {
    if (typeof config.username !== "string" || config.username.includes(":")) {
      throw new TypeError('auth.username must be a string without ":"');
    }
    if (typeof config.password !== "string") throw new TypeError("auth.password must be a string");
    const value = basicAuthorization(config.username, config.password);
    return () => Promise.resolve(value);
  }
  if ("signatureConfig" in config) return jwtIssuer(config);
  throw new TypeError(
    "auth needs username and password, a token, a signatureConfig, or a tokenUrl or refreshUrl",
  );
}
