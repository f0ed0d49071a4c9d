import { test } from "node:test";
import assert from "node:assert/strict";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { Client, type LdapUserStoreConfig, Listener } from "../mod.ts";
import { GROUPS, PEOPLE, READER, startSlapd } from "./ldap-server.ts";
import { ENGINES, guarded, within } from "./net-support.ts";

const basic = (user: string, password: string) => ({
  Authorization: `Basic ${btoa(`${user}:${password}`)}`,
});

for (const engine of ENGINES) {
  test(`ldap on ${engine}: search then bind, groups as scopes, 401 and 403`, async () => {
    const slapd = await startSlapd();
    const store: LdapUserStoreConfig = {
      connectionUrl: slapd.url,
      connectionName: READER.dn,
      connectionPassword: READER.password,
      userSearchBase: PEOPLE,
      userEntryObjectClass: "inetOrgPerson",
      groupSearchBase: [GROUPS],
    };
    const { listener, seen, upgrade } = await guarded(engine, {
      auth: [{ ldapUserStoreConfig: store, scopes: ["chat"] }],
    });
    try {
      assert.equal((await upgrade()).status, 401);
      assert.equal((await upgrade(basic("alice", "wrong"))).status, 401);
      assert.equal((await upgrade(basic("alice", ""))).status, 401);
      assert.equal((await upgrade(basic("mallory", "wonderland"))).status, 401);
      assert.equal((await upgrade(basic("bob", "builder"))).status, 403);
      assert.equal(seen.length, 0);
      assert.equal((await upgrade(basic("alice", "wonderland"))).status, 101);
      assert.deepEqual(seen[0]?.subject, "alice");
      assert.deepEqual(seen[0]?.scopes.toSorted(), ["chat", "readers"]);

      const client = await within(
        Client.connect(`ws://127.0.0.1:${listener.port}/secure`, {
          auth: { username: "alice", password: "wonderland" },
        }),
        "a client authenticated by the directory",
      );
      await client.writeTextMessage("from LDAP");
      assert.equal(await within(client.readTextMessage(), "echo"), "from LDAP");
      await within(client.close(), "close");
    } finally {
      await listener.immediateStop();
      await slapd.stop();
    }
  });

  test(`ldap on ${engine}: user names cannot widen a search or change a DN`, async () => {
    const slapd = await startSlapd();
    const searched = await guarded(engine, {
      auth: [{
        ldapUserStoreConfig: { connectionUrl: slapd.url, userSearchBase: PEOPLE },
      }],
    });
    const direct = await guarded(engine, {
      auth: [{
        ldapUserStoreConfig: {
          connectionUrl: slapd.url,
          userSearchBase: PEOPLE,
          bindDirectly: true,
        },
      }],
    });
    try {
      for (const { upgrade } of [searched, direct]) {
        assert.equal((await upgrade(basic("alice", "wonderland"))).status, 101);
        for (
          const name of [
            "al*",
            "*",
            "alice)(uid=*",
            "alice)(|(uid=*",
            "alice\\2a",
            "alice,ou=people",
          ]
        ) {
          assert.equal((await upgrade(basic(name, "wonderland"))).status, 401, name);
        }
      }
      assert.deepEqual(searched.seen[0]?.scopes, []);
    } finally {
      await searched.listener.immediateStop();
      await direct.listener.immediateStop();
      await slapd.stop();
    }
  });
}

test("ldap: an unreachable or silent directory refuses with 401 within its timeouts, logging no credentials", async () => {
  const held: Socket[] = [];
  const silent = createServer((socket) => held.push(socket));
  await within(new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve)), "listen");
  const silentUrl = `ldap://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  const { listener, upgrade } = await guarded(ENGINES[0], {
    auth: [
      {
        ldapUserStoreConfig: { connectionUrl: silentUrl, userSearchBase: PEOPLE, readTimeout: 0.2 },
      },
      {
        ldapUserStoreConfig: {
          connectionUrl: "ldap://127.0.0.1:1",
          userSearchBase: PEOPLE,
          connectionTimeout: 0.2,
        },
      },
    ],
  });
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (message: string) => void warnings.push(message);
  try {
    assert.equal((await within(upgrade(basic("alice", "wonderland")), "a refusal")).status, 401);
  } finally {
    console.warn = warn;
    await listener.immediateStop();
    for (const socket of held) socket.destroy();
    silent.close();
  }
  assert.equal(warnings.length, 2);
  for (const warning of warnings) {
    assert.match(warning, /^\[tether\] LDAP user store ldap:\/\/127\.0\.0\.1:\d+: ./);
    assert.ok(!warning.includes("wonderland") && !warning.includes("alice"), warning);
  }
});

test("ldap: bad settings are refused when the service is attached", () => {
  const listener = new Listener(0);
  const bad: [unknown, RegExp][] = [
    [{ connectionUrl: "http://x", userSearchBase: PEOPLE }, /ldap:\/\/ or ldaps:\/\//],
    [{ connectionUrl: "ldap://x" }, /userSearchBase must be/],
    [
      { connectionUrl: "ldap://x", userSearchBase: PEOPLE, connectionName: READER.dn },
      /go together/,
    ],
    [{ connectionUrl: "ldap://x", userSearchBase: PEOPLE, readTimeout: 0 }, /readTimeout must be/],
    [
      { connectionUrl: "ldap://x", userSearchBase: PEOPLE, groupSearchBase: GROUPS },
      /groupSearchBase must be an array/,
    ],
  ];
  for (const [config, message] of bad) {
    assert.throws(
      () =>
        listener.attach("/x", { onTextMessage: () => {} }, {
          auth: [{ ldapUserStoreConfig: config as LdapUserStoreConfig }],
        }),
      message,
    );
  }
});
