import { bunRuntime, type BunSocket } from "../../../connection/bun-api.ts";
import { BunByteSocket } from "../../../connection/bun-socket.ts";
import type { ByteSocket } from "../../../connection/byte-socket.ts";
import { DenoByteSocket } from "../../../connection/deno-socket.ts";

/** A listening TCP socket that hands each accepted connection over as a {@link ByteSocket}. */
export interface SocketServer {
  readonly port: number;
  close(): void;
}

/** Listens on `host:port`; throws when the address is taken. */
export type SocketListen = (
  address: { host: string; port: number },
  onSocket: (socket: ByteSocket) => void,
) => SocketServer;

/** `Deno.listen` as a {@link SocketListen}. */
export const listenDeno: SocketListen = ({ host, port }, onSocket) => {
  const listener = Deno.listen({ hostname: host, port, transport: "tcp" });
  (async () => {
    for await (const conn of listener) {
      conn.setNoDelay(true);
      onSocket(new DenoByteSocket(conn, false));
    }
  })().catch(() => {
    // The listener was closed; accepting ends here.
  });
  return {
    port: listener.addr.port,
    close: () => {
      try {
        listener.close();
      } catch {
        // Already closed.
      }
    },
  };
};

/** `Bun.listen` as a {@link SocketListen}. */
export const listenBun: SocketListen = ({ host, port }, onSocket) => {
  const adapter = (socket: BunSocket) => socket.data as BunByteSocket;
  const server = bunRuntime().listen({
    hostname: host,
    port,
    binaryType: "uint8array",
    socket: {
      open(socket) {
        socket.setNoDelay(true);
        const byteSocket = new BunByteSocket(socket, false);
        socket.data = byteSocket;
        onSocket(byteSocket);
      },
      data: (socket, chunk) => adapter(socket).onData(chunk),
      drain: (socket) => adapter(socket).onDrain(),
      close: (socket) => adapter(socket).onClose(),
      error: (socket) => adapter(socket).onClose(),
    },
  });
  // stop(false) only stops accepting; sockets already open live on.
  return { port: server.port, close: () => server.stop(false) };
};
