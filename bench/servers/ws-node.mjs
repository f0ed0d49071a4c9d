// Baseline: the ws package on Node.js, the library most users would pick instead. PORT.
import { createRequire } from "node:module";

const { WebSocketServer } = createRequire(import.meta.url)("../../node_modules/ws/index.js");
const server = new WebSocketServer({
  host: "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  maxPayload: 1 << 20,
});
server.on("connection", (socket) => {
  socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
});
server.on("listening", () => console.log(`READY ${server.address().port}`));
