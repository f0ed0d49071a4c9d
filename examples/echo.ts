/**
 * An echo service on /ws: every text and binary message goes back unchanged.
 *
 *   PORT=9090 ENGINE=frames deno run -A examples/echo.ts
 *   PORT=9090 ENGINE=bun bun examples/echo.ts
 */
import { type EngineName, Listener } from "../mod.ts";

const env = (name: string): string | undefined =>
  (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env[name];

const port = Number(env("PORT") ?? 9090);
const engine = env("ENGINE") as EngineName | undefined;

const listener = new Listener(port, { engine });
listener.attach("/ws", () => ({
  onTextMessage: (_caller, text: string) => text,
  onBinaryMessage: (_caller, data: Uint8Array) => data,
}));
await listener.start();
console.log(`echo service on ws://localhost:${listener.port}/ws (${listener.engine} engine)`);

const stop = () => {
  console.log("stopping: closing every connection with 1001");
  listener.gracefulStop().then(() =>
    (globalThis as { process?: { exit(code: number): void } }).process?.exit(0)
  );
};
const signals = globalThis as { process?: { on(signal: string, handler: () => void): void } };
signals.process?.on("SIGINT", stop);
signals.process?.on("SIGTERM", stop);
