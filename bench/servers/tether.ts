// Our listener echoing on /ws, for the load generator: ENGINE=bun|frames|deno, PORT.
import process from "node:process";
import { type EngineName, Listener } from "../../mod.ts";

const listener = new Listener(Number(process.env.PORT ?? 0), {
  host: "127.0.0.1",
  engine: process.env.ENGINE as EngineName,
  // Every baseline runs uncompressed, so this one does too.
  webSocketCompressionEnabled: false,
});
listener.attach("/ws", {
  onTextMessage: (_caller: unknown, text: string) => text,
  onBinaryMessage: (_caller: unknown, data: Uint8Array) => data,
}, { maxFrameSize: 1 << 20, maxMessageSize: 1 << 20 });
await listener.start();
console.log(`READY ${listener.port}`);
