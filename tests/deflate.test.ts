import { test } from "node:test";
import assert from "node:assert/strict";
import { constants, deflateRawSync, inflateRawSync } from "node:zlib";
import {
  acceptDeflateOffer,
  acceptDeflateResponse,
  createDeflateOffer,
  type DeflateParams,
  FrameError,
  PerMessageDeflate,
} from "../mod.ts";

const DEFAULTS: DeflateParams = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};

const encoder = new TextEncoder();

test("deflate negotiation: client offers", () => {
  assert.equal(createDeflateOffer(), "permessage-deflate; client_max_window_bits");
  assert.equal(
    createDeflateOffer({
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 10,
      clientMaxWindowBits: 9,
    }),
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover; " +
      "server_max_window_bits=10; client_max_window_bits=9",
  );
  assert.throws(() => createDeflateOffer({ serverMaxWindowBits: 16 }), RangeError);
  assert.throws(() => createDeflateOffer({ clientMaxWindowBits: 7 }), RangeError);
});

test("deflate negotiation: server accepts plain offers and honours requested parameters", () => {
  assert.deepEqual(acceptDeflateOffer("permessage-deflate"), {
    params: DEFAULTS,
    response: "permessage-deflate",
  });
  assert.deepEqual(
    acceptDeflateOffer(
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; " +
        "server_max_window_bits=9; client_max_window_bits=10",
    ),
    {
      params: {
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
        serverMaxWindowBits: 9,
        clientMaxWindowBits: 10,
      },
      response: "permessage-deflate; server_no_context_takeover; client_no_context_takeover; " +
        "server_max_window_bits=9; client_max_window_bits=10",
    },
  );
});

test("deflate negotiation: server options shape the response within the offer", () => {
  const options = {
    serverMaxWindowBits: 12,
    clientMaxWindowBits: 11,
    clientNoContextTakeover: true,
  };
  assert.deepEqual(acceptDeflateOffer("permessage-deflate; client_max_window_bits", options), {
    params: {
      serverNoContextTakeover: false,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 12,
      clientMaxWindowBits: 11,
    },
    response: "permessage-deflate; client_no_context_takeover; server_max_window_bits=12; " +
      "client_max_window_bits=11",
  });
  // The client did not offer client_max_window_bits: the server may not send it.
  assert.equal(
    acceptDeflateOffer("permessage-deflate", options)?.response,
    "permessage-deflate; client_no_context_takeover; server_max_window_bits=12",
  );
  // The lower of the two limits wins.
  assert.equal(
    acceptDeflateOffer("permessage-deflate; server_max_window_bits=10", options)?.params
      .serverMaxWindowBits,
    10,
  );
});

test("deflate negotiation: offers with unknown, repeated or invalid parameters are declined", () => {
  for (
    const offer of [
      "permessage-deflate; foo",
      "permessage-deflate; __proto__",
      "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
      "permessage-deflate; server_no_context_takeover=1",
      "permessage-deflate; server_max_window_bits",
      "permessage-deflate; server_max_window_bits=7",
      "permessage-deflate; server_max_window_bits=16",
      "permessage-deflate; server_max_window_bits=010",
      "permessage-deflate; client_max_window_bits=abc",
      "x-webkit-deflate-frame",
      "permessage-deflate; a=",
    ]
  ) {
    assert.equal(acceptDeflateOffer(offer), undefined, offer);
  }
  assert.equal(acceptDeflateOffer(null), undefined);
  assert.equal(acceptDeflateOffer(""), undefined);
});

test("deflate negotiation: the first acceptable offer of a fallback list wins", () => {
  const agreement = acceptDeflateOffer(
    "permessage-deflate; bogus, x-other, permessage-deflate; server_max_window_bits=11, " +
      "permessage-deflate",
  );
  assert.equal(agreement?.params.serverMaxWindowBits, 11);
  assert.equal(agreement?.response, "permessage-deflate; server_max_window_bits=11");
  const quoted = acceptDeflateOffer('permessage-deflate; client_max_window_bits="12"');
  assert.equal(quoted?.params.clientMaxWindowBits, 12);
});

test("deflate negotiation: client checks the server's response", () => {
  assert.deepEqual(acceptDeflateResponse("permessage-deflate", {}), DEFAULTS);
  assert.deepEqual(
    acceptDeflateResponse(
      "permessage-deflate; client_max_window_bits=9; server_max_window_bits=10",
      {},
    ),
    { ...DEFAULTS, clientMaxWindowBits: 9, serverMaxWindowBits: 10 },
  );
  assert.equal(acceptDeflateResponse(null, {}), undefined);
  assert.equal(acceptDeflateResponse("", {}), undefined);

  const refused: Array<[string, Parameters<typeof acceptDeflateResponse>[1]]> = [
    ["permessage-deflate", undefined], // never offered
    ["x-other", {}],
    ["permessage-deflate, permessage-deflate", {}],
    ["permessage-deflate; unknown", {}],
    ["permessage-deflate; server_max_window_bits=16", {}],
    ["permessage-deflate; client_max_window_bits", {}],
    ["permessage-deflate; client_max_window_bits=12", { clientMaxWindowBits: 10 }],
    ["permessage-deflate", { serverNoContextTakeover: true }],
    ["permessage-deflate", { serverMaxWindowBits: 10 }],
    ["permessage-deflate; server_max_window_bits=12", { serverMaxWindowBits: 10 }],
    ["permessage-deflate;", {}],
  ];
  for (const [response, offered] of refused) {
    assert.ok(
      acceptDeflateResponse(response, offered) instanceof Error,
      `${response} for ${JSON.stringify(offered)}`,
    );
  }
});

async function roundTrip(params: DeflateParams, messages: Uint8Array[]) {
  const server = new PerMessageDeflate(params, { role: "server" });
  const client = new PerMessageDeflate(params, { role: "client" });
  const sizes: number[] = [];
  try {
    for (const message of messages) {
      const toClient = await server.compress(message);
      assert.ok(!(toClient instanceof FrameError));
      sizes.push(toClient.length);
      assert.deepEqual(await client.decompress(toClient), message);
      const toServer = await client.compress(message);
      assert.ok(!(toServer instanceof FrameError));
      assert.deepEqual(await server.decompress(toServer), message);
    }
  } finally {
    server.close();
    client.close();
  }
  return sizes;
}

test("deflate codec: round trips of several kinds of data", async () => {
  const random = crypto.getRandomValues(new Uint8Array(50000));
  const messages = [
    new Uint8Array(0),
    encoder.encode("a"),
    encoder.encode("Hello, permessage-deflate! ".repeat(200)),
    random,
    new Uint8Array(300000),
  ];
  await roundTrip(DEFAULTS, messages);
});

test("deflate codec: context takeover shrinks a repeated message, no takeover does not", async () => {
  const message = crypto.getRandomValues(new Uint8Array(2000));
  const withTakeover = await roundTrip(DEFAULTS, [message, message, message]);
  assert.ok(withTakeover[1] < withTakeover[0] / 10, `sizes ${withTakeover}`);
  const without = await roundTrip(
    { ...DEFAULTS, serverNoContextTakeover: true, clientNoContextTakeover: true },
    [message, message, message],
  );
  assert.equal(without[1], without[0]);
  assert.equal(without[2], without[0]);
});

test("deflate codec: output respects the agreed window, down to 8 bits", async () => {
  const message = encoder.encode(
    "abcdefghij".repeat(40) + "0123456789".repeat(300) + "abcdefghij".repeat(40),
  );
  for (const bits of [8, 9, 12, 15]) {
    const params = { ...DEFAULTS, serverMaxWindowBits: bits, clientMaxWindowBits: bits };
    const server = new PerMessageDeflate(params, { role: "server" });
    const compressed = await server.compress(message);
    server.close();
    assert.ok(!(compressed instanceof FrameError));
    const tail = Uint8Array.of(0, 0, 0xff, 0xff);
    const whole = new Uint8Array(compressed.length + 4);
    whole.set(compressed);
    whole.set(tail, compressed.length);
    // A strict inflater with exactly the agreed window must accept it.
    const inflated = inflateRawSync(whole, {
      windowBits: bits,
      finishFlush: constants.Z_SYNC_FLUSH,
    });
    assert.deepEqual(new Uint8Array(inflated), message, `window ${bits}`);
    await roundTrip(params, [message, message]);
  }
});

test("deflate codec: an empty message compresses to one zero byte", async () => {
  const codec = new PerMessageDeflate(DEFAULTS, { role: "server" });
  assert.deepEqual(await codec.compress(new Uint8Array(0)), Uint8Array.of(0));
  assert.deepEqual(await codec.decompress(Uint8Array.of(0)), new Uint8Array(0));
  assert.deepEqual(await codec.decompress(new Uint8Array(0)), new Uint8Array(0));
  codec.close();
});

test("deflate codec: a decompression bomb stops at the limit with 1009", async () => {
  const bomb = deflateRawSync(new Uint8Array(64 * 1024 * 1024), {
    finishFlush: constants.Z_SYNC_FLUSH,
  });
  assert.ok(bomb.length < 100 * 1024, `bomb is ${bomb.length} bytes`);
  const codec = new PerMessageDeflate(DEFAULTS, { role: "server", maxMessageSize: 1024 * 1024 });
  const result = await codec.decompress(bomb.subarray(0, bomb.length - 4));
  assert.ok(result instanceof FrameError);
  assert.equal(result.closeCode, 1009);
  // The codec stays failed: later messages get the same answer, no more inflation is done.
  const after = await codec.decompress(encoder.encode("x"));
  assert.ok(after instanceof FrameError);
  assert.equal(after.closeCode, 1009);
  codec.close();

  const exact = new PerMessageDeflate(DEFAULTS, { role: "server", maxMessageSize: 1000 });
  const fits = deflateRawSync(new Uint8Array(1000), { finishFlush: constants.Z_SYNC_FLUSH });
  assert.deepEqual(await exact.decompress(fits.subarray(0, fits.length - 4)), new Uint8Array(1000));
  exact.close();
});

test("deflate codec: corrupt compressed data fails with 1007", async () => {
  const codec = new PerMessageDeflate(DEFAULTS, { role: "client" });
  const result = await codec.decompress(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x01));
  assert.ok(result instanceof FrameError);
  assert.equal(result.closeCode, 1007);
  codec.close();
});

test("deflate codec: concurrent calls are answered in order", async () => {
  const server = new PerMessageDeflate(DEFAULTS, { role: "server" });
  const client = new PerMessageDeflate(DEFAULTS, { role: "client" });
  const messages = Array.from(
    { length: 50 },
    (_, i) => encoder.encode(`message ${i} `.repeat(i + 1)),
  );
  const compressed = await Promise.all(messages.map((message) => server.compress(message)));
  const inflated = await Promise.all(
    compressed.map((data) => client.decompress(data as Uint8Array)),
  );
  assert.deepEqual(inflated, messages);
  server.close();
  client.close();
});

test("deflate codec: bad options are refused when the codec is made", () => {
  assert.throws(() => new PerMessageDeflate(DEFAULTS, { role: "server", level: 10 }), RangeError);
  assert.throws(
    () => new PerMessageDeflate(DEFAULTS, { role: "server", maxMessageSize: NaN }),
    RangeError,
  );
  assert.throws(
    () => new PerMessageDeflate({ ...DEFAULTS, serverMaxWindowBits: 16 }, { role: "client" }),
    RangeError,
  );
  assert.throws(() => new PerMessageDeflate(DEFAULTS, { role: "both" as "server" }), RangeError);
});

test("deflate codec: closing resolves pending work with an error", async () => {
  const codec = new PerMessageDeflate(DEFAULTS, { role: "server" });
  const pending = codec.compress(new Uint8Array(100000));
  codec.close();
  assert.ok((await pending) instanceof FrameError);
  assert.ok((await codec.compress(Uint8Array.of(1))) instanceof FrameError);
});
