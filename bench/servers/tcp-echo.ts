// Baseline: a raw TCP echo on Deno.listen or Bun.listen - the ceiling for a server written
// in TypeScript on that runtime. The load generator runs it in raw mode. PORT.
import process from "node:process";

declare const Bun: {
  listen(options: unknown): { port: number };
} | undefined;

const port = Number(process.env.PORT ?? 0);
if (typeof Bun !== "undefined") {
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(socket: { write(data: Uint8Array): number }, data: Uint8Array) {
        socket.write(data);
      },
    },
  });
  console.log(`READY ${server.port}`);
} else {
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  console.log(`READY ${listener.addr.port}`);
  for await (const conn of listener) {
    conn.setNoDelay(true);
    (async () => {
      const buffer = new Uint8Array(64 * 1024);
      try {
        for (;;) {
          const read = await conn.read(buffer);
          if (read === null) break;
          await conn.write(buffer.subarray(0, read));
        }
      } catch {
        // The load generator hung up.
      }
      conn.close();
    })();
  }
}
