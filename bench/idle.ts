/**
 * Memory per idle connection: opens N WebSocket connections (or, with `--raw`, plain TCP
 * connections) to a server in another process, lets them sit, and reports how much the
 * server's resident size grew per connection.
 *
 *   bun bench/idle.ts --port 9090 --server-pid PID --connections 10000 [--raw]
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { option } from "./option.ts";

const port = Number(option("port", "9090"));
const pid = Number(option("server-pid", "0"));
const connections = Number(option("connections", "10000"));
const raw = process.argv.includes("--raw");
const BATCH = 250;

interface BunSocket {
  write(data: string): number;
  end(): void;
}
declare const Bun: {
  connect(options: {
    hostname: string;
    port: number;
    socket: {
      open(socket: BunSocket): void;
      data(socket: BunSocket, chunk: Uint8Array): void;
      error(socket: BunSocket, error: Error): void;
    };
  }): Promise<BunSocket>;
};

function residentBytes(): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

const handshake = `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
  "Sec-WebSocket-Version: 13\r\n\r\n";

function open(): Promise<BunSocket> {
  return new Promise((resolve, reject) => {
    let head = "";
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(socket) {
          if (raw) resolve(socket);
          else socket.write(handshake);
        },
        data(socket, chunk) {
          head += new TextDecoder().decode(chunk);
          if (head.includes("\r\n\r\n")) {
            if (head.startsWith("HTTP/1.1 101")) resolve(socket);
            else reject(new Error(head.split("\r\n")[0]));
          }
        },
        error: (_socket, error) => reject(error),
      },
    }).catch(reject);
  });
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 2000));
await settle();
const before = residentBytes();
const sockets: BunSocket[] = [];
for (let opened = 0; opened < connections; opened += BATCH) {
  sockets.push(
    ...await Promise.all(Array.from({ length: Math.min(BATCH, connections - opened) }, open)),
  );
}
await settle();
const after = residentBytes();
for (const socket of sockets) socket.end();
console.log(
  "RESULT " + JSON.stringify({ before, after, perConnection: (after - before) / connections }),
);
process.exit(0);
