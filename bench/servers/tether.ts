// Our listener echoing on /ws, for the load generator: ENGINE=bun|frames|deno, PORT.
import { type EngineName, Listener } from "../../mod.ts";

// Deno.env on Deno, so that this server loads no Node.js layer there, as the baselines do not.
const env = (name: string): string | undefined =>
  "Deno" in globalThis ? Deno.env.get(name) : process.env[name];

const listener = new Listener(Number(env("PORT") ?? 0), {
  host: "127.0.0.1",
  engine: env("ENGINE") as EngineName,
  // Every baseline runs uncompressed, so this one does too.
  webSocketCompressionEnabled: false,
});
listener.attach("/ws", {
  onTextMessage: (_caller: unknown, text: string) => text,
  onBinaryMessage: (_caller: unknown, data: Uint8Array) => data,
}, { maxFrameSize: 1 << 20, maxMessageSize: 1 << 20 });
await listener.start();
console.log(`READY ${listener.port}`);
