const REASONS: Record<number, string> = {
  101: "Switching Protocols",
  200: "OK",
  204: "No Content",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  413: "Content Too Large",
  414: "URI Too Long",
  426: "Upgrade Required",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  505: "HTTP Version Not Supported",
};

const encoder = new TextEncoder();

/** The status line and header section of an HTTP/1.1 response, ready to write. */
export function encodeResponseHead(status: number, headers: Headers): Uint8Array {
  let head = `HTTP/1.1 ${status} ${REASONS[status] ?? "Unknown"}\r\n`;
  for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
  return encoder.encode(head + "\r\n");
}

/**
 * A whole non-upgrade response in one buffer, with `Content-Length` and
 * `Connection: close`: the frames engine closes every connection it does not upgrade.
 */
export async function encodeClosingResponse(response: Response): Promise<Uint8Array> {
  const body = new Uint8Array(await response.arrayBuffer());
  const headers = new Headers(response.headers);
  headers.set("content-length", String(body.length));
  headers.set("connection", "close");
  headers.delete("transfer-encoding");
  const head = encodeResponseHead(response.status, headers);
  const whole = new Uint8Array(head.length + body.length);
  whole.set(head);
  whole.set(body, head.length);
  return whole;
}
