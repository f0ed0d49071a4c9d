import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { Hono } from "hono";
import {
  type Caller,
  Client,
  type ClientSecureSocket,
  type EngineName,
  Listener,
  type ListenerSecureSocket,
} from "../mod.ts";
import { ENGINES, serve, testCertificates, within } from "./net-support.ts";

const dir = () => testCertificates();
const pair = (name: string) => ({
  certFile: `${dir()}/${name}.pem`,
  keyFile: `${dir()}/${name}.key`,
});
const onDeno = "Deno" in globalThis;

/** A wss echo listener that records whether each caller saw a secure connection. */
async function secureEcho(engine: EngineName, secureSocket: Partial<ListenerSecureSocket> = {}) {
  const secure: boolean[] = [];
  const listener = await serve(
    engine,
    "/echo",
    {
      onOpen: (caller: Caller) => void secure.push(caller.isSecure()),
      onTextMessage: (_caller: Caller, text: string) => text,
    },
    {},
    { secureSocket: { key: pair("server"), ...secureSocket } },
  );
  return { listener, secure, url: `wss://localhost:${listener.port}/echo` };
}

async function roundTrip(url: string, secureSocket?: ClientSecureSocket): Promise<string> {
  const client = await within(Client.connect(url, { secureSocket }), "connect");
  try {
    assert.equal(client.isSecure(), true);
    await client.writeTextMessage("over TLS");
    return await within(client.readTextMessage(), "the echo");
  } finally {
    await within(client.close(), "close");
  }
}

for (const engine of ENGINES) {
  test(`listener tls on ${engine}: wss echo, isSecure on both ends, certificate as PEM text`, async () => {
    const { listener, secure, url } = await secureEcho(engine);
    try {
      assert.equal(await roundTrip(url), "over TLS");
      assert.equal(await roundTrip(url, { cert: `${dir()}/ca.pem` }), "over TLS");
      assert.deepEqual(secure, [true, true]);
    } finally {
      await listener.immediateStop();
    }
    const { readFileSync } = await import("node:fs");
    const inline = await secureEcho(engine, {
      key: {
        certFile: readFileSync(`${dir()}/server.pem`, "utf8"),
        keyFile: readFileSync(`${dir()}/server.key`, "utf8"),
      },
    });
    try {
      assert.equal(await roundTrip(inline.url), "over TLS");
    } finally {
      await inline.listener.immediateStop();
    }
  });

  test(`listener tls on ${engine}: mutual TLS required`, async () => {
    const mutualSsl = { verifyClient: "REQUIRE" as const, cert: `${dir()}/ca.pem` };
    if (engine === "deno") {
      assert.throws(
        () => new Listener(0, { engine, secureSocket: { key: pair("server"), mutualSsl } }),
        /mutualSsl cannot be honoured by the deno engine.*engine: "frames"/,
      );
      return;
    }
    const { listener, url } = await secureEcho(engine, { mutualSsl });
    try {
      assert.equal(await roundTrip(url, { key: pair("client") }), "over TLS");
      await assert.rejects(
        within(Client.connect(url, { secureSocket: {} }), "a client without a certificate"),
        (error: Error) => error.name === "SslError" && /certificate.?required/i.test(error.message),
      );
      await assert.rejects(
        within(
          Client.connect(url, { secureSocket: { key: pair("self-signed") } }),
          "a client with an untrusted certificate",
        ),
        Error,
      );
    } finally {
      await listener.immediateStop();
    }
  });

  test(`listener tls on ${engine}: mutual TLS optional`, async () => {
    const mutualSsl = { verifyClient: "OPTIONAL" as const, cert: `${dir()}/ca.pem` };
    if (engine !== "frames") {
      assert.throws(
        () => new Listener(0, { engine, secureSocket: { key: pair("server"), mutualSsl } }),
        new RegExp(`cannot be honoured by the ${engine} engine`),
      );
      return;
    }
    const { listener, url } = await secureEcho(engine, { mutualSsl });
    try {
      assert.equal(await roundTrip(url), "over TLS");
      assert.equal(await roundTrip(url, { key: pair("client") }), "over TLS");
      await assert.rejects(
        within(Client.connect(url, { secureSocket: { key: pair("self-signed") } }), "refusal"),
        Error,
      );
    } finally {
      await listener.immediateStop();
    }
  });

  test(`listener tls on ${engine}: protocol versions`, async () => {
    const protocol = { name: "TLS" as const, versions: ["TLSv1.3"] };
    if (engine === "deno") {
      assert.throws(
        () => new Listener(0, { engine, secureSocket: { key: pair("server"), protocol } }),
        /protocol cannot be honoured by the deno engine/,
      );
      return;
    }
    const { listener, url } = await secureEcho(engine, { protocol });
    try {
      assert.equal(await roundTrip(url, { protocol }), "over TLS");
      await assert.rejects(
        within(
          Client.connect(url, {
            secureSocket: { protocol: { name: "TLS", versions: ["TLSv1.2"] } },
          }),
          "a TLS 1.2 client to be refused",
        ),
        (error: Error) => error.name === "SslError",
      );
    } finally {
      await listener.immediateStop();
    }
  });

  test(`listener tls on ${engine}: ciphers`, async () => {
    const secureSocket = {
      key: pair("server"),
      protocol: { name: "TLS" as const, versions: ["TLSv1.2"] },
      ciphers: ["TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"],
    };
    if (onDeno) {
      assert.throws(
        () => new Listener(0, { engine, secureSocket }),
        /ciphers cannot be honoured on Deno/,
      );
      return;
    }
    const { listener, url } = await secureEcho(engine, secureSocket);
    try {
      assert.equal(
        await roundTrip(url, { ciphers: ["ECDHE-ECDSA-AES256-GCM-SHA384"] }),
        "over TLS",
      );
      await assert.rejects(
        within(
          Client.connect(url, {
            secureSocket: { ciphers: ["TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"] },
          }),
          "a client without a shared cipher to be refused",
        ),
        (error: Error) => error.name === "SslError",
      );
    } finally {
      await listener.immediateStop();
    }
  });

  test(`listener tls on ${engine}: handshakeTimeout drops a client that never starts TLS`, async () => {
    if (engine !== "frames") {
      assert.throws(
        () =>
          new Listener(0, { engine, secureSocket: { key: pair("server"), handshakeTimeout: 1 } }),
        /handshakeTimeout cannot be honoured/,
      );
      return;
    }
    const { listener } = await secureEcho(engine, { handshakeTimeout: 0.2 });
    try {
      const socket = connect(listener.port, "127.0.0.1");
      socket.on("error", () => {});
      await within(
        new Promise((resolve) => socket.on("close", resolve)),
        "the silent client to be dropped",
      );
    } finally {
      await listener.immediateStop();
    }
  });
}

test("listener tls: bad settings are refused by name", () => {
  const bad: [unknown, RegExp][] = [
    [
      { key: { certFile: "/no/such/file.pem", keyFile: "/no/such.key" } },
      /secureSocket\.key\.certFile: cannot read/,
    ],
    [{ key: pair("server"), cipher: ["x"] }, /secureSocket\.cipher is not a known/],
    [
      { key: pair("server"), protocol: { name: "TLS", versions: ["TLSv1.1"] } },
      /TLSv1\.1 is not allowed/,
    ],
    [
      { key: pair("server"), mutualSsl: { verifyClient: "MAYBE", cert: pair("ca").certFile } },
      /REQUIRE/,
    ],
    [{ key: pair("server"), handshakeTimeout: -1 }, /handshakeTimeout must be a positive/],
    [{}, /secureSocket\.key is required/],
  ];
  for (const [secureSocket, message] of bad) {
    assert.throws(
      () => new Listener(0, { secureSocket: secureSocket as ListenerSecureSocket }),
      message,
    );
  }
  assert.throws(
    () => new Listener(new Hono(), { secureSocket: { key: pair("server") } }),
    /owns its port/,
  );
});
