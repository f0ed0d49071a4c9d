import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { Client, type ClientConfiguration, InvalidHandshakeError } from "../mod.ts";
import { type RunningChat, startChat } from "../examples/chat/chat.ts";
import { deferred, within } from "./net-support.ts";

function connect(chat: RunningChat, room: string, config: ClientConfiguration = {}) {
  return within(
    Client.connect(`ws://127.0.0.1:${chat.listener.port}/chat/${room}`, config),
    "connect to the chat",
  );
}

const read = (client: Client) => within(client.readMessage("json"), "a reply");

function refusedWith401(error: unknown): boolean {
  assert.ok(error instanceof InvalidHandshakeError);
  assert.equal(error.response?.status, 401);
  return true;
}

test("chat demo: joins, acknowledges by id, refuses bad messages and keeps going", async () => {
  const chat = await startChat({ port: 0 });
  try {
    const ann = await connect(chat, "kitchen");
    await ann.writeMessage({ type: "chat", text: "too early", id: "a" });
    assert.deepEqual(await read(ann), { id: "a", type: "error", message: "join first" });
    await ann.writeMessage({ type: "join", name: "", id: 1 });
    const refused = await read(ann) as { type: string; message: string };
    assert.equal(refused.type, "error");
    assert.match(refused.message, /name/);
    await ann.writeMessage({ type: "join", name: "ann", id: 2 });
    assert.deepEqual(await read(ann), {
      id: 2,
      type: "welcome",
      room: "kitchen",
      name: "ann",
      members: ["ann"],
    });

    const bob = await connect(chat, "kitchen");
    await bob.writeMessage({ type: "join", name: "ann" });
    assert.deepEqual(await read(bob), { type: "error", message: "ann is taken" });
    await bob.writeMessage({ type: "join", name: "bob" });
    assert.equal((await read(bob) as { type: string }).type, "welcome");
    assert.deepEqual(await read(ann), { type: "joined", name: "bob" });

    await bob.writeMessage({ type: "typing" });
    assert.deepEqual(await read(ann), { type: "typing", name: "bob" });
    await bob.writeMessage({ type: "chat", text: "hello", id: 7 });
    const sent = await read(bob) as { id: number; type: string };
    assert.deepEqual([sent.id, sent.type], [7, "sent"]);
    const said = await read(ann) as { type: string; name: string; text: string };
    assert.deepEqual([said.type, said.name, said.text], ["chat", "bob", "hello"]);

    await bob.writeMessage({ type: "leave", id: { not: "an id" } });
    assert.equal((await read(bob) as { type: string }).type, "error");
    await bob.writeMessage({ type: "leave", id: 8 });
    await assert.rejects(
      within(bob.readMessage(), "the close"),
      /left the room: Status code: 1000/,
    );
    assert.deepEqual(await read(ann), { type: "left", name: "bob" });
    await chat.stop();
    await assert.rejects(within(ann.readMessage(), "the close"), /Status code: 1001/);
  } finally {
    await chat.stop();
  }
});

test("chat demo: a peer that answers the heartbeat stays, one that does not is closed", async () => {
  const chat = await startChat({ port: 0, heartbeat: 0.2 });
  try {
    const pinged = { count: 0, thrice: deferred() };
    const lively = await connect(chat, "porch", {
      pingPongHandler: {
        onPing: (_client, data) => {
          if (++pinged.count === 3) pinged.thrice.resolve();
          return data;
        },
      },
    });
    const silent = await connect(chat, "porch", { pingPongHandler: { onPing: () => undefined } });
    await assert.rejects(
      within(silent.readMessage(), "the heartbeat's close"),
      /no answer to the heartbeat: Status code: 1008/,
    );
    await within(pinged.thrice.promise, "three heartbeats");
    assert.equal(lively.isOpen(), true);
    await lively.close();
  } finally {
    await chat.stop();
  }
});

test("chat demo: Basic login names the member after the account", async () => {
  const chat = await startChat({ port: 0, login: "basic" });
  try {
    const page = await within(fetch(chat.url.replace("localhost", "127.0.0.1")), "the page");
    assert.equal(page.status, 401);
    assert.match(page.headers.get("www-authenticate") ?? "", /^Basic realm=/);
    await page.body?.cancel();
    await assert.rejects(connect(chat, "hall"), refusedWith401);
    const [alice] = chat.users;
    const member = await connect(chat, "hall", {
      auth: { username: alice.name, password: alice.password },
    });
    await member.writeMessage({ type: "join", name: "someone else" });
    assert.equal((await read(member) as { name: string }).name, "alice");
    await member.close();
  } finally {
    await chat.stop();
  }
});

test("chat demo: JWT login takes the printed token and refuses others", async () => {
  const chat = await startChat({ port: 0, login: "jwt" });
  try {
    await assert.rejects(connect(chat, "hall", { auth: { token: "not.a.token" } }), refusedWith401);
    const member = await connect(chat, "hall", { auth: { token: chat.tokens.bob } });
    await member.writeMessage({ type: "join" });
    assert.equal((await read(member) as { name: string }).name, "bob");
    await member.close();
  } finally {
    await chat.stop();
  }
});

test("chat demo: Ctrl-C in its terminal closes every connection with 1001, then it exits", {
  timeout: 30_000,
}, async () => {
  const onBun = "Bun" in globalThis;
  const demo = spawn(process.execPath, [
    ...(onBun ? [] : ["run", "--allow-net", "--allow-env", "--allow-read", "--allow-sys"]),
    "examples/chat/main.ts",
  ], { cwd: new URL("..", import.meta.url), env: { ...process.env, PORT: "0" } });
  try {
    let printed = "";
    const url = await within(
      new Promise<string>((resolve) => {
        demo.stdout.setEncoding("utf8");
        demo.stdout.on("data", (chunk: string) => {
          printed += chunk;
          const address = /open (http:\/\/\S+)/.exec(printed);
          if (address) resolve(address[1]);
        });
      }),
      "the demo's address",
      20_000,
    );
    const port = new URL(url).port;
    const client = await within(
      Client.connect(`ws://127.0.0.1:${port}/chat/lobby`),
      "connect to the demo",
    );
    await client.writeMessage({ type: "join", name: "ann" });
    assert.equal((await read(client) as { type: string }).type, "welcome");
    const exited = new Promise<number | null>((resolve) => demo.on("close", resolve));
    // As the terminal does; Deno's ChildProcess.kill would report the exit as that signal.
    process.kill(demo.pid!, "SIGINT");
    await assert.rejects(within(client.readMessage(), "the close"), /Status code: 1001/);
    assert.equal(await within(exited, "the demo's exit"), 0);
    assert.match(printed, /every client is told 1001 Going Away/);
  } finally {
    demo.kill("SIGKILL");
  }
});
