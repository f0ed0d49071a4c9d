/**
 * Linear-time parsers for the comma-separated header values of the WebSocket handshake.
 * Each scans its input once, character by character: no regular expression, no
 * backtracking, and names are kept in arrays and maps, so `__proto__` or `constructor`
 * are just unknown names.
 */

/** RFC 9110 `tchar`: the characters allowed in a token. */
function isTokenChar(code: number): boolean {
  if (code >= 0x30 && code <= 0x39) return true; // 0-9
  if (code >= 0x41 && code <= 0x5a) return true; // A-Z
  if (code >= 0x61 && code <= 0x7a) return true; // a-z
  // ! # $ % & ' * + - . ^ _ ` | ~
  return code === 0x21 || (code >= 0x23 && code <= 0x27) || code === 0x2a || code === 0x2b ||
    code === 0x2d || code === 0x2e || code === 0x5e || code === 0x5f || code === 0x60 ||
    code === 0x7c || code === 0x7e;
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * Whether `value` is a non-empty RFC 9110 token.
 *
 * @example
 * ```ts
 * import { isToken } from "@tether/websocket";
 * console.log(isToken("chat.v2"), isToken("chat v2")); // true false
 * ```
 */
export function isToken(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    if (!isTokenChar(value.charCodeAt(i))) return false;
  }
  return true;
}

/**
 * Splits a `#token` list such as `Connection`, `Upgrade` or `Sec-WebSocket-Protocol`:
 * comma-separated tokens with optional white space, empty elements skipped. Returns
 * `undefined` when an element is not a token.
 *
 * @example
 * ```ts
 * import { parseTokenList } from "@tether/websocket";
 * console.log(parseTokenList("keep-alive, Upgrade")); // ["keep-alive", "Upgrade"]
 * console.log(parseTokenList("chat v1"));             // undefined
 * ```
 */
export function parseTokenList(value: string): string[] | undefined {
  const tokens: string[] = [];
  let i = 0;
  const length = value.length;
  while (i < length) {
    while (i < length && isWhitespace(value.charCodeAt(i))) i++;
    const start = i;
    while (i < length && isTokenChar(value.charCodeAt(i))) i++;
    const end = i;
    while (i < length && isWhitespace(value.charCodeAt(i))) i++;
    if (i < length && value.charCodeAt(i) !== 0x2c) return undefined;
    i++;
    if (end > start) tokens.push(value.slice(start, end));
  }
  return tokens;
}

/**
 * Whether the `#token` list `value` contains `token`, compared without regard to case.
 *
 * @example
 * ```ts
 * import { hasToken } from "@tether/websocket";
 * console.log(hasToken("keep-alive, Upgrade", "upgrade")); // true
 * ```
 */
export function hasToken(value: string | null | undefined, token: string): boolean {
  if (value == null) return false;
  const wanted = token.toLowerCase();
  return parseTokenList(value)?.some((item) => item.toLowerCase() === wanted) ?? false;
}

/**
 * One element of a `Sec-WebSocket-Extensions` list, parameters in the order given.
 *
 * @example
 * ```ts
 * import { type ExtensionOffer, parseExtensions } from "@tether/websocket";
 * const [offer]: ExtensionOffer[] = parseExtensions("permessage-deflate") ?? [];
 * console.log(offer.name); // "permessage-deflate"
 * ```
 */
export interface ExtensionOffer {
  /** The extension token, as sent. */
  name: string;
  /** Parameter name and value; `true` for a parameter given without a value. */
  params: Array<[string, string | true]>;
}

/**
 * Parses `Sec-WebSocket-Extensions` (RFC 6455 section 9.1): extensions separated by
 * commas, parameters by semicolons, values as tokens or quoted strings (unquoted here;
 * a quoted value must itself be a token). Returns `undefined` for malformed input.
 *
 * @example
 * ```ts
 * import { parseExtensions } from "@tether/websocket";
 * console.log(parseExtensions("permessage-deflate; client_max_window_bits=10"));
 * // [{ name: "permessage-deflate", params: [["client_max_window_bits", "10"]] }]
 * ```
 */
export function parseExtensions(value: string): ExtensionOffer[] | undefined {
  const extensions: ExtensionOffer[] = [];
  const length = value.length;
  let i = 0;

  const skipWhitespace = () => {
    while (i < length && isWhitespace(value.charCodeAt(i))) i++;
  };
  const readToken = (): string | undefined => {
    const start = i;
    while (i < length && isTokenChar(value.charCodeAt(i))) i++;
    return i > start ? value.slice(start, i) : undefined;
  };
  const readQuoted = (): string | undefined => {
    i++; // opening quote
    let text = "";
    while (i < length) {
      const code = value.charCodeAt(i);
      if (code === 0x22) {
        i++;
        return isToken(text) ? text : undefined;
      }
      if (code === 0x5c) {
        i++;
        if (i >= length) return undefined;
      }
      text += value[i];
      i++;
    }
    return undefined;
  };

  while (i < length) {
    skipWhitespace();
    if (i < length && value.charCodeAt(i) === 0x2c) {
      i++;
      continue;
    }
    if (i >= length) break;
    const name = readToken();
    if (name === undefined) return undefined;
    const params: Array<[string, string | true]> = [];
    skipWhitespace();
    while (i < length && value.charCodeAt(i) === 0x3b) {
      i++;
      skipWhitespace();
      const paramName = readToken();
      if (paramName === undefined) return undefined;
      skipWhitespace();
      let paramValue: string | true = true;
      if (i < length && value.charCodeAt(i) === 0x3d) {
        i++;
        skipWhitespace();
        const parsed = value.charCodeAt(i) === 0x22 ? readQuoted() : readToken();
        if (parsed === undefined) return undefined;
        paramValue = parsed;
        skipWhitespace();
      }
      params.push([paramName, paramValue]);
    }
    if (i < length && value.charCodeAt(i) !== 0x2c) return undefined;
    extensions.push({ name, params });
  }
  return extensions;
}
