// Baseline: Bun.serve's own WebSocket echo, no library on top. PORT.
import process from "node:process";

declare const Bun: {
  serve(options: unknown): { port: number };
};

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  fetch(request: Request, server: { upgrade(request: Request): boolean }) {
    return server.upgrade(request) ? undefined : new Response("upgrade", { status: 400 });
  },
  websocket: {
    maxPayloadLength: 1 << 20,
    message(ws: { send(data: string | Uint8Array): number }, message: string | Uint8Array) {
      ws.send(message);
    },
  },
});
console.log(`READY ${server.port}`);
