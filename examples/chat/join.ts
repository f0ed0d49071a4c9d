/**
 * Joins a chat room from a terminal: each line typed is said in the room, and what the room
 * says is printed.
 *
 *   deno run -A examples/chat/join.ts lobby dan
 *   bun examples/chat/join.ts lobby dan
 *
 * With `--login basic` on the server, set USER_NAME and PASSWORD; with `--login jwt`, TOKEN.
 */
import process from "node:process";
import { createInterface } from "node:readline";
import { Client, type ClientAuthConfig } from "../../mod.ts";

const [room = "lobby", name = "terminal"] = process.argv.slice(2);
const { USER_NAME, PASSWORD, TOKEN, PORT = "9090" } = process.env;
const auth: ClientAuthConfig | undefined = TOKEN
  ? { token: TOKEN }
  : USER_NAME && PASSWORD
  ? { username: USER_NAME, password: PASSWORD }
  : undefined;

const client = await Client.connect(`ws://localhost:${PORT}/chat/${room}`, { auth });
await client.writeMessage({ type: "join", name, id: 1 });

const lines = createInterface({ input: process.stdin });
lines.on("line", (text) => {
  if (text.trim() !== "") client.writeMessage({ type: "chat", text }).catch(() => {});
});

try {
  for await (const message of client) console.log(message);
} catch (error) {
  console.error(`connection lost: ${(error as Error).message}`);
}
lines.close();
process.exit(0);
