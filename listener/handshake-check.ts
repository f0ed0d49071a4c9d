import { isValidClientKey } from "../frame/handshake.ts";
import { hasToken, parseTokenList } from "../frame/header-lists.ts";

/** What a valid upgrade request asks for. */
export interface UpgradeOffer {
  key: string;
  /** Sub-protocols the client offers, in its order of preference. */
  protocols: string[];
  /** The raw `Sec-WebSocket-Extensions` header, if any. */
  extensions: string | null;
}

/** Why an upgrade request was refused. */
export interface Refusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

/**
 * Checks the RFC 6455 opening handshake of a GET request before any user code runs. Any
 * header sent twice is folded by `Headers` into "a, b", which no valid key or version
 * survives, so duplicated keys and versions are refused as malformed.
 */
export function checkUpgradeRequest(request: Request): UpgradeOffer | Refusal {
  const headers = request.headers;
  if (!hasToken(headers.get("upgrade"), "websocket")) {
    return {
      status: 426,
      message: "this resource only speaks WebSocket: send Upgrade: websocket",
      headers: { upgrade: "websocket", connection: "Upgrade" },
    };
  }
  if (!hasToken(headers.get("connection"), "upgrade")) {
    return { status: 400, message: "the Connection header must contain upgrade" };
  }
  if (headers.get("sec-websocket-version") !== "13") {
    return {
      status: 426,
      message: "unsupported WebSocket version: only version 13 is spoken",
      headers: { "sec-websocket-version": "13" },
    };
  }
  const key = headers.get("sec-websocket-key");
  if (key === null || !isValidClientKey(key)) {
    return {
      status: 400,
      message: "Sec-WebSocket-Key must be one base64 encoding of 16 bytes",
    };
  }
  const protocolHeader = headers.get("sec-websocket-protocol");
  let protocols: string[] = [];
  if (protocolHeader !== null) {
    const parsed = parseTokenList(protocolHeader);
    if (parsed === undefined || parsed.length === 0) {
      return { status: 400, message: "malformed Sec-WebSocket-Protocol header" };
    }
    protocols = parsed;
  }
  return { key, protocols, extensions: headers.get("sec-websocket-extensions") };
}

/** Sizes of the request against the listener's limits (for engines that parse it themselves too). */
export function checkRequestLimits(
  request: Request,
  limits: { maxUriLength: number; maxHeaderSize: number; maxEntityBodySize: number },
): Refusal | undefined {
  const url = request.url;
  // The request target is what follows the authority: path and query.
  const target = url.length - url.indexOf("/", url.indexOf("//") + 2);
  if (target > limits.maxUriLength) {
    return { status: 414, message: `request target longer than ${limits.maxUriLength} bytes` };
  }
  let headerBytes = 0;
  for (const [name, value] of request.headers) headerBytes += name.length + value.length + 4;
  if (headerBytes > limits.maxHeaderSize) {
    return { status: 431, message: `header section larger than ${limits.maxHeaderSize} bytes` };
  }
  const declared = request.headers.get("content-length");
  if (limits.maxEntityBodySize >= 0 && declared !== null) {
    if (!/^\d+$/.test(declared)) return { status: 400, message: "malformed Content-Length" };
    if (Number(declared) > limits.maxEntityBodySize) {
      return {
        status: 413,
        message: `request body larger than ${limits.maxEntityBodySize} bytes`,
      };
    }
  }
  return undefined;
}
