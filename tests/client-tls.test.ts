import { test } from "node:test";
import assert from "node:assert/strict";
import type { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { WebSocketServer } from "ws";
import { Client, ConnectionError, SslError } from "../mod.ts";
import { within } from "./net-support.ts";

/**
 * The certificate files `npm test` makes for each run (scripts/test-certs.mjs); both
 * runtimes are started trusting its test CA.
 */
function certificate(name: string): { cert: Buffer; key: Buffer } {
  const dir = process.env.TETHER_TEST_CERTS;
  if (!dir) {
    throw new Error(
      "TETHER_TEST_CERTS is not set: run the tests with `npm test`, which makes them",
    );
  }
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
