import { bunRuntime } from "../../connection/bun-api.ts";
import { BunByteSocket } from "../../connection/bun-socket.ts";
import type { ByteSocket } from "../../connection/byte-socket.ts";
import { DenoByteSocket } from "../../connection/deno-socket.ts";
import { NodeByteSocket } from "../../connection/node-socket.ts";
import type { ClientTlsSettings } from "../../connection/tls-settings.ts";
import { trustedCertificates } from "../../connection/trusted-certificates.ts";
import { ConnectionError, SslError } from "../../dispatch/errors.ts";
import type { WebSocketUrl } from "../handshake.ts";

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function unreachable(url: WebSocketUrl, error: unknown): Error {
  // Missing permission is no network trouble: retrying cannot help, so it stays as it is.
  if (
    error instanceof Error && (error.name === "NotCapable" || error.name === "PermissionDenied")
  ) {
    return error;
  }
  return new ConnectionError(`could not connect to ${url.host}: ${describe(error)}`, {
    cause: error,
  });
}

function untrusted(url: WebSocketUrl, error: unknown): SslError {
  return new SslError(`TLS handshake with ${url.host} failed: ${describe(error)}`, {
    cause: error,
  });
}

/** Opens a TCP (or, for wss, TLS) connection to the URL's host with `Deno.connect(Tls)`. */
async function dialDeno(url: WebSocketUrl): Promise<ByteSocket> {
  const address = { hostname: url.hostname, port: url.port };
  if (!url.secure) {
    let conn: Deno.TcpConn;
    try {
      conn = await Deno.connect({ ...address, transport: "tcp" });
    } catch (error) {
      throw unreachable(url, error);
    }
    conn.setNoDelay(true);
    return new DenoByteSocket(conn, false);
  }
  let conn: Deno.TlsConn;
  try {
    conn = await Deno.connectTls(address);
  } catch (error) {
    throw unreachable(url, error);
  }
  try {
    await conn.handshake();
  } catch (error) {
    conn.close();
    throw untrusted(url, error);
  }
  return new DenoByteSocket(conn, true);
}

/** Opens a TCP (or, for wss, TLS) connection to the URL's host with `Bun.connect`. */
function dialBun(url: WebSocketUrl): Promise<ByteSocket> {
  // Each connection has handlers of its own, so its adapter is kept here rather than read
  // back through the socket's `data` slot on every event.
  let byteSocket: BunByteSocket | undefined;
  return new Promise((resolve, reject) => {
    const refuse = (error: Error) => reject(error);
    bunRuntime().connect({
      hostname: url.hostname,
      port: url.port,
      tls: url.secure ? { serverName: url.hostname, rejectUnauthorized: true } : undefined,
      socket: {
        binaryType: "uint8array",
        open(socket) {
          socket.setNoDelay(true);
          byteSocket = new BunByteSocket(socket, url.secure);
          if (!url.secure) resolve(byteSocket);
        },
        // A TLS socket is ready only once its certificate was verified.
        handshake(socket, _success, authorizationError) {
          if (authorizationError === null) return resolve(byteSocket!);
          refuse(untrusted(url, authorizationError));
          socket.terminate();
        },
        data: (_socket, chunk) => byteSocket?.onData(chunk),
        drain: () => byteSocket?.onDrain(),
        close() {
          if (byteSocket === undefined) refuse(unreachable(url, "the connection closed"));
          else byteSocket.onClose();
        },
        error(_socket, error) {
          if (byteSocket !== undefined) return byteSocket.onClose();
          refuse(url.secure ? untrusted(url, error) : unreachable(url, error));
        },
        connectError: (_socket, error) =>
          refuse(
            url.secure && /cert|tls|ssl/i.test(error.message)
              ? untrusted(url, error)
              : unreachable(url, error),
          ),
      },
    }).catch((error: unknown) => refuse(unreachable(url, error)));
  });
}

/** Errors `node:net` raises before any TLS byte is exchanged. */
const NETWORK_ERRORS = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT)$/;

/**
 * Opens a TLS connection with `node:tls`, which on Deno and Bun alike honours every client
 * setting: extra trusted CAs, a client certificate, no verification, SNI, versions, ciphers.
 */
async function dialNodeTls(url: WebSocketUrl, tls: ClientTlsSettings): Promise<ByteSocket> {
  const nodeTls = await import("node:tls");
  const { isIP } = await import("node:net");
  const ca = tls.ca === undefined
    ? undefined
    : await trustedCertificates(tls.ca, tls.trustRuntimeCertificates);
  if (!tls.verifyCertificate) {
    console.warn(
      `[tether] insecure: secureSocket.enable is false, so any certificate is trusted for ${url.host}`,
    );
  }
  const serverName = tls.serverName ?? url.hostname;
  return new Promise((resolve, reject) => {
    const socket = nodeTls.connect({
      host: url.hostname,
      port: url.port,
      servername: isIP(serverName) === 0 ? serverName : undefined,
      ca,
      cert: tls.cert,
      key: tls.key,
      rejectUnauthorized: tls.verifyCertificate,
      checkServerIdentity: tls.verifyHostName
        ? (_host, certificate) => nodeTls.checkServerIdentity(serverName, certificate)
        : () => undefined,
      minVersion: tls.minVersion,
      maxVersion: tls.maxVersion,
      ciphers: tls.ciphers,
    });
    const timer = tls.handshakeTimeoutMs > 0
      ? setTimeout(() => {
        socket.destroy();
        reject(
          new SslError(
            `TLS handshake with ${url.host} did not finish within ${
              tls.handshakeTimeoutMs / 1000
            } s`,
          ),
        );
      }, tls.handshakeTimeoutMs)
      : undefined;
    const failed = (error: Error & { code?: string }) => {
      clearTimeout(timer);
      reject(
        NETWORK_ERRORS.test(error.code ?? "") ? unreachable(url, error) : untrusted(url, error),
      );
    };
    socket.once("error", failed);
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      socket.off("error", failed);
      resolve(new NodeByteSocket(socket, true));
    });
  });
}

/**
 * Opens a raw connection to the URL's host on this runtime: with the runtime's own sockets,
 * or with `node:tls` when a `wss://` URL comes with TLS settings.
 */
export function dial(url: WebSocketUrl, tls: ClientTlsSettings | undefined): Promise<ByteSocket> {
  if (url.secure && tls !== undefined) return dialNodeTls(url, tls);
  if (typeof (globalThis as { Deno?: unknown }).Deno !== "undefined") return dialDeno(url);
  return dialBun(url);
}
