import { test } from "node:test";
import assert from "node:assert/strict";
import {
  computeAcceptKey,
  generateClientKey,
  hasToken,
  isToken,
  isValidClientKey,
  parseExtensions,
  parseTokenList,
} from "../mod.ts";

test("handshake: the accept key of RFC 6455's example", async () => {
  assert.equal(await computeAcceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
});

test("handshake: client keys must be canonical base64 of 16 bytes", () => {
  assert.equal(isValidClientKey("dGhlIHNhbXBsZSBub25jZQ=="), true);
  assert.equal(isValidClientKey("AAAAAAAAAAAAAAAAAAAAAA=="), true);
  assert.equal(isValidClientKey("/////////////////////w=="), true);
  for (
    const key of [
      "",
      "dGhlIHNhbXBsZSBub25jZQ", // no padding
      "dGhlIHNhbXBsZSBub25jZQ=", // one pad
      "dGhlIHNhbXBsZSBub25jZR==", // non-zero padding bits
      "dGhlIHNhbXBsZSBub25j*Q==", // not base64
      "c2hvcnQ=", // 5 bytes
      "dGhlIHNhbXBsZSBub25jZQ==AAAA", // too long
      " dGhlIHNhbXBsZSBub25jZQ=",
    ]
  ) {
    assert.equal(isValidClientKey(key), false, JSON.stringify(key));
  }
});

test("handshake: generated client keys are valid and fresh", () => {
  const keys = new Set(Array.from({ length: 100 }, generateClientKey));
  assert.equal(keys.size, 100);
  for (const key of keys) assert.equal(isValidClientKey(key), true);
});

test("header lists: token lists with optional white space and empty elements", () => {
  assert.deepEqual(parseTokenList("keep-alive, Upgrade"), ["keep-alive", "Upgrade"]);
  assert.deepEqual(parseTokenList(" chat ,, superchat\t,"), ["chat", "superchat"]);
  assert.deepEqual(parseTokenList(""), []);
  assert.deepEqual(parseTokenList("__proto__, constructor"), ["__proto__", "constructor"]);
  assert.equal(parseTokenList("chat v2"), undefined);
  assert.equal(parseTokenList("chat;v2"), undefined);
  assert.equal(parseTokenList("ch\u00e4t"), undefined);
  assert.equal(hasToken("keep-alive, UPGRADE", "upgrade"), true);
  assert.equal(hasToken("keep-alive", "upgrade"), false);
  assert.equal(hasToken("upgrade-x", "upgrade"), false);
  assert.equal(hasToken(null, "upgrade"), false);
  assert.equal(isToken("permessage-deflate"), true);
  assert.equal(isToken(""), false);
  assert.equal(isToken("a b"), false);
});

test("header lists: extension lists with parameters and quoted values", () => {
  assert.deepEqual(parseExtensions("permessage-deflate"), [{
    name: "permessage-deflate",
    params: [],
  }]);
  assert.deepEqual(
    parseExtensions(
      'permessage-deflate; client_max_window_bits; server_max_window_bits="10" , x-foo;a=b',
    ),
    [
      {
        name: "permessage-deflate",
        params: [["client_max_window_bits", true], ["server_max_window_bits", "10"]],
      },
      { name: "x-foo", params: [["a", "b"]] },
    ],
  );
  assert.deepEqual(parseExtensions('a;b="\\c"'), [{ name: "a", params: [["b", "c"]] }]);
  assert.deepEqual(parseExtensions(" , ,"), []);
  assert.deepEqual(parseExtensions("__proto__; constructor=1"), [
    { name: "__proto__", params: [["constructor", "1"]] },
  ]);
  for (
    const malformed of [
      "permessage-deflate;",
      "permessage-deflate; =1",
      "permessage-deflate; a=",
      'permessage-deflate; a="1 2"',
      'permessage-deflate; a="unterminated',
      "permessage-deflate x",
      "permessage-deflate; a=1 b",
      ";a",
    ]
  ) {
    assert.equal(parseExtensions(malformed), undefined, malformed);
  }
});

test("header lists: adversarial inputs of 200 KiB are parsed in one pass", () => {
  const many = "a;b=c,".repeat(40000);
  assert.equal(parseExtensions(many)?.length, 40000);
  const quotes = 'x;y="' + "\\a".repeat(100000);
  assert.equal(parseExtensions(quotes), undefined);
  const spaces = "a" + " ".repeat(200000) + "b";
  assert.equal(parseTokenList(spaces), undefined);
  assert.equal(parseExtensions(spaces), undefined);
});
