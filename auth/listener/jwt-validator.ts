import type { KeyObject } from "node:crypto";
import type { JWTPayload, JWTVerifyGetKey } from "jose";
import type { JwtValidatorConfig } from "./config.ts";
import { nodeBuiltin } from "../../frame/node-builtin.ts";
import { pemText } from "../pem.ts";
import { scopesOf } from "./scopes.ts";
import type { Verdict } from "./verdict.ts";

const ASYMMETRIC = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
];
const HMAC = ["HS256", "HS384", "HS512"];

/** A key at hand, or the JWKS endpoint whose keys are fetched once `jose` is loaded. */
type VerificationKey = KeyObject | Uint8Array | { jwksUrl: URL; cooldownMs: number };

function verificationKey(
  config: JwtValidatorConfig,
): { key: VerificationKey; algorithms: string[] } {
  const signature = config.signatureConfig;
  if (typeof signature !== "object" || signature === null) {
    throw new TypeError("jwtValidatorConfig.signatureConfig is required");
  }
  if (signature.jwksCooldown !== undefined && signature.jwksUrl === undefined) {
    throw new TypeError("jwtValidatorConfig.signatureConfig.jwksCooldown needs a jwksUrl");
  }
  const given = (["jwksUrl", "certificate", "publicKey", "secret"] as const)
    .filter((field) => signature[field] !== undefined);
  if (given.length !== 1) {
    throw new TypeError(
      "jwtValidatorConfig.signatureConfig needs exactly one of jwksUrl, certificate, publicKey, secret",
    );
  }
  const field = given[0];
  if (field === "jwksUrl") {
    let url: URL;
    try {
      url = new URL(signature.jwksUrl!);
    } catch {
      throw new TypeError(`jwtValidatorConfig.signatureConfig.jwksUrl is not a URL`);
    }
    const cooldown = signature.jwksCooldown ?? 30;
    if (typeof cooldown !== "number" || !Number.isFinite(cooldown) || cooldown < 0) {
      throw new RangeError(
        "jwtValidatorConfig.signatureConfig.jwksCooldown must be a number of seconds >= 0",
      );
    }
    return { key: { jwksUrl: url, cooldownMs: cooldown * 1000 }, algorithms: ASYMMETRIC };
  }
  if (field === "secret") {
    if (typeof signature.secret !== "string" || signature.secret.length < 16) {
      throw new TypeError(
        "jwtValidatorConfig.signatureConfig.secret must be at least 16 characters",
      );
    }
    return { key: new TextEncoder().encode(signature.secret), algorithms: HMAC };
  }
  const name = `jwtValidatorConfig.signatureConfig.${field}`;
  try {
    const key = nodeBuiltin("node:crypto").createPublicKey(pemText(name, signature[field]!));
    return { key, algorithms: ASYMMETRIC };
  } catch (error) {
    throw new TypeError(`${name} is not a usable PEM ${field}: ${(error as Error).message}`);
  }
}

/** Checks bearer tokens against one JWT validator configuration; bad settings throw. */
export function createJwtValidator(
  config: JwtValidatorConfig,
): (token: string) => Promise<Verdict> {
  const { key, algorithms } = verificationKey(config);
  const clockSkew = config.clockSkew ?? 0;
  if (typeof clockSkew !== "number" || !Number.isFinite(clockSkew) || clockSkew < 0) {
    throw new RangeError("jwtValidatorConfig.clockSkew must be a number of seconds >= 0");
  }
  const scopeKey = config.scopeKey ?? "scope";
  const options = {
    issuer: config.issuer,
    audience: config.audience,
    clockTolerance: clockSkew,
    algorithms,
  };
  let remoteKeys: JWTVerifyGetKey | undefined;
  return async (token) => {
    let payload: JWTPayload;
    try {
      // Loaded with the first token, so that a listener without JWT auth never pays for it.
      const { createRemoteJWKSet, jwtVerify } = await import("jose");
      if (!(key instanceof Uint8Array) && "jwksUrl" in key) {
        remoteKeys ??= createRemoteJWKSet(key.jwksUrl, { cooldownDuration: key.cooldownMs });
      }
      // The overloads of jwtVerify split key kinds; each kind here is one jwtVerify accepts.
      payload = (await jwtVerify(token, (remoteKeys ?? key) as Uint8Array, options)).payload;
    } catch (error) {
      return { ok: false, reason: `JWT refused: ${(error as Error).message}` };
    }
    return {
      ok: true,
      info: {
        scheme: "Bearer",
        subject: payload.sub,
        scopes: scopesOf(payload[scopeKey]),
        claims: payload,
      },
    };
  };
}
