import { type AuthOutcome, createAuthenticator } from "../auth/listener/authenticator.ts";
import { type DispatchSettings, resolveDispatchSettings } from "../dispatch/dispatch-config.ts";
import type { ServiceConfig } from "../dispatch/service.ts";
import { isToken } from "../frame/header-lists.ts";
import { readConnectionLimits, readFiniteNumber } from "../frame/limits.ts";

/** A service configuration with every default filled in and every value checked. */
export interface ResolvedServiceConfig {
  subProtocols: string[];
  idleTimeoutMs: number;
  maxFrameSize: number;
  maxMessageSize: number;
  closureTimeout: number;
  writeBufferLimit: number;
  dispatch: DispatchSettings;
  authenticate: ((request: Request) => Promise<AuthOutcome>) | undefined;
  /** Lower-case origins allowed, or undefined for any. */
  allowedOrigins: Set<string> | undefined;
}

function resolveOrigins(origins: unknown): Set<string> | undefined {
  if (origins === undefined) return undefined;
  if (!Array.isArray(origins)) throw new TypeError("allowedOrigins must be an array of origins");
  return new Set(origins.map((origin) => {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      // Reported below.
    }
    if (
      parsed === undefined || parsed.origin === "null" ||
      parsed.origin !== origin.toLowerCase().replace(/\/$/, "")
    ) {
      throw new TypeError(
        `allowedOrigins: ${JSON.stringify(origin)} is not an origin such as https://app.example`,
      );
    }
    return parsed.origin;
  }));
}

/** Checks a service configuration and fills in the defaults; bad values throw. */
export function resolveServiceConfig(config: ServiceConfig = {}): ResolvedServiceConfig {
  const subProtocols = config.subProtocols ?? [];
  if (!Array.isArray(subProtocols) || !subProtocols.every((name) => isToken(name))) {
    throw new TypeError("subProtocols must be an array of HTTP tokens");
  }
  const idleTimeout = readFiniteNumber("idleTimeout", config.idleTimeout, 0);
  const limits = readConnectionLimits(config);
  const closureTimeout = readFiniteNumber(
    "connectionClosureTimeout",
    config.connectionClosureTimeout,
    60,
  );
  if (closureTimeout < 0 && closureTimeout !== -1) {
    throw new RangeError(
      `connectionClosureTimeout must be >= 0 seconds or -1 (forever), got ${closureTimeout}`,
    );
  }
  return {
    subProtocols,
    idleTimeoutMs: idleTimeout > 0 ? Math.round(idleTimeout * 1000) : 0,
    ...limits,
    closureTimeout,
    dispatch: resolveDispatchSettings(config),
    authenticate: config.auth === undefined ? undefined : createAuthenticator(config.auth),
    allowedOrigins: resolveOrigins(config.allowedOrigins),
  };
}
