import { test } from "node:test";
import assert from "node:assert/strict";
import { computeAcceptKey, InvalidHandshakeError } from "../mod.ts";
import {
  buildUpgradeRequest,
  checkRequestHeaders,
  checkUpgradeResponse,
  type HandshakeOffer,
  parseWebSocketUrl,
} from "../client/handshake.ts";
import { type ResponseHead, ResponseHeadReader } from "../client/response-head.ts";

const encode = (text: string) => new TextEncoder().encode(text);
const KEY = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

function readHead(text: string): ResponseHead | Error | undefined {
  return new ResponseHeadReader().push(encode(text));
}

test("WebSocket URLs: ws and wss only, no fragment, default ports, IPv6 hosts", () => {
  assert.deepEqual(parseWebSocketUrl("ws://example.com/chat?room=1"), {
    secure: false,
    hostname: "example.com",
    port: 80,
    host: "example.com",
    target: "/chat?room=1",
    href: "ws://example.com/chat?room=1",
  });
  const secure = parseWebSocketUrl("wss://[::1]:8443");
  assert.equal(secure.secure, true);
  assert.equal(secure.hostname, "::1");
  assert.equal(secure.port, 8443);
  assert.equal(secure.host, "[::1]:8443");
  assert.equal(secure.target, "/");
  assert.equal(parseWebSocketUrl("wss://example.com").port, 443);
  assert.throws(() => parseWebSocketUrl("not a url"), /not a valid URL/);
  assert.throws(() => parseWebSocketUrl("http://example.com/"), /ws: or wss:, not http:/);
  assert.throws(() => parseWebSocketUrl("ws://example.com/#part"), /fragment/);
});

test("the upgrade request carries the key, version, offers, custom headers and cookies", () => {
  const request = buildUpgradeRequest({
    url: parseWebSocketUrl("ws://localhost:9090/ws?x=1"),
    key: KEY,
    protocols: ["chat.v2", "chat.v1"],
    headers: { "X-Trace": "abc", Cookie: "replaced=1" },
    cookies: [{ name: "a", value: "1", path: "/" }, { name: "b", value: "2", path: "/ws/deep" }],
    extensions: "permessage-deflate; client_max_window_bits",
  });
  assert.equal(
    request,
    "GET /ws?x=1 HTTP/1.1\r\nHost: localhost:9090\r\nUpgrade: websocket\r\n" +
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: chat.v2, chat.v1\r\n" +
      "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n" +
      "X-Trace: abc\r\nCookie: b=2; a=1\r\n\r\n",
  );
});

test("custom headers and cookies that could break the request are refused", () => {
  assert.throws(
    () => checkRequestHeaders({ "X-A": "one\r\nInjected: yes" }, []),
    /control character/,
  );
  assert.throws(() => checkRequestHeaders({ "X-A": "nul\0" }, []), /control character/);
  assert.throws(() => checkRequestHeaders({ "Bad Name": "v" }, []), /not a header name/);
  assert.throws(() => checkRequestHeaders({ "X\r\nY": "v" }, []), /not a header name/);
  assert.throws(() => checkRequestHeaders({ "Sec-WebSocket-Key": "v" }, []), /handshake sets it/);
  assert.throws(() => checkRequestHeaders({}, [{ name: "a", value: "x;y" }]), /not a valid cookie/);
  checkRequestHeaders({ "X-Tab": "a\tb", Authorization: "Bearer t" }, [{ name: "a", value: "b" }]);
});

test("response heads: complete only at the blank line, however the bytes are cut", () => {
  const text = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
  const reader = new ResponseHeadReader();
  const bytes = encode(text);
  let head: ResponseHead | Error | undefined;
  for (let i = 0; i < bytes.length && head === undefined; i++) {
    head = reader.push(bytes.slice(i, i + 1));
  }
  assert.ok(head !== undefined && !(head instanceof Error));
  assert.equal(head.status, 101);
  assert.equal(head.statusText, "Switching Protocols");
  assert.equal(head.headers.get("upgrade"), "websocket");
  assert.deepEqual([...head.rest], []);
  const withFrame = new ResponseHeadReader().push(Uint8Array.of(...bytes, 0x81, 0x00));
  assert.deepEqual([...(withFrame as ResponseHead).rest], [0x81, 0x00]);
});

test("malformed or oversized response heads are errors, never exceptions", () => {
  const bad = [
    "HTTP/2 101 Switching Protocols\r\n\r\n",
    "HTTP/1.1 1O1 Nope\r\n\r\n",
    "HTTP/1.1 101 OK\r\nNo-Colon\r\n\r\n",
    "HTTP/1.1 101 OK\r\nBad Name: v\r\n\r\n",
    "HTTP/1.1 101 OK\r\nX: a\x01b\r\n\r\n",
    "HTTP/1.1 101 OK\r\n folded: line\r\n\r\n",
  ];
  for (const text of bad) assert.ok(readHead(text) instanceof Error, JSON.stringify(text));
  const latin = new Uint8Array([
    ...encode("HTTP/1.1 101 OK\r\nX: "),
    0xe9,
    0xff,
    ...encode("\r\n\r\n"),
  ]);
  const head = new ResponseHeadReader().push(latin);
  assert.ok(head !== undefined && !(head instanceof Error));
  const reader = new ResponseHeadReader(64);
  assert.ok(reader.push(encode("HTTP/1.1 101 OK\r\n" + "X: y\r\n".repeat(20))) instanceof Error);
});

test("upgrade responses are held to RFC 6455: status, headers, accept key, offers", async () => {
  assert.equal(await computeAcceptKey(KEY), ACCEPT);
  const offer: HandshakeOffer = { acceptKey: ACCEPT, protocols: [], deflate: undefined };
  const response = (extra: string, status = "101 Switching Protocols") =>
    readHead(`HTTP/1.1 ${status}\r\n${extra}\r\n`) as ResponseHead;
  const good = "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
    `Sec-WebSocket-Accept: ${ACCEPT}\r\n`;
  assert.deepEqual(checkUpgradeResponse(response(good), offer), {
    protocol: "",
    extensions: "",
    deflate: undefined,
  });
  const refused = checkUpgradeResponse(response("Content-Length: 0\r\n", "403 Forbidden"), offer);
  assert.ok(refused instanceof InvalidHandshakeError);
  assert.equal(refused.status, 403);
  assert.match(refused.message, /expected status 101, got 403/);
  const failures: [string, HandshakeOffer, RegExp][] = [
    [good.replace("websocket", "h2c"), offer, /Upgrade header/],
    [good.replace("Connection: Upgrade", "Connection: keep-alive"), offer, /Connection header/],
    [good.replace(ACCEPT, "AAAAAAAAAAAAAAAAAAAAAAAAAAA="), offer, /Accept does not match/],
    [good + "Sec-WebSocket-Protocol: other\r\n", { ...offer, protocols: ["chat"] }, /not offered/],
    [good, { ...offer, protocols: ["chat"] }, /none of the sub-protocols chat/],
    [good + "Sec-WebSocket-Extensions: permessage-deflate\r\n", offer, /not offered/],
    [
      good + "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=7\r\n",
      { ...offer, deflate: {} },
      /parameters/,
    ],
    [good + "Sec-WebSocket-Extensions: x-unknown\r\n", { ...offer, deflate: {} }, /not offered/],
  ];
  for (const [headers, expected, message] of failures) {
    const outcome = checkUpgradeResponse(response(headers), expected);
    assert.ok(outcome instanceof InvalidHandshakeError, headers);
    assert.match(outcome.message, message);
    assert.equal(outcome.status, 101);
  }
  const agreed = checkUpgradeResponse(
    response(
      good + "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: permessage-deflate\r\n",
    ),
    { ...offer, protocols: ["x", "chat"], deflate: {} },
  );
  assert.ok(!(agreed instanceof Error));
  assert.equal(agreed.protocol, "chat");
  assert.equal(agreed.deflate?.serverMaxWindowBits, 15);
});
