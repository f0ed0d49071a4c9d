/**
 * Runs the chat demo: `npm start`, `deno task start` or `bun run start`, then open the URL it
 * prints. `--login basic` or `--login jwt` asks for a login; `PORT` changes the port (9090).
 * Ctrl-C closes every connection with 1001 Going Away before the process ends.
 */
import process from "node:process";
import { type Login, startChat } from "./chat.ts";

function loginFlag(args: string[]): Login {
  const at = args.findIndex((arg) => arg === "--login" || arg.startsWith("--login="));
  if (at === -1) return "none";
  const value = args[at].includes("=") ? args[at].slice("--login=".length) : args[at + 1];
  if (value === "basic" || value === "jwt") return value;
  console.error(`--login takes basic or jwt, got ${value ?? "nothing"}`);
  process.exit(2);
}

const login = loginFlag(process.argv.slice(2));
const port = Number(process.env.PORT ?? 9090);
const chat = await startChat({ port, login }).catch((error: Error) => {
  console.error(`the chat cannot start: ${error.message}`);
  console.error("another port can be chosen with PORT=9091");
  process.exit(1);
});
const runtime = "Bun" in globalThis ? "Bun" : "Deno";
console.log(`tether chat on ${runtime} (${chat.listener.engine} engine): open ${chat.url}`);
for (const { name, password } of chat.users) console.log(`  log in as ${name} / ${password}`);
for (const [name, token] of Object.entries(chat.tokens)) {
  console.log(`  token for ${name}: ${token}`);
}
console.log("Ctrl-C stops it.");

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  console.log("\nstopping: every client is told 1001 Going Away");
  await chat.stop();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
