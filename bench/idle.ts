/**
 * Memory per idle connection: opens N WebSocket connections (or, with `--raw`, plain TCP
 * connections) to a server in another process, lets them sit, and reports how much the
 * server's resident size grew per connection: 2 s after the last one opened, and again
 * once they have sat for `--hold` seconds. The first reading still holds what the
 * handshakes left for the collector; the runtimes collect it on their own schedule while
 * the connections sit (Bun within about 20 s, Deno within about 40 s), so the second is
 * what an idle connection keeps.
 *
 *   bun bench/idle.ts --port 9090 --server-pid PID --connections 10000 [--hold 45] [--raw]
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { option } from "./option.ts";

const port = Number(option("port", "9090"));
const pid = Number(option("server-pid", "0"));
const connections = Number(option("connections", "10000"));
const holdSeconds = Number(option("hold", "45"));
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

const wait = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));
const JUST_OPENED_SECONDS = 2;
await wait(JUST_OPENED_SECONDS);
const before = residentBytes();
const sockets: BunSocket[] = [];
for (let opened = 0; opened < connections; opened += BATCH) {
  sockets.push(
    ...await Promise.all(Array.from({ length: Math.min(BATCH, connections - opened) }, open)),
  );
}
await wait(JUST_OPENED_SECONDS);
const justOpened = residentBytes();
await wait(Math.max(0, holdSeconds - JUST_OPENED_SECONDS));
const settled = residentBytes();
for (const socket of sockets) socket.end();
console.log(
  "RESULT " + JSON.stringify({
    before,
    justOpened,
    settled,
    perConnection: (settled - before) / connections,
    perConnectionJustOpened: (justOpened - before) / connections,
  }),
);
process.exit(0);
