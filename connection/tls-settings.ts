import { pemText } from "../auth/pem.ts";

/**
 * A certificate chain and its private key. Each field is PEM text or the path of a PEM
 * file.
 *
 * @example
 * ```ts
 * import type { CertKey } from "@tether/websocket";
 * const key: CertKey = { certFile: "./certs/server.pem", keyFile: "./certs/server.key" };
 * ```
 */
export interface CertKey {
  /** The certificate chain, leaf first. */
  certFile: string;
  /** The unencrypted private key (PKCS#8, PKCS#1 or SEC1). */
  keyFile: string;
}

/**
 * TLS protocol versions to allow. Only TLS 1.2 and 1.3 exist on every runtime; older
 * versions are refused.
 *
 * @example
 * ```ts
 * import type { TlsProtocol } from "@tether/websocket";
 * const protocol: TlsProtocol = { name: "TLS", versions: ["TLSv1.3"] };
 * ```
 */
export interface TlsProtocol {
  /** Always `"TLS"`. */
  name: "TLS";
  /** Any of `"TLSv1.2"`, `"TLSv1.3"`; empty or missing allows both. */
  versions?: string[];
}

/** TLS settings checked, files read and names translated to what `node:tls` expects. */
export interface TlsCommon {
  minVersion?: "TLSv1.2" | "TLSv1.3";
  maxVersion?: "TLSv1.2" | "TLSv1.3";
  /** An OpenSSL cipher list. */
  ciphers?: string;
  /** Milliseconds the TLS handshake may take; 0 when unbounded. */
  handshakeTimeoutMs: number;
}

/** What a TLS server needs. */
export interface ServerTlsSettings extends TlsCommon {
  cert: string;
  key: string;
  /** Client certificates: required, optional, or not asked for (undefined). */
  verifyClient?: "REQUIRE" | "OPTIONAL";
  /** The CA client certificates must chain to. */
  clientCa?: string;
}

/** What a TLS client needs. */
export interface ClientTlsSettings extends TlsCommon {
  /** A CA to trust, PEM. */
  ca?: string;
  /** Whether the runtime's trusted CAs stay trusted (beside `ca`). */
  trustRuntimeCertificates: boolean;
  /** A client certificate for mutual TLS. */
  cert?: string;
  key?: string;
  /** False trusts any certificate. */
  verifyCertificate: boolean;
  verifyHostName: boolean;
  /** The name sent as SNI and checked against the certificate; default the URL's host. */
  serverName?: string;
}

const VERSIONS = ["TLSv1.2", "TLSv1.3"] as const;
type Version = (typeof VERSIONS)[number];

function isRuntime(name: "Deno" | "Bun"): boolean {
  return typeof (globalThis as Record<string, unknown>)[name] !== "undefined";
}

/** Refuses fields a settings object does not know, so that a typo is not silently dropped. */
export function checkFields(name: string, value: unknown, known: readonly string[]): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object`);
  }
  for (const field of Object.keys(value)) {
    if (!known.includes(field)) {
      throw new TypeError(`${name}.${field} is not a known or supported setting`);
    }
  }
}

function readVersions(name: string, protocol: TlsProtocol | undefined) {
  if (protocol === undefined) return {};
  checkFields(name, protocol, ["name", "versions"]);
  if (protocol.name !== "TLS") {
    throw new TypeError(`${name}.name must be "TLS", got ${protocol.name}`);
  }
  const versions = protocol.versions ?? [];
  if (!Array.isArray(versions)) throw new TypeError(`${name}.versions must be an array`);
  for (const version of versions) {
    if (!VERSIONS.includes(version as Version)) {
      throw new TypeError(
        `${name}.versions: ${version} is not allowed; use "TLSv1.2" and/or "TLSv1.3"`,
      );
    }
  }
  if (versions.length === 0) return {};
  const sorted = VERSIONS.filter((version) => versions.includes(version));
  return { minVersion: sorted[0], maxVersion: sorted[sorted.length - 1] };
}

const KEY_EXCHANGES: Record<string, string> = {
  ECDHE_ECDSA: "ECDHE-ECDSA-",
  ECDHE_RSA: "ECDHE-RSA-",
  DHE_RSA: "DHE-RSA-",
  RSA: "",
};
const TLS13_SUITES = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
];

/** An IANA suite name (as the specification writes them) in OpenSSL's spelling. */
function openSslCipher(name: string): string | undefined {
  if (TLS13_SUITES.includes(name) || /^[A-Z0-9]+(-[A-Z0-9]+)+$/.test(name)) return name;
  const match = /^TLS_(ECDHE_ECDSA|ECDHE_RSA|DHE_RSA|RSA)_WITH_(.+)$/.exec(name);
  if (match === null) return undefined;
  const prefix = KEY_EXCHANGES[match[1]];
  const suite = /^AES_(128|256)_(GCM|CBC)_(SHA|SHA256|SHA384)$/.exec(match[2]);
  if (suite !== null) {
    const [, bits, mode, mac] = suite;
    return `${prefix}AES${bits}-${mode === "GCM" ? "GCM-" : ""}${mac}`;
  }
  if (match[2] === "CHACHA20_POLY1305_SHA256" && prefix !== "") {
    return `${prefix}CHACHA20-POLY1305`;
  }
  return undefined;
}

function readCiphers(ciphers: string[] | undefined): string | undefined {
  if (ciphers === undefined) return undefined;
  if (!Array.isArray(ciphers) || ciphers.length === 0) {
    throw new TypeError("secureSocket.ciphers must be a non-empty array of cipher suite names");
  }
  if (isRuntime("Deno")) {
    throw new TypeError(
      "secureSocket.ciphers cannot be honoured on Deno: its TLS stack (rustls) offers no " +
        "way to choose cipher suites",
    );
  }
  return ciphers.map((name) => {
    const openSsl = typeof name === "string" ? openSslCipher(name) : undefined;
    if (openSsl === undefined) {
      throw new TypeError(`secureSocket.ciphers: ${name} is not a cipher suite name`);
    }
    return openSsl;
  }).join(":");
}

function readHandshakeTimeout(value: number | undefined): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(
      `secureSocket.handshakeTimeout must be a positive number of seconds, got ${value}`,
    );
  }
  return value * 1000;
}

function readCommon(
  secureSocket: {
    protocol?: TlsProtocol;
    ciphers?: string[];
    handshakeTimeout?: number;
  },
): TlsCommon {
  return {
    ...readVersions("secureSocket.protocol", secureSocket.protocol),
    ciphers: readCiphers(secureSocket.ciphers),
    handshakeTimeoutMs: readHandshakeTimeout(secureSocket.handshakeTimeout),
  };
}

function readCertKey(name: string, value: CertKey | undefined): { cert: string; key: string } {
  if (value === undefined) throw new TypeError(`${name} is required`);
  checkFields(name, value, ["certFile", "keyFile"]);
  return {
    cert: pemText(`${name}.certFile`, value.certFile),
    key: pemText(`${name}.keyFile`, value.keyFile),
  };
}

/**
 * TLS settings of a listener: its certificate and key, and optionally client certificates
 * (mutual TLS), protocol versions, ciphers and a handshake time limit.
 *
 * @example
 * ```ts
 * import type { ListenerSecureSocket } from "@tether/websocket";
 * const tls: ListenerSecureSocket = {
 *   key: { certFile: "./certs/server.pem", keyFile: "./certs/server.key" },
 *   mutualSsl: { verifyClient: "REQUIRE", cert: "./certs/ca.pem" },
 *   protocol: { name: "TLS", versions: ["TLSv1.3"] },
 * };
 * ```
 */
export interface ListenerSecureSocket {
  /** The server's certificate and private key. */
  key: CertKey;
  /** Ask clients for certificates signed by `cert` (PEM or path); REQUIRE by default. */
  mutualSsl?: { verifyClient?: "REQUIRE" | "OPTIONAL"; cert: string };
  /** Protocol versions; default TLS 1.2 and 1.3. */
  protocol?: TlsProtocol;
  /** Cipher suites, IANA (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`) or OpenSSL names. */
  ciphers?: string[];
  /** Seconds a client may take to finish the TLS handshake. */
  handshakeTimeout?: number;
}

/** Checks a listener's `secureSocket` and reads the files it names. */
export function resolveServerTls(secureSocket: ListenerSecureSocket): ServerTlsSettings {
  checkFields("secureSocket", secureSocket, [
    "key",
    "mutualSsl",
    "protocol",
    "ciphers",
    "handshakeTimeout",
  ]);
  const settings: ServerTlsSettings = {
    ...readCertKey("secureSocket.key", secureSocket.key),
    ...readCommon(secureSocket),
  };
  const mutual = secureSocket.mutualSsl;
  if (mutual !== undefined) {
    checkFields("secureSocket.mutualSsl", mutual, ["verifyClient", "cert"]);
    const verifyClient = mutual.verifyClient ?? "REQUIRE";
    if (verifyClient !== "REQUIRE" && verifyClient !== "OPTIONAL") {
      throw new TypeError(
        `secureSocket.mutualSsl.verifyClient must be "REQUIRE" or "OPTIONAL", got ${verifyClient}`,
      );
    }
    settings.verifyClient = verifyClient;
    settings.clientCa = pemText("secureSocket.mutualSsl.cert", mutual.cert);
  }
  return settings;
}

/** The options `node:tls` servers and `Bun.serve` share, from a listener's settings. */
export function serverTlsOptions(tls: ServerTlsSettings) {
  return {
    cert: tls.cert,
    key: tls.key,
    ca: tls.clientCa,
    requestCert: tls.verifyClient !== undefined,
    rejectUnauthorized: tls.verifyClient === "REQUIRE",
    ciphers: tls.ciphers,
  };
}

/**
 * TLS settings of a client for `wss://` URLs. Without any, the server's certificate is
 * verified against the runtime's trusted certificates.
 *
 * @example
 * ```ts
 * import type { ClientSecureSocket } from "@tether/websocket";
 * const tls: ClientSecureSocket = {
 *   cert: "./certs/private-ca.pem",
 *   key: { certFile: "./certs/client.pem", keyFile: "./certs/client.key" },
 * };
 * ```
 */
export interface ClientSecureSocket {
  /** `false` trusts any certificate (logged as insecure). Default true. */
  enable?: boolean;
  /** A CA certificate (PEM or path) trusted in addition to the runtime's own. */
  cert?: string;
  /** Whether the runtime's trusted certificates stay trusted beside `cert`. Default true. */
  trustRuntimeCertificates?: boolean;
  /** A client certificate and its key, for mutual TLS. */
  key?: CertKey;
  /** Whether the certificate must name the host. Default true. */
  verifyHostName?: boolean;
  /** The name sent as SNI and checked against the certificate; default the URL's host. */
  serverName?: string;
  /** Protocol versions; default TLS 1.2 and 1.3. */
  protocol?: TlsProtocol;
  /** Cipher suites, IANA or OpenSSL names. Not on Deno, whose TLS stack cannot choose. */
  ciphers?: string[];
  /** Seconds the TLS handshake may take. */
  handshakeTimeout?: number;
}

function readBoolean(name: string, value: boolean | undefined, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new TypeError(`${name} must be a boolean`);
  return value;
}

/** Checks a client's `secureSocket` and reads the files it names. */
export function resolveClientTls(secureSocket: ClientSecureSocket): ClientTlsSettings {
  checkFields("secureSocket", secureSocket, [
    "enable",
    "cert",
    "trustRuntimeCertificates",
    "key",
    "verifyHostName",
    "serverName",
    "protocol",
    "ciphers",
    "handshakeTimeout",
  ]);
  const settings: ClientTlsSettings = {
    ...readCommon(secureSocket),
    verifyCertificate: readBoolean("secureSocket.enable", secureSocket.enable, true),
    verifyHostName: readBoolean("secureSocket.verifyHostName", secureSocket.verifyHostName, true),
    trustRuntimeCertificates: readBoolean(
      "secureSocket.trustRuntimeCertificates",
      secureSocket.trustRuntimeCertificates,
      true,
    ),
  };
  if (secureSocket.cert !== undefined) {
    settings.ca = pemText("secureSocket.cert", secureSocket.cert);
  } else if (!settings.trustRuntimeCertificates) {
    throw new TypeError("secureSocket.trustRuntimeCertificates: false needs a cert to trust");
  }
  if (secureSocket.key !== undefined) {
    Object.assign(settings, readCertKey("secureSocket.key", secureSocket.key));
  }
  if (secureSocket.serverName !== undefined) {
    if (typeof secureSocket.serverName !== "string" || secureSocket.serverName === "") {
      throw new TypeError("secureSocket.serverName must be a non-empty string");
    }
    settings.serverName = secureSocket.serverName;
  }
  return settings;
}
