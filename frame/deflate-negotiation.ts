import { type ExtensionOffer, parseExtensions } from "./header-lists.ts";

/**
 * The extension name RFC 7692 registers.
 *
 * @example
 * ```ts
 * import { PERMESSAGE_DEFLATE } from "@tether/websocket";
 * console.log(PERMESSAGE_DEFLATE); // "permessage-deflate"
 * ```
 */
export const PERMESSAGE_DEFLATE = "permessage-deflate";

/**
 * What an endpoint is willing to do with permessage-deflate. On a client these become the
 * offer; on a server they shape the response to a client's offer.
 *
 * @example
 * ```ts
 * import type { DeflateOptions } from "@tether/websocket";
 * const options: DeflateOptions = { serverMaxWindowBits: 12, clientNoContextTakeover: true };
 * ```
 */
export interface DeflateOptions {
  /** Ask that the server start every message with an empty window. */
  serverNoContextTakeover?: boolean;
  /** Ask that the client start every message with an empty window. */
  clientNoContextTakeover?: boolean;
  /** Largest window (8-15 bits) the server may compress with. */
  serverMaxWindowBits?: number;
  /**
   * Client: `true` offers the parameter with no value (the server may then limit the
   * client's window), a number limits it. Server: the window to ask the client for.
   */
  clientMaxWindowBits?: number | true;
}

/**
 * The parameters both sides agreed on.
 *
 * @example
 * ```ts
 * import { acceptDeflateOffer, type DeflateParams } from "@tether/websocket";
 * const params: DeflateParams | undefined = acceptDeflateOffer("permessage-deflate")?.params;
 * ```
 */
export interface DeflateParams {
  /** The server starts every message with an empty window. */
  serverNoContextTakeover: boolean;
  /** The client starts every message with an empty window. */
  clientNoContextTakeover: boolean;
  /** The server's largest window, 8-15 bits. */
  serverMaxWindowBits: number;
  /** The client's largest window, 8-15 bits. */
  clientMaxWindowBits: number;
}

type ParsedParams = {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits?: number;
  /** `true` when given without a value. */
  clientMaxWindowBits?: number | true;
};

function parseWindowBits(value: string): number | undefined {
  if (value.length === 1 && (value === "8" || value === "9")) return Number(value);
  if (value.length === 2 && value[0] === "1" && value[1] >= "0" && value[1] <= "5") {
    return Number(value);
  }
  return undefined;
}

function isWindowBits(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 8 && value <= 15;
}

/**
 * The parameters of one permessage-deflate element, or `undefined` when one is unknown,
 * repeated or has an invalid value.
 */
function parseParams(offer: ExtensionOffer): ParsedParams | undefined {
  const seen = new Set<string>();
  const parsed: ParsedParams = { serverNoContextTakeover: false, clientNoContextTakeover: false };
  for (const [name, value] of offer.params) {
    if (seen.has(name)) return undefined;
    seen.add(name);
    switch (name) {
      case "server_no_context_takeover":
        if (value !== true) return undefined;
        parsed.serverNoContextTakeover = true;
        break;
      case "client_no_context_takeover":
        if (value !== true) return undefined;
        parsed.clientNoContextTakeover = true;
        break;
      case "server_max_window_bits": {
        const bits = value === true ? undefined : parseWindowBits(value);
        if (bits === undefined) return undefined;
        parsed.serverMaxWindowBits = bits;
        break;
      }
      case "client_max_window_bits": {
        const bits = value === true ? true : parseWindowBits(value);
        if (bits === undefined) return undefined;
        parsed.clientMaxWindowBits = bits;
        break;
      }
      default:
        return undefined;
    }
  }
  return parsed;
}

function validateOptions(options: DeflateOptions): void {
  const { serverMaxWindowBits, clientMaxWindowBits } = options;
  if (serverMaxWindowBits !== undefined && !isWindowBits(serverMaxWindowBits)) {
    throw new RangeError(`serverMaxWindowBits must be 8-15, got ${serverMaxWindowBits}`);
  }
  if (
    clientMaxWindowBits !== undefined && clientMaxWindowBits !== true &&
    !isWindowBits(clientMaxWindowBits)
  ) {
    throw new RangeError(`clientMaxWindowBits must be 8-15 or true, got ${clientMaxWindowBits}`);
  }
}

function formatParams(
  params: DeflateParams,
  includeClientBits: boolean,
  includeServerBits: boolean,
) {
  let text = PERMESSAGE_DEFLATE;
  if (params.serverNoContextTakeover) text += "; server_no_context_takeover";
  if (params.clientNoContextTakeover) text += "; client_no_context_takeover";
  if (includeServerBits) text += `; server_max_window_bits=${params.serverMaxWindowBits}`;
  if (includeClientBits) text += `; client_max_window_bits=${params.clientMaxWindowBits}`;
  return text;
}

/**
 * The `Sec-WebSocket-Extensions` value a client sends to offer permessage-deflate.
 * Without options it offers `client_max_window_bits`, letting the server choose.
 *
 * @example
 * ```ts
 * import { createDeflateOffer } from "@tether/websocket";
 * console.log(createDeflateOffer({ serverNoContextTakeover: true }));
 * // "permessage-deflate; server_no_context_takeover; client_max_window_bits"
 * ```
 */
export function createDeflateOffer(options: DeflateOptions = {}): string {
  validateOptions(options);
  let text = PERMESSAGE_DEFLATE;
  if (options.serverNoContextTakeover) text += "; server_no_context_takeover";
  if (options.clientNoContextTakeover) text += "; client_no_context_takeover";
  if (options.serverMaxWindowBits !== undefined) {
    text += `; server_max_window_bits=${options.serverMaxWindowBits}`;
  }
  const clientBits = options.clientMaxWindowBits ?? true;
  text += clientBits === true
    ? "; client_max_window_bits"
    : `; client_max_window_bits=${clientBits}`;
  return text;
}

/**
 * A server's answer to a client's offer.
 *
 * @example
 * ```ts
 * import { acceptDeflateOffer, type DeflateAgreement } from "@tether/websocket";
 * const agreement: DeflateAgreement | undefined = acceptDeflateOffer("permessage-deflate");
 * console.log(agreement?.response); // "permessage-deflate"
 * ```
 */
export interface DeflateAgreement {
  /** The parameters now in force for the connection. */
  params: DeflateParams;
  /** The `Sec-WebSocket-Extensions` value for the 101 response. */
  response: string;
}

/**
 * Server side: picks the first permessage-deflate offer in the client's
 * `Sec-WebSocket-Extensions` header that it can accept, declining offers with unknown,
 * repeated or invalid parameters. Returns `undefined` when no offer is acceptable (the
 * connection then goes on without compression) or the header is malformed.
 *
 * @example
 * ```ts
 * import { acceptDeflateOffer } from "@tether/websocket";
 * const agreement = acceptDeflateOffer("permessage-deflate; client_max_window_bits", {});
 * console.log(agreement?.response); // "permessage-deflate"
 * ```
 */
export function acceptDeflateOffer(
  header: string | null | undefined,
  options: DeflateOptions = {},
): DeflateAgreement | undefined {
  validateOptions(options);
  if (!header) return undefined;
  const offers = parseExtensions(header);
  if (offers === undefined) return undefined;
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE) continue;
    const asked = parseParams(offer);
    if (asked === undefined) continue;

    const ownBits = options.serverMaxWindowBits;
    const serverBits = asked.serverMaxWindowBits === undefined
      ? ownBits
      : Math.min(asked.serverMaxWindowBits, ownBits ?? 15);

    const wantedClientBits = options.clientMaxWindowBits;
    let clientBits: number | undefined;
    if (asked.clientMaxWindowBits !== undefined && typeof wantedClientBits === "number") {
      clientBits = asked.clientMaxWindowBits === true
        ? wantedClientBits
        : Math.min(asked.clientMaxWindowBits, wantedClientBits);
    } else if (typeof asked.clientMaxWindowBits === "number") {
      clientBits = asked.clientMaxWindowBits;
    }

    const params: DeflateParams = {
      serverNoContextTakeover: asked.serverNoContextTakeover || !!options.serverNoContextTakeover,
      clientNoContextTakeover: asked.clientNoContextTakeover || !!options.clientNoContextTakeover,
      serverMaxWindowBits: serverBits ?? 15,
      clientMaxWindowBits: clientBits ?? 15,
    };
    return {
      params,
      response: formatParams(params, clientBits !== undefined, serverBits !== undefined),
    };
  }
  return undefined;
}

/**
 * Client side: checks the server's `Sec-WebSocket-Extensions` response against what the
 * client offered (`undefined` when it offered no compression). Returns the agreed
 * parameters, `undefined` when the server declined compression, or an `Error` saying why
 * the response is not acceptable (the handshake must then fail): an extension that was
 * not offered, parameters that are unknown, repeated, invalid, or that break the offer.
 *
 * @example
 * ```ts
 * import { acceptDeflateResponse } from "@tether/websocket";
 * const params = acceptDeflateResponse("permessage-deflate; server_no_context_takeover", {
 *   serverNoContextTakeover: true,
 * });
 * console.log(params); // { serverNoContextTakeover: true, ... }
 * ```
 */
export function acceptDeflateResponse(
  header: string | null | undefined,
  offered: DeflateOptions | undefined,
): DeflateParams | undefined | Error {
  if (!header) return undefined;
  const extensions = parseExtensions(header);
  if (extensions === undefined) return new Error(`malformed Sec-WebSocket-Extensions: ${header}`);
  if (extensions.length === 0) return undefined;
  if (extensions.length > 1) return new Error("server accepted more than one extension");
  const [extension] = extensions;
  if (extension.name !== PERMESSAGE_DEFLATE || offered === undefined) {
    return new Error(`server accepted extension "${extension.name}" that was not offered`);
  }
  const agreed = parseParams(extension);
  if (agreed === undefined) {
    return new Error("server's permessage-deflate parameters are unknown, repeated or invalid");
  }
  if (offered.serverNoContextTakeover && !agreed.serverNoContextTakeover) {
    return new Error("server ignored server_no_context_takeover");
  }
  if (offered.serverMaxWindowBits !== undefined) {
    if (
      agreed.serverMaxWindowBits === undefined ||
      agreed.serverMaxWindowBits > offered.serverMaxWindowBits
    ) {
      return new Error("server ignored server_max_window_bits");
    }
  }
  const offeredClientBits = offered.clientMaxWindowBits ?? true;
  if (agreed.clientMaxWindowBits === true) {
    return new Error("client_max_window_bits in a response needs a value");
  }
  if (
    agreed.clientMaxWindowBits !== undefined && offeredClientBits !== true &&
    agreed.clientMaxWindowBits > offeredClientBits
  ) {
    return new Error("server raised client_max_window_bits above the offer");
  }
  return {
    serverNoContextTakeover: agreed.serverNoContextTakeover,
    clientNoContextTakeover: agreed.clientNoContextTakeover || !!offered.clientNoContextTakeover,
    serverMaxWindowBits: agreed.serverMaxWindowBits ?? 15,
    clientMaxWindowBits: agreed.clientMaxWindowBits ??
      (offeredClientBits === true ? 15 : offeredClientBits),
  };
}
