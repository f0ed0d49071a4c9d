import { bunRuntime, type BunSocket } from "../../../connection/bun-api.ts";
import { BunByteSocket } from "../../../connection/bun-socket.ts";
import type { ByteSocket } from "../../../connection/byte-socket.ts";
import { DenoByteSocket } from "../../../connection/deno-socket.ts";
import { NodeByteSocket } from "../../../connection/node-socket.ts";
import { WEBSOCKET_GUID } from "../../../frame/handshake.ts";
import { serverTlsOptions, type ServerTlsSettings } from "../../../connection/tls-settings.ts";

/** The `Sec-WebSocket-Accept` value for a client's key, as a runtime computes it best. */
export type AcceptKey = (key: string) => string | Promise<string>;

/**
 * Bun hashes the key synchronously: no promise and no buffers per handshake, which leaves
 * less garbage behind each connection accepted.
 */
export const acceptKeyBun: AcceptKey = (key) =>
  bunRuntime().SHA1.hash(key + WEBSOCKET_GUID, "base64");

/** A listening TCP socket that hands each accepted connection over as a {@link ByteSocket}. */
export interface SocketServer {
  readonly port: number;
  close(): void;
}

/** Listens on `host:port`; fails when the address is taken. */
export type SocketListen = (
  address: { host: string; port: number },
  onSocket: (socket: ByteSocket) => void,
) => SocketServer | Promise<SocketServer>;

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

/**
 * A `node:tls` server as a {@link SocketListen}, on Deno and Bun alike: unlike
 * `Deno.listenTls` it verifies client certificates, and it bounds the handshake.
 */
export function listenNodeTls(tls: ServerTlsSettings): SocketListen {
  return async ({ host, port }, onSocket) => {
    const { createServer } = await import("node:tls");
    const server = createServer({
      ...serverTlsOptions(tls),
      minVersion: tls.minVersion,
      maxVersion: tls.maxVersion,
      handshakeTimeout: tls.handshakeTimeoutMs || undefined,
    }, (socket) => {
      // OPTIONAL lets a client without a certificate in, not one whose certificate fails.
      const presented = socket.getPeerCertificate().raw !== undefined;
      if (tls.verifyClient === "OPTIONAL" && presented && !socket.authorized) {
        socket.destroy();
        return;
      }
      onSocket(new NodeByteSocket(socket, true));
    });
    // A client that fails its handshake (or runs out of time) is dropped; the listener
    // itself is not concerned.
    server.on("tlsClientError", (_error, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    return {
      port: typeof address === "object" && address !== null ? address.port : port,
      close: () => server.close(),
    };
  };
}
