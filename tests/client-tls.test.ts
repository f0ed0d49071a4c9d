import { test } from "node:test";
import assert from "node:assert/strict";
import type { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import { type AddressInfo, createServer as createTcpServer } from "node:net";
import { WebSocketServer } from "ws";
import { Client, type ClientSecureSocket, ConnectionError, SslError } from "../mod.ts";
import { testCertificates, within } from "./net-support.ts";

function certificate(name: string): { cert: Buffer; key: Buffer } {
  const dir = testCertificates();
  return { cert: readFileSync(`${dir}/${name}.pem`), key: readFileSync(`${dir}/${name}.key`) };
}

/** A wss echo server (node:https and ws) presenting the named certificate. */
async function startWss(name: string): Promise<{ port: number; stop(): Promise<void> }> {
  const https = createServer(certificate(name));
  const wss = new WebSocketServer({ server: https });
  wss.on("connection", (socket) => {
    socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  await within(
    new Promise<void>((resolve) => https.listen(0, "127.0.0.1", () => resolve())),
    "the wss server to listen",
  );
  return {
    port: (https.address() as AddressInfo).port,
    stop: () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      return new Promise((resolve) => https.close(() => resolve()));
    },
  };
}

for (const transport of ["frames", "whatwg"] as const) {
  test(`client tls (${transport}): wss verifies the server against the runtime's trusted roots`, async () => {
    const server = await startWss("server");
    try {
      const client = await within(
        Client.connect(`wss://localhost:${server.port}/`, { transport }),
        "connect",
      );
      assert.equal(client.isSecure(), true);
      await client.writeTextMessage("over TLS");
      assert.equal(await within(client.readTextMessage(), "echo"), "over TLS");
      // Many TLS records, within the default maxFrameSize of what ws sends as one frame.
      await client.writeBinaryMessage(new Uint8Array(60_000).fill(9));
      assert.equal((await within(client.readBinaryMessage(), "bytes")).length, 60_000);
      await within(client.close(), "close");
    } finally {
      await server.stop();
    }
  });
}

for (const [name, why] of [["self-signed", "an unknown issuer"], ["other-host", "another host"]]) {
  test(`client tls: a certificate from ${why} fails with SslError, and whatwg with ConnectionError`, async () => {
    const server = await startWss(name);
    try {
      await assert.rejects(
        within(Client.connect(`wss://localhost:${server.port}/`), "the handshake to fail"),
        (error: Error) => {
          assert.ok(error instanceof SslError, String(error));
          assert.match(error.message, /TLS handshake with localhost:\d+ failed: ./);
          return true;
        },
      );
      await assert.rejects(
        within(
          Client.connect(`wss://localhost:${server.port}/`, { transport: "whatwg" }),
          "the handshake to fail",
        ),
        ConnectionError,
      );
    } finally {
      await server.stop();
    }
  });
}

/** Connects with `secureSocket`, echoes one message and closes. */
async function echoOver(port: number, secureSocket: ClientSecureSocket): Promise<string> {
  const client = await within(
    Client.connect(`wss://localhost:${port}/`, { secureSocket }),
    "connect",
  );
  await client.writeTextMessage("trusted");
  const echo = await within(client.readTextMessage(), "echo");
  await within(client.close(), "close");
  return echo;
}

function refusedWith(pattern: RegExp) {
  return (error: Error) => {
    assert.ok(error instanceof SslError, String(error));
    assert.match(error.message, pattern);
    return true;
  };
}

test("client tls: cert trusts a CA in addition to the runtime's, unless told otherwise", async () => {
  const selfSigned = await startWss("self-signed");
  const signed = await startWss("server");
  const cert = `${testCertificates()}/self-signed.pem`;
  try {
    assert.equal(await echoOver(selfSigned.port, { cert }), "trusted");
    assert.equal(await echoOver(selfSigned.port, { cert: readFileSync(cert, "utf8") }), "trusted");
    assert.equal(await echoOver(signed.port, { cert }), "trusted");
    await assert.rejects(
      within(
        Client.connect(`wss://localhost:${signed.port}/`, {
          secureSocket: { cert, trustRuntimeCertificates: false },
        }),
        "the handshake to fail",
      ),
      refusedWith(/failed: .*(issuer|verify|self.signed)/i),
    );
  } finally {
    await selfSigned.stop();
    await signed.stop();
  }
});

test("client tls: an expired certificate fails with SslError, unless enable is false (logged)", async () => {
  const expired = await startWss("expired");
  const selfSigned = await startWss("self-signed");
  const warnings: string[] = [];
  const warn = console.warn;
  try {
    await assert.rejects(
      within(Client.connect(`wss://localhost:${expired.port}/`, { secureSocket: {} }), "refusal"),
      refusedWith(/failed: .*(expired|verify)/i),
    );
    console.warn = (message: string) => void warnings.push(message);
    assert.equal(await echoOver(expired.port, { enable: false }), "trusted");
    assert.equal(await echoOver(selfSigned.port, { enable: false }), "trusted");
  } finally {
    console.warn = warn;
    await expired.stop();
    await selfSigned.stop();
  }
  assert.equal(warnings.length, 2);
  assert.match(warnings[0], /insecure: .*any certificate is trusted for localhost:\d+/);
});

test("client tls: verifyHostName and serverName", async () => {
  const other = await startWss("other-host");
  try {
    assert.equal(await echoOver(other.port, { verifyHostName: false }), "trusted");
    assert.equal(await echoOver(other.port, { serverName: "other.test" }), "trusted");
    await assert.rejects(
      within(
        Client.connect(`wss://localhost:${other.port}/`, {
          secureSocket: { serverName: "x.test" },
        }),
        "refusal",
      ),
      refusedWith(/x\.test/),
    );
  } finally {
    await other.stop();
  }
});

test("client tls: handshakeTimeout bounds a server that never answers the TLS hello", async () => {
  const silent = createTcpServer((socket) => socket.on("error", () => {}));
  await within(
    new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", () => resolve())),
    "listen",
  );
  const port = (silent.address() as AddressInfo).port;
  try {
    await assert.rejects(
      within(
        Client.connect(`wss://127.0.0.1:${port}/`, { secureSocket: { handshakeTimeout: 0.2 } }),
        "the handshake to time out",
      ),
      refusedWith(/did not finish within 0\.2 s/),
    );
  } finally {
    silent.close();
  }
});

test("client tls: bad secureSocket settings are refused by name", async () => {
  const bad: [unknown, RegExp][] = [
    [{ verify: false }, /secureSocket\.verify is not a known/],
    [{ trustRuntimeCertificates: false }, /needs a cert/],
    [{ cert: "/no/such/ca.pem" }, /secureSocket\.cert: cannot read/],
    [
      { key: { certFile: `${testCertificates()}/client.pem` } },
      /secureSocket\.key\.keyFile must be PEM/,
    ],
    [{ enable: "no" }, /secureSocket\.enable must be a boolean/],
    [{ protocol: { name: "SSL" } }, /protocol\.name must be "TLS"/],
    [
      { ciphers: ["NOT_A_CIPHER"] },
      "Deno" in globalThis ? /cannot be honoured on Deno/ : /not a cipher suite/,
    ],
  ];
  for (const [secureSocket, message] of bad) {
    await assert.rejects(
      Client.connect("wss://localhost:1/", { secureSocket: secureSocket as ClientSecureSocket }),
      message,
    );
  }
});
