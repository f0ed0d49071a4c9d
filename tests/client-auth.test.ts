import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { SignJWT } from "jose";
import {
  type AuthInfo,
  type Caller,
  Client,
  type ClientAuthConfig,
  hashPassword,
  InvalidHandshakeError,
} from "../mod.ts";
import { ENGINES, serve, within } from "./net-support.ts";

const SECRET = "a shared secret that is long enough";

/** A listener that takes Basic users from a file, and JWTs signed by the secret or by the test CA's server key. */
async function securedListener(engine: (typeof ENGINES)[number]) {
  const certs = process.env.TETHER_TEST_CERTS;
  if (!certs) throw new Error("TETHER_TEST_CERTS is not set: run the tests with `npm test`");
  const dir = mkdtempSync(join(tmpdir(), "tether-client-auth-"));
  const users = join(dir, "users.json");
  writeFileSync(
    users,
    JSON.stringify({
      users: [{ username: "ada", password: await hashPassword("lovelace"), scopes: ["chat"] }],
    }),
  );
  const seen: (AuthInfo | undefined)[] = [];
  const listener = await serve(engine, "/secure", (_request: Request, context) => {
    seen.push(context.auth);
    return {
      onTextMessage: (_caller: Caller, text: string) => `${context.auth?.subject}: ${text}`,
    };
  }, {
    auth: [
      { fileUserStoreConfig: { path: users } },
      {
        jwtValidatorConfig: {
          issuer: "https://client.test",
          audience: "chat",
          signatureConfig: { secret: SECRET },
        },
      },
      { jwtValidatorConfig: { signatureConfig: { certificate: `${certs}/server.pem` } } },
    ],
  });
  return {
    url: `ws://127.0.0.1:${listener.port}/secure`,
    seen,
    certs,
    stop: async () => {
      await listener.immediateStop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

for (const engine of ENGINES) {
  test(`client auth on ${engine}: Basic, bearer and self-issued JWTs pass the listener's auth`, async () => {
    const server = await securedListener(engine);
    try {
      const bearer = await new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setSubject("bea")
        .setIssuer("https://client.test").setAudience("chat").setExpirationTime("5m")
        .sign(new TextEncoder().encode(SECRET));
      const configs: [string, ClientAuthConfig][] = [
        ["ada", { username: "ada", password: "lovelace" }],
        ["bea", { token: bearer }],
        ["cid", {
          issuer: "https://client.test",
          audience: "chat",
          username: "cid",
          customClaims: { team: "blue" },
          signatureConfig: { secret: SECRET },
        }],
        ["dee", {
          username: "dee",
          keyId: "server",
          signatureConfig: { privateKey: `${server.certs}/server.key`, algorithm: "ES256" },
        }],
      ];
      for (const [subject, auth] of configs) {
        const client = await within(Client.connect(server.url, { auth }), `connect as ${subject}`);
        await client.writeTextMessage("hi");
        assert.equal(await within(client.readTextMessage(), "echo"), `${subject}: hi`);
        await client.close();
      }
      assert.equal(server.seen[2]?.claims?.team, "blue");
      await assert.rejects(
        within(
          Client.connect(server.url, { auth: { username: "ada", password: "wrong" } }),
          "fail",
        ),
        (error: Error) => error instanceof InvalidHandshakeError && error.status === 401,
      );
      await assert.rejects(
        within(Client.connect(server.url), "fail"),
        (error: Error) =>
          error instanceof InvalidHandshakeError &&
          error.response?.headers.get("www-authenticate")?.startsWith("Basic") === true,
      );
    } finally {
      await server.stop();
    }
  });
}

test("client auth: settings that cannot work are refused before connecting", async () => {
  const url = "ws://127.0.0.1:9/";
  const cases: [Parameters<typeof Client.connect>[1], RegExp][] = [
    [
      { auth: { username: "a", password: "b" }, customHeaders: { authorization: "x" } },
      /cannot both/,
    ],
    [{ auth: { username: "a:b", password: "c" } }, /without ":"/],
    [{ auth: { token: "has space" } }, /visible ASCII/],
    [{ auth: { signatureConfig: { secret: "short" } } }, /at least 16/],
    [{ auth: { signatureConfig: { privateKey: "/no/such/key.pem" } } }, /cannot read/],
    [
      { auth: { signatureConfig: { privateKey: "x", algorithm: "HS256" } } },
      /not a signing algorithm/,
    ],
    [{ auth: { token: "t" }, transport: "whatwg" }, /auth cannot be honoured/],
  ];
  for (const [config, message] of cases) await assert.rejects(Client.connect(url, config), message);
});
