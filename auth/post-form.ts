import { pemText } from "./pem.ts";
import { trustedCertificates } from "../connection/trusted-certificates.ts";

/**
 * How auth reaches an HTTP endpoint (token, introspection): `secureSocket.cert` is a CA
 * (PEM text or file) trusted beside the runtime's own for an https:// endpoint.
 *
 * @example
 * ```ts
 * import type { AuthHttpClientConfig } from "@tether/websocket";
 * const client: AuthHttpClientConfig = { secureSocket: { cert: "./certs/auth-ca.pem" } };
 * ```
 */
export interface AuthHttpClientConfig {
  /** TLS settings for https:// endpoints. */
  secureSocket?: { cert: string };
}

/** A form POST to an auth endpoint. */
export interface FormPost {
  url: string;
  form: URLSearchParams;
  headers: Record<string, string>;
  timeoutMs: number;
}

/** The endpoint's answer: its status and its body parsed as JSON (undefined if it is not). */
export interface FormReply {
  status: number;
  body: unknown;
}

/** Reads the CA of an `AuthHttpClientConfig`; bad settings throw, naming `field`. */
export function readHttpClientCa(field: string, config: AuthHttpClientConfig | undefined) {
  if (config === undefined) return undefined;
  if (typeof config !== "object" || config === null) {
    throw new TypeError(`${field} must be an object`);
  }
  const cert = config.secureSocket?.cert;
  return cert === undefined ? undefined : pemText(`${field}.secureSocket.cert`, cert);
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** POSTs with `fetch`, which trusts the CAs the runtime trusts. */
async function postWithFetch(post: FormPost): Promise<FormReply> {
  const response = await fetch(post.url, {
    method: "POST",
    headers: post.headers,
    body: post.form,
    signal: AbortSignal.timeout(post.timeoutMs),
  });
  return { status: response.status, body: parse(await response.text()) };
}

/** POSTs with `node:https`, the one client on both runtimes that takes extra CAs. */
async function postWithCa(post: FormPost, ca: string): Promise<FormReply> {
  const { request } = await import("node:https");
  const trusted = await trustedCertificates(ca, true);
  const body = post.form.toString();
  return new Promise((resolve, reject) => {
    const outgoing = request(post.url, {
      method: "POST",
      headers: { ...post.headers, "content-length": String(new TextEncoder().encode(body).length) },
      ca: trusted,
      timeout: post.timeoutMs,
    }, (response) => {
      let text = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => text += chunk);
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: parse(text) }));
      response.on("error", reject);
    });
    outgoing.on(
      "timeout",
      () => outgoing.destroy(new Error(`no answer within ${post.timeoutMs} ms`)),
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

/** POSTs a form to an auth endpoint, trusting `ca` too when it is given. */
export function postForm(post: FormPost, ca: string | undefined): Promise<FormReply> {
  return ca === undefined || !post.url.startsWith("https:")
    ? postWithFetch(post)
    : postWithCa(post, ca);
}
