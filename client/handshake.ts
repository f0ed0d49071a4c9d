import {
  acceptDeflateResponse,
  type DeflateOptions,
  type DeflateParams,
} from "../frame/deflate-negotiation.ts";
import { hasToken, isToken } from "../frame/header-lists.ts";
import { InvalidHandshakeError } from "../dispatch/errors.ts";
import type { ResponseHead } from "./response-head.ts";

/** Where a WebSocket URL points, split the way the upgrade request needs it. */
export interface WebSocketUrl {
  readonly secure: boolean;
  /** The host to connect to (IPv6 without brackets). */
  readonly hostname: string;
  readonly port: number;
  /** The `Host` header: host and, when not the scheme's default, port. */
  readonly host: string;
  /** The request target: path and query. */
  readonly target: string;
  /** The URL as given, normalised. */
  readonly href: string;
}

/**
 * A cookie sent with the upgrade request.
 *
 * @example
 * ```ts
 * import type { Cookie } from "@tether/websocket";
 * const session: Cookie = { name: "session", value: "abc123", path: "/chat" };
 * ```
 */
export interface Cookie {
  /** The cookie's name, an HTTP token. */
  name: string;
  /** The cookie's value: visible ASCII without spaces, quotes, commas, semicolons or backslashes. */
  value: string;
  /** Cookies with longer paths come first in the `Cookie` header. */
  path?: string;
}

/** Headers the upgrade request sets itself; custom headers cannot replace them. */
const RESERVED_HEADERS = new Set([
  "host",
  "upgrade",
  "connection",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-protocol",
  "sec-websocket-extensions",
]);
const COOKIE_VALUE = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/;

/** Whether a header value holds CR, LF, NUL or another control character but tab. */
function hasControlCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

/** Checks a WebSocket URL; anything but an absolute ws: or wss: URL without a fragment throws. */
export function parseWebSocketUrl(url: string | URL): WebSocketUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(`not a valid URL: ${JSON.stringify(String(url))}`);
  }
  if (parsed.protocol !== "ws:" && parsed.protocol !== "wss:") {
    throw new TypeError(`a WebSocket URL starts with ws: or wss:, not ${parsed.protocol}`);
  }
  if (parsed.hash !== "") throw new TypeError("a WebSocket URL cannot have a fragment");
  const secure = parsed.protocol === "wss:";
  return {
    secure,
    hostname: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
    port: parsed.port === "" ? (secure ? 443 : 80) : Number(parsed.port),
    host: parsed.host,
    target: `${parsed.pathname}${parsed.search}`,
    href: parsed.href,
  };
}

/** What goes into an upgrade request. */
export interface UpgradeRequestInit {
  url: WebSocketUrl;
  key: string;
  protocols: readonly string[];
  headers: Readonly<Record<string, string>>;
  cookies: readonly Cookie[];
  /** The `Sec-WebSocket-Extensions` offer, or "" for none. */
  extensions: string;
}

/** Checks custom headers and cookies; throws a `TypeError` naming what is wrong. */
export function checkRequestHeaders(
  headers: Readonly<Record<string, string>>,
  cookies: readonly Cookie[],
): void {
  for (const [name, value] of Object.entries(headers)) {
    if (!isToken(name)) throw new TypeError(`customHeaders: "${name}" is not a header name`);
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new TypeError(`customHeaders cannot set ${name}: the handshake sets it`);
    }
    if (typeof value !== "string" || hasControlCharacter(value)) {
      throw new TypeError(`customHeaders: the value of ${name} holds a control character`);
    }
  }
  for (const cookie of cookies) {
    if (!isToken(cookie.name) || !COOKIE_VALUE.test(cookie.value)) {
      throw new TypeError(`cookies: ${JSON.stringify(cookie.name)} is not a valid cookie`);
    }
  }
}

/** The `Cookie` header: longer paths first, `name=value` pairs joined with "; ". */
export function cookieHeader(cookies: readonly Cookie[]): string {
  return [...cookies]
    .sort((a, b) => (b.path ?? "").length - (a.path ?? "").length)
    .map((cookie) => `${cookie.name}=${cookie.value}`)
    .join("; ");
}

/** The upgrade request's head. Headers must have passed {@link checkRequestHeaders}. */
export function buildUpgradeRequest(init: UpgradeRequestInit): string {
  let head = `GET ${init.url.target} HTTP/1.1\r\nHost: ${init.url.host}\r\n` +
    "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
    `Sec-WebSocket-Key: ${init.key}\r\nSec-WebSocket-Version: 13\r\n`;
  if (init.protocols.length > 0) head += `Sec-WebSocket-Protocol: ${init.protocols.join(", ")}\r\n`;
  if (init.extensions !== "") head += `Sec-WebSocket-Extensions: ${init.extensions}\r\n`;
  for (const [name, value] of Object.entries(init.headers)) {
    if (init.cookies.length > 0 && name.toLowerCase() === "cookie") continue;
    head += `${name}: ${value}\r\n`;
  }
  if (init.cookies.length > 0) head += `Cookie: ${cookieHeader(init.cookies)}\r\n`;
  return head + "\r\n";
}

/** What the client asked for, to hold the response against. */
export interface HandshakeOffer {
  acceptKey: string;
  protocols: readonly string[];
  /** The permessage-deflate offer, when compression was offered. */
  deflate: DeflateOptions | undefined;
}

/** What the server agreed to. */
export interface HandshakeOutcome {
  protocol: string;
  extensions: string;
  deflate: DeflateParams | undefined;
}

/**
 * Holds a response against RFC 6455 section 4.1: status 101, `Upgrade: websocket`,
 * `Connection: Upgrade`, the right accept key, one of the offered sub-protocols (one is
 * required when any was offered), and only offered extensions with valid parameters.
 */
export function checkUpgradeResponse(
  head: ResponseHead,
  offer: HandshakeOffer,
): HandshakeOutcome | InvalidHandshakeError {
  const response = { status: head.status, statusText: head.statusText, headers: head.headers };
  const fail = (message: string) => new InvalidHandshakeError(message, { response });
  if (head.status !== 101) return fail(`expected status 101, got ${head.status}`);
  const headers = head.headers;
  if (!hasToken(headers.get("upgrade"), "websocket")) {
    return fail("the response's Upgrade header is not websocket");
  }
  if (!hasToken(headers.get("connection"), "upgrade")) {
    return fail("the response's Connection header does not say upgrade");
  }
  if (headers.get("sec-websocket-accept") !== offer.acceptKey) {
    return fail("the response's Sec-WebSocket-Accept does not match the key");
  }
  const protocol = headers.get("sec-websocket-protocol") ?? "";
  if (protocol !== "" && (!isToken(protocol) || !offer.protocols.includes(protocol))) {
    return fail(`the server chose the sub-protocol "${protocol}", which was not offered`);
  }
  if (protocol === "" && offer.protocols.length > 0) {
    return fail(`the server chose none of the sub-protocols ${offer.protocols.join(", ")}`);
  }
  const extensions = headers.get("sec-websocket-extensions") ?? "";
  const deflate = acceptDeflateResponse(extensions, offer.deflate);
  if (deflate instanceof Error) return fail(deflate.message);
  return { protocol, extensions, deflate };
}
