import type { ByteSocket } from "../../connection/byte-socket.ts";
import { FramesConnection } from "../../connection/frames-connection.ts";
import {
  ConnectionClosureError,
  ConnectionError,
  HandshakeTimedOut,
  InvalidHandshakeError,
  SslError,
} from "../../dispatch/errors.ts";
import { createDeflateOffer, type DeflateOptions } from "../../frame/deflate-negotiation.ts";
import { PerMessageDeflate } from "../../frame/deflate.ts";
import { computeAcceptKey, generateClientKey } from "../../frame/handshake.ts";
import { buildUpgradeRequest, checkUpgradeResponse } from "../handshake.ts";
import { type ResponseHead, ResponseHeadReader } from "../response-head.ts";
import { type Handshake, type Transport, withDeadline } from "../transport.ts";
import { dial } from "./dial.ts";

const encoder = new TextEncoder();

/** Reads the server's response head; the bytes after it stay with the socket. */
function readResponseHead(socket: ByteSocket): Promise<ResponseHead> {
  return new Promise((resolve, reject) => {
    const reader = new ResponseHeadReader();
    socket.receive({
      data(chunk) {
        const head = reader.push(chunk);
        if (head === undefined) return;
        // The bytes after the head are frames: the socket keeps them for the connection.
        socket.receive(undefined);
        if (head instanceof Error) {
          socket.destroy();
          reject(new InvalidHandshakeError(`malformed upgrade response: ${head.message}`));
        } else {
          socket.unread(head.rest);
          resolve(head);
        }
      },
      closed() {
        const failure = socket.failure as (Error & { code?: string }) | undefined;
        // Under TLS 1.3 a refused client certificate is an alert after the handshake.
        if (failure !== undefined && /^ERR_SSL_/.test(failure.code ?? "")) {
          reject(new SslError(`the server ended the TLS session: ${failure.message}`));
          return;
        }
        reject(
          new ConnectionError("the server closed the connection before answering the upgrade"),
        );
      },
    });
  });
}

/** The upgrade over the runtime's own sockets, then our wire layer in the client role. */
export const framesTransport: Transport = async (request) => {
  const { url, settings } = request;
  const key = generateClientKey();
  const deflate: DeflateOptions | undefined = settings.compression ? {} : undefined;
  const head = buildUpgradeRequest({
    url,
    key,
    protocols: settings.subProtocols,
    headers: request.authorization === undefined
      ? settings.customHeaders
      : { ...settings.customHeaders, Authorization: request.authorization },
    cookies: settings.cookies,
    extensions: deflate === undefined ? "" : createDeflateOffer(deflate),
  });
  const acceptKey = await computeAcceptKey(key);
  let socket: ByteSocket | undefined;
  let expired = false;
  const attempt = async (): Promise<Handshake> => {
    const opened = await dial(url, settings.tls);
    if (expired) {
      opened.destroy();
      throw new HandshakeTimedOut("the handshake timed out");
    }
    socket = opened;
    opened.write(encoder.encode(head));
    const response = await readResponseHead(opened);
    const outcome = checkUpgradeResponse(response, {
      acceptKey,
      protocols: settings.subProtocols,
      deflate,
    });
    if (outcome instanceof Error || expired) {
      opened.destroy();
      throw outcome instanceof Error ? outcome : new HandshakeTimedOut("the handshake timed out");
    }
    const codec = outcome.deflate === undefined ? undefined : new PerMessageDeflate(
      outcome.deflate,
      { role: "client", maxMessageSize: settings.maxMessageSize },
    );
    const connection = new FramesConnection(opened, {
      maxFrameSize: settings.maxFrameSize,
      maxMessageSize: settings.maxMessageSize,
      writeBufferLimit: settings.writeBufferLimit,
      autoPong: request.autoPong,
      connectionError: (message) => new ConnectionError(message),
    }, {
      role: "client",
      protocol: outcome.protocol,
      codec,
    });
    const { status, statusText, headers } = response;
    return { connection, response: { status, statusText, headers } };
  };
  return await withDeadline(settings.handshakeTimeoutMs, request.signal, attempt(), (why) => {
    expired = true;
    socket?.destroy();
    return why === "abort"
      ? new ConnectionClosureError("Connection already closed")
      : new HandshakeTimedOut(
        `no upgrade response from ${url.host} within ${settings.handshakeTimeoutMs / 1000} s`,
      );
  });
};
