// `npm start` and `bun run start`: runs the chat demo on Deno under npm and on Bun under
// `bun run`, with the pinned runtime, passing on any arguments (`npm start -- --login basic`).
// Signals are passed on (Ctrl-C also reaches the demo directly; it stops once either way).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const onBun = (process.env.npm_config_user_agent ?? "").startsWith("bun");
const name = onBun ? "bun" : "deno";
const pinned = `${root}node_modules/.bin/${name}`;
const command = existsSync(pinned) ? pinned : name;
const permissions = ["--allow-net", "--allow-env", "--allow-read", "--allow-write", "--allow-sys"];
const args = [
  ...(onBun ? [] : ["run", ...permissions]),
  "examples/chat/main.ts",
  ...process.argv.slice(2),
];

const demo = spawn(command, args, { cwd: root, stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => demo.kill(signal));
demo.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
