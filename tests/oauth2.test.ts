import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeJwt, SignJWT } from "jose";
import { AuthError, Client, type ClientAuthConfig, type ServiceConfig } from "../mod.ts";
import { readFileSync } from "node:fs";
import { ENGINES, guarded, RawServer, testCertificates, within } from "./net-support.ts";
import {
  APP,
  ASSERTION_AUDIENCE,
  ASSERTION_KEY,
  SERVICE,
  startOAuth2Server,
} from "./oauth2-server.ts";

function introspected(url: string, scopes = ["chat"]): ServiceConfig {
  return {
    auth: [{
      oauth2IntrospectionConfig: {
        url,
        tokenTypeHint: "access_token",
        clientConfig: { auth: { username: SERVICE.id, password: SERVICE.secret } },
      },
      scopes,
    }],
  };
}

function assertion(subject: string, key = ASSERTION_KEY): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(subject)
    .setAudience(ASSERTION_AUDIENCE)
    .setExpirationTime("5m")
    .sign(new TextEncoder().encode(key));
}

/** Connects with `auth`, echoes one message, closes, and gives back who the listener saw. */
async function echoAs(port: number, auth: ClientAuthConfig): Promise<void> {
  const client = await within(
    Client.connect(`ws://127.0.0.1:${port}/secure`, { auth }),
    "an authenticated client",
  );
  await client.writeTextMessage("token accepted");
  assert.equal(await within(client.readTextMessage(), "echo"), "token accepted");
  await within(client.close(), "close");
}

for (const engine of ENGINES) {
  test(`oauth2 on ${engine}: each grant's tokens pass introspection; 401, 403 and the cache`, async () => {
    const oauth = await startOAuth2Server();
    const { listener, seen, upgrade } = await guarded(engine, introspected(oauth.introspectUrl));
    try {
      await echoAs(listener.port, {
        tokenUrl: oauth.tokenUrl,
        clientId: APP.id,
        clientSecret: APP.secret,
      });
      await echoAs(listener.port, {
        tokenUrl: oauth.tokenUrl,
        username: "alice",
        password: "wonderland",
        clientId: APP.id,
        clientSecret: APP.secret,
        credentialBearer: "POST_BODY_BEARER",
      });
      await echoAs(listener.port, {
        refreshUrl: oauth.tokenUrl,
        refreshToken: (await oauth.tokensForAlice()).refreshToken,
        clientId: APP.id,
        clientSecret: APP.secret,
      });
      await echoAs(listener.port, {
        tokenUrl: oauth.tokenUrl,
        assertion: await assertion("bob"),
        clientId: APP.id,
        clientSecret: APP.secret,
      });
      assert.deepEqual(oauth.grants, [
        "client_credentials",
        "password",
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
      ]);
      assert.deepEqual(seen.map((auth) => auth?.subject), ["chat-app", "alice", "alice", "bob"]);
      assert.deepEqual(seen[0]?.scopes, ["chat"]);
      assert.equal(seen[0]?.claims?.token_type_hint_seen, "access_token");

      // One token, two connections: the listener asks the endpoint once.
      const before = oauth.introspected.length;
      const bearer = oauth.introspected.at(-1)!;
      await echoAs(listener.port, { token: bearer });
      await echoAs(listener.port, { token: bearer });
      assert.equal(oauth.introspected.length, before);

      const refused = await upgrade({ Authorization: "Bearer not-a-token" });
      assert.equal(refused.status, 401);
      assert.equal(
        refused.headers.get("www-authenticate"),
        'Bearer realm="websocket", error="invalid_token"',
      );
      assert.equal((await upgrade()).status, 401);
    } finally {
      await listener.immediateStop();
      await oauth.stop();
    }
  });

  test(`oauth2 on ${engine}: a token without the service's scope is 403`, async () => {
    const oauth = await startOAuth2Server();
    const { listener, upgrade } = await guarded(
      engine,
      introspected(oauth.introspectUrl, ["admin"]),
    );
    try {
      await assert.rejects(
        Client.connect(`ws://127.0.0.1:${listener.port}/secure`, {
          auth: {
            tokenUrl: oauth.tokenUrl,
            clientId: APP.id,
            clientSecret: APP.secret,
            scopes: ["chat"],
          },
        }),
        (error: Error) => error.name === "InvalidHandshakeError" && /403/.test(error.message),
      );
      const token = oauth.introspected.at(-1)!;
      const forbidden = await upgrade({ Authorization: `Bearer ${token}` });
      assert.equal(forbidden.status, 403);
      assert.equal(
        forbidden.headers.get("www-authenticate"),
        'Bearer realm="websocket", error="insufficient_scope"',
      );
    } finally {
      await listener.immediateStop();
      await oauth.stop();
    }
  });
}

test("oauth2: the introspection cache keeps at most cacheSize tokens, dropping the oldest", async () => {
  const oauth = await startOAuth2Server();
  const { listener, upgrade } = await guarded(ENGINES[0], {
    auth: [{
      oauth2IntrospectionConfig: {
        url: oauth.introspectUrl,
        cacheSize: 1,
        clientConfig: { auth: { username: SERVICE.id, password: SERVICE.secret } },
      },
    }],
  });
  try {
    const [first, second] = [await oauth.tokensForAlice(), await oauth.tokensForAlice()];
    const use = async (token: string) =>
      assert.equal((await upgrade({ Authorization: `Bearer ${token}` })).status, 101);
    for (const token of [first, first, second, second, first]) await use(token.accessToken);
    assert.deepEqual(oauth.introspected, [
      first.accessToken,
      second.accessToken,
      first.accessToken,
    ]);
  } finally {
    await listener.immediateStop();
    await oauth.stop();
  }
});

test("oauth2: a failed token request is an AuthError that says why, without the secrets", async () => {
  const oauth = await startOAuth2Server();
  try {
    const cases: [ClientAuthConfig, RegExp][] = [
      [
        {
          tokenUrl: oauth.tokenUrl,
          username: "alice",
          password: "guess",
          clientId: APP.id,
          clientSecret: APP.secret,
        },
        /password request to .*\/token was refused with status 400: invalid_grant/,
      ],
      [
        { tokenUrl: oauth.tokenUrl, clientId: APP.id, clientSecret: "wrong secret" },
        /client_credentials request .* status 401: invalid_client/,
      ],
      [
        {
          tokenUrl: oauth.tokenUrl,
          assertion: await assertion("eve", "another key, long enough too"),
          clientId: APP.id,
          clientSecret: APP.secret,
        },
        /jwt-bearer request .* status 400: invalid_grant/,
      ],
      [
        { tokenUrl: "http://127.0.0.1:1/token", clientId: APP.id, clientSecret: APP.secret },
        /client_credentials request to http:\/\/127\.0\.0\.1:1\/token failed: ./,
      ],
    ];
    for (const [auth, message] of cases) {
      await assert.rejects(
        within(Client.connect("ws://127.0.0.1:1/", { auth }), "the token request to fail"),
        (error: Error) => {
          assert.ok(error instanceof AuthError, String(error));
          assert.match(error.message, message);
          assert.ok(!/guess|wrong secret|app secret/.test(error.message), error.message);
          return true;
        },
      );
    }
    await assert.rejects(
      Client.connect("ws://127.0.0.1:1/", {
        auth: { tokenUrl: "ftp://x", clientId: "a", clientSecret: "b" },
      }),
      /auth\.tokenUrl must be an http/,
    );
  } finally {
    await oauth.stop();
  }
});

/**
 * Connects with `auth` and a one-second retry interval, drops the first connection, and
 * returns the `Authorization` headers of the first and the second upgrade requests.
 */
async function authorizationAcrossReconnect(auth: ClientAuthConfig): Promise<[string, string]> {
  const server = await RawServer.start();
  try {
    const connecting = Client.connect(server.url, {
      auth,
      retryConfig: { interval: 1, maxCount: 2 },
    });
    const first = await server.next();
    const firstHeaders = await first.acceptUpgrade();
    const client = await within(connecting, "connect");
    const reading = client.readTextMessage();
    first.destroy();
    const second = await server.next();
    const secondHeaders = await second.acceptUpgrade();
    second.write(new Uint8Array([0x81, 0x02, 0x6f, 0x6b]));
    assert.equal(await within(reading, "the read to go on on the new connection"), "ok");
    client.close().catch(() => {});
    return [firstHeaders.get("authorization") ?? "", secondHeaders.get("authorization") ?? ""];
  } finally {
    await server.close();
  }
}

test("oauth2: a token still fresh is reused across reconnects", async () => {
  const oauth = await startOAuth2Server();
  try {
    const [first, second] = await authorizationAcrossReconnect({
      tokenUrl: oauth.tokenUrl,
      clientId: APP.id,
      clientSecret: APP.secret,
    });
    assert.equal(second, first);
    assert.deepEqual(oauth.grants, ["client_credentials"]);
  } finally {
    await oauth.stop();
  }
});

test("oauth2: tokens are renewed with the refresh token across reconnects", async () => {
  // Tokens live one second: by the reconnect (after one second of back-off) it is due.
  const oauth = await startOAuth2Server(1);
  try {
    const [first, second] = await authorizationAcrossReconnect({
      tokenUrl: oauth.tokenUrl,
      username: "alice",
      password: "wonderland",
      clientId: APP.id,
      clientSecret: APP.secret,
    });
    assert.match(first, /^Bearer \S+$/);
    assert.notEqual(second, first);
    assert.deepEqual(oauth.grants, ["password", "refresh_token"]);
  } finally {
    await oauth.stop();
  }
});

test("client auth: a self-issued JWT is issued afresh across reconnects once it is due", async () => {
  const [first, second] = await authorizationAcrossReconnect({
    issuer: "me",
    expTime: 1,
    signatureConfig: { secret: "a shared secret, long enough" },
  });
  const expiry = (authorization: string) => decodeJwt(authorization.replace("Bearer ", "")).exp!;
  assert.ok(expiry(second) > expiry(first));
});

test("oauth2: https endpoints signed by a CA of their own are trusted through clientConfig", async () => {
  const dir = testCertificates();
  const selfSigned = {
    cert: readFileSync(`${dir}/self-signed.pem`, "utf8"),
    key: readFileSync(`${dir}/self-signed.key`, "utf8"),
  };
  const oauth = await startOAuth2Server(3600, selfSigned);
  const trust = { secureSocket: { cert: `${dir}/self-signed.pem` } };
  const service = (clientConfig: object) => ({
    auth: [{
      oauth2IntrospectionConfig: {
        url: oauth.introspectUrl,
        clientConfig: { ...clientConfig, auth: { username: SERVICE.id, password: SERVICE.secret } },
      },
    }],
  });
  const trusting = await guarded(ENGINES[0], service(trust));
  const untrusting = await guarded(ENGINES[0], service({}));
  const grant = { tokenUrl: oauth.tokenUrl, clientId: APP.id, clientSecret: APP.secret };
  const warn = console.warn;
  const warnings: string[] = [];
  try {
    await assert.rejects(
      within(Client.connect("ws://127.0.0.1:1/", { auth: grant }), "an untrusted token endpoint"),
      (error: Error) =>
        error instanceof AuthError && /client_credentials request .* failed: ./.test(error.message),
    );
    await echoAs(trusting.listener.port, { ...grant, clientConfig: trust });
    assert.equal(trusting.seen[0]?.subject, APP.id);
    const token = oauth.introspected[0];
    console.warn = (message: string) => void warnings.push(message);
    assert.equal((await untrusting.upgrade({ Authorization: `Bearer ${token}` })).status, 401);
  } finally {
    console.warn = warn;
    await trusting.listener.immediateStop();
    await untrusting.listener.immediateStop();
    await oauth.stop();
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /OAuth2 introspection at https:\/\/127\.0\.0\.1:\d+\/introspect: ./);
});
