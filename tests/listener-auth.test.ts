import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { exportJWK, exportSPKI, generateKeyPair, importPKCS8, SignJWT } from "jose";
import {
  Client,
  hashPassword,
  Listener,
  type ListenerAuthConfig,
  type ServiceConfig,
} from "../mod.ts";
import { ENGINES, guarded, within } from "./net-support.ts";

const SECRET = "a shared secret that is long enough";
const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;
const secretKey = new TextEncoder().encode(SECRET);

/** A token signed with the shared secret; `claims` and `options` adjust it. */
function token(
  claims: Record<string, unknown> = {},
  options: { issuer?: string; audience?: string; expires?: string | number; notBefore?: number } =
    {},
): Promise<string> {
  const jwt = new SignJWT({ scope: "chat read", ...claims })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject("ada")
    .setIssuer(options.issuer ?? "https://issuer.test")
    .setAudience(options.audience ?? "chat")
    .setIssuedAt()
    .setExpirationTime(options.expires ?? "5m");
  if (options.notBefore !== undefined) jwt.setNotBefore(options.notBefore);
  return jwt.sign(secretKey);
}

async function userFile(): Promise<{ path: string; remove(): void }> {
  const dir = mkdtempSync(join(tmpdir(), "tether-users-"));
  const path = join(dir, "users.json");
  writeFileSync(
    path,
    JSON.stringify({
      users: [
        { username: "alice", password: await hashPassword("wonderland"), scopes: ["chat"] },
        { username: "bob", password: await hashPassword("builder"), scopes: ["read"] },
      ],
    }),
  );
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

test("hashPassword: salted scrypt hashes, never the password", async () => {
  const first = await hashPassword("secret");
  const second = await hashPassword("secret");
  assert.match(first, /^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
  assert.notEqual(first, second);
  assert.ok(!first.includes("secret"));
  await assert.rejects(hashPassword(""), TypeError);
});

for (const engine of ENGINES) {
  test(`auth on ${engine}: Basic against a user file - 401, 403 and success`, async () => {
    const users = await userFile();
    const { listener, seen, upgrade } = await guarded(engine, {
      auth: [{ fileUserStoreConfig: { path: users.path }, scopes: ["chat"] }],
    });
    try {
      const missing = await upgrade();
      assert.equal(missing.status, 401);
      assert.equal(
        missing.headers.get("www-authenticate"),
        'Basic realm="websocket", charset="UTF-8"',
      );
      assert.equal((await upgrade({ Authorization: basic("alice", "wrong") })).status, 401);
      assert.equal((await upgrade({ Authorization: basic("mallory", "x") })).status, 401);
      assert.equal((await upgrade({ Authorization: "Basic !!!not-base64" })).status, 401);
      assert.equal((await upgrade({ Authorization: `Bearer ${await token()}` })).status, 401);
      const forbidden = await upgrade({ Authorization: basic("bob", "builder") });
      assert.equal(forbidden.status, 403);
      assert.ok(!forbidden.body.includes("builder"));
      assert.equal(seen.length, 0, "the upgrade function ran for a refused request");
      assert.equal((await upgrade({ Authorization: basic("alice", "wonderland") })).status, 101);
      assert.deepEqual(seen, [{ scheme: "Basic", subject: "alice", scopes: ["chat"] }]);

      const client = await within(
        Client.connect(`ws://127.0.0.1:${listener.port}/secure`, {
          customHeaders: { Authorization: basic("alice", "wonderland") },
        }),
        "an authenticated client",
      );
      await client.writeTextMessage("let me in");
      assert.equal(await within(client.readTextMessage(), "echo"), "let me in");
      await client.close();
    } finally {
      await listener.immediateStop();
      users.remove();
    }
  });

  test(`auth on ${engine}: JWTs are checked for signature, issuer, audience, time and scope`, async () => {
    const { listener, seen, upgrade } = await guarded(engine, {
      auth: [{
        jwtValidatorConfig: {
          issuer: "https://issuer.test",
          audience: "chat",
          clockSkew: 60,
          signatureConfig: { secret: SECRET },
        },
        scopes: ["chat"],
      }],
    });
    const bearer = async (value: Promise<string> | string) => ({
      Authorization: `Bearer ${await value}`,
    });
    try {
      const now = Math.floor(Date.now() / 1000);
      const refused = [
        await token({}, { expires: now - 120 }),
        await token({}, { notBefore: now + 120 }),
        await token({}, { issuer: "https://evil.test" }),
        await token({}, { audience: "other" }),
        (await token()).slice(0, -4) + "AAAA",
        `${btoa('{"alg":"none"}')}.${btoa('{"sub":"x","scope":"chat"}')}.`.replaceAll("=", ""),
        await new SignJWT({ scope: "chat" }).setProtectedHeader({ alg: "HS256" })
          .setIssuer("https://issuer.test").setAudience("chat").setExpirationTime("5m")
          .sign(new TextEncoder().encode("another secret of enough length")),
      ];
      for (const jwt of refused) {
        const response = await upgrade(await bearer(jwt));
        assert.equal(response.status, 401, jwt);
        assert.equal(
          response.headers.get("www-authenticate"),
          'Bearer realm="websocket", error="invalid_token"',
        );
      }
      const noScope = await upgrade(await bearer(token({ scope: "read" })));
      assert.equal(noScope.status, 403);
      assert.equal(
        noScope.headers.get("www-authenticate"),
        'Bearer realm="websocket", error="insufficient_scope"',
      );
      // Within the clock skew, an expired token still passes.
      assert.equal((await upgrade(await bearer(token({}, { expires: now - 30 })))).status, 101);
      assert.equal((await upgrade(await bearer(token({ scope: ["chat"] })))).status, 101);
      assert.equal(seen.length, 2);
      assert.equal(seen[0]?.subject, "ada");
      assert.deepEqual(seen[0]?.scopes, ["chat", "read"]);
      assert.equal(seen[0]?.claims?.iss, "https://issuer.test");
    } finally {
      await listener.immediateStop();
    }
  });

  test(`auth on ${engine}: allowedOrigins refuses other origins with 403 before any service code`, async () => {
    const { listener, seen, upgrade } = await guarded(engine, {
      allowedOrigins: ["https://app.example", "http://localhost:8080"],
    });
    try {
      assert.equal((await upgrade({ Origin: "https://evil.example" })).status, 403);
      assert.equal((await upgrade({ Origin: "null" })).status, 403);
      assert.equal((await upgrade()).status, 403);
      assert.equal(seen.length, 0);
      assert.equal((await upgrade({ Origin: "https://app.example" })).status, 101);
      assert.equal((await upgrade({ Origin: "HTTP://LOCALHOST:8080" })).status, 101);
    } finally {
      await listener.immediateStop();
    }
  });
}

test("auth: public keys, certificates and JWKS URLs verify asymmetric tokens; configs try in order", async () => {
  const { publicKey, privateKey } = await generateKeyPair("ES256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "key-1", alg: "ES256" };
  const jwks = createServer((_request, response) => {
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", () => resolve()));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  const users = await userFile();
  const signed = (kid: string) =>
    new SignJWT({ scope: "chat" }).setProtectedHeader({ alg: "ES256", kid }).setSubject("kim")
      .setExpirationTime("5m").sign(privateKey);
  // The test certificate of `npm test` and its key, by file path.
  const certs = process.env.TETHER_TEST_CERTS;
  if (!certs) throw new Error("TETHER_TEST_CERTS is not set: run the tests with `npm test`");
  const certificateKey = await importPKCS8(readFileSync(`${certs}/server.key`, "utf8"), "ES256");
  const configs: [string, ListenerAuthConfig, Promise<string>][] = [
    [
      "publicKey",
      { jwtValidatorConfig: { signatureConfig: { publicKey: await exportSPKI(publicKey) } } },
      signed("key-1"),
    ],
    ["jwksUrl", { jwtValidatorConfig: { signatureConfig: { jwksUrl } } }, signed("key-1")],
    [
      "certificate",
      { jwtValidatorConfig: { signatureConfig: { certificate: `${certs}/server.pem` } } },
      new SignJWT({ scope: "chat" }).setProtectedHeader({ alg: "ES256" }).setExpirationTime("5m")
        .sign(certificateKey),
    ],
  ];
  try {
    for (const [name, config, jwt] of configs) {
      const { listener, upgrade } = await guarded(ENGINES[0], {
        auth: [{ fileUserStoreConfig: { path: users.path } }, config],
      });
      try {
        const response = await upgrade({ Authorization: `Bearer ${await jwt}` });
        assert.equal(response.status, 101, name);
        assert.equal((await upgrade({ Authorization: basic("bob", "builder") })).status, 101);
        const both = (await upgrade()).headers.get("www-authenticate");
        assert.equal(both, 'Basic realm="websocket", charset="UTF-8", Bearer realm="websocket"');
      } finally {
        await listener.immediateStop();
      }
    }
  } finally {
    users.remove();
    await new Promise((resolve) => jwks.close(resolve));
  }
});

test("auth: a JWKS is fetched again for an unknown kid, at most once per jwksCooldown", async () => {
  const keys = await Promise.all(["key-1", "key-2", "key-3"].map(async (kid) => {
    const pair = await generateKeyPair("ES256", { extractable: true });
    return { kid, ...pair, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: "ES256" } };
  }));
  const published = [keys[0].jwk];
  let fetches = 0;
  const jwks = createServer((_request, response) => {
    fetches++;
    response.setHeader("content-type", "application/json");
    response.end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", () => resolve()));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  const bearer = async (index: number) => ({
    Authorization: `Bearer ${await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: keys[index].kid })
      .setSubject("kim")
      .setExpirationTime("5m")
      .sign(keys[index].privateKey)}`,
  });
  const { listener, upgrade } = await guarded(ENGINES[0], {
    auth: [{ jwtValidatorConfig: { signatureConfig: { jwksUrl, jwksCooldown: 0 } } }],
  });
  try {
    assert.equal((await upgrade(await bearer(0))).status, 101);
    assert.equal(fetches, 1);
    published.push(keys[1].jwk);
    assert.equal((await upgrade(await bearer(1))).status, 101, "a key added after the first fetch");
    assert.equal(fetches, 2);
    assert.equal((await upgrade(await bearer(0))).status, 101);
    assert.equal(fetches, 2, "a known kid is served from the cache");
    assert.equal((await upgrade(await bearer(2))).status, 401, "a key never published");
    assert.equal(fetches, 3);
  } finally {
    await listener.immediateStop();
    await new Promise((resolve) => jwks.close(resolve));
  }
});

test("auth: bad auth and origin settings are refused when the service is attached", async () => {
  const users = await userFile();
  const broken = join(users.path, "..", "broken.json");
  writeFileSync(broken, JSON.stringify({ users: [{ username: "x", password: "plain text" }] }));
  const listener = new Listener(0, { host: "127.0.0.1" });
  const cases: [ServiceConfig, RegExp][] = [
    [{ auth: [] }, /non-empty array/],
    [{ auth: [{ fileUserStoreConfig: { path: "/no/such/file.json" } }] }, /no\/such\/file/],
    [{ auth: [{ fileUserStoreConfig: { path: broken } }] }, /not a hash made by hashPassword/],
    [{ auth: [{ jwtValidatorConfig: { signatureConfig: {} } }] }, /exactly one of/],
    [{ auth: [{ jwtValidatorConfig: { signatureConfig: { secret: "short" } } }] }, /at least 16/],
    [
      {
        auth: [{
          jwtValidatorConfig: {
            signatureConfig: { publicKey: "-----BEGIN PUBLIC KEY-----\nnope" },
          },
        }],
      },
      /not a usable PEM/,
    ],
    [{ auth: [{ scopes: ["x"] } as unknown as ListenerAuthConfig] }, /needs fileUserStoreConfig/],
    [{ allowedOrigins: ["app.example"] }, /not an origin/],
    [{ allowedOrigins: ["https://app.example/path"] }, /not an origin/],
  ];
  try {
    for (const [config, message] of cases) {
      assert.throws(() => listener.attach("/x", { onTextMessage: () => {} }, config), message);
    }
  } finally {
    users.remove();
  }
});
