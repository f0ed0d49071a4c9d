import type { FrameError } from "../frame/errors.ts";

/**
 * What every engine's send returns when its bytes were handed to the socket at once: one
 * shared, settled promise, so that a caller can tell by identity that there is nothing to
 * wait for, and skip a promise and a turn of the microtask queue per message.
 */
export const SENT: Promise<void> = Promise.resolve();

/**
 * What an engine reports about one WebSocket connection, in wire order. Messages, the
 * peer's close and protocol failures keep their order; a receiver that handles them one at
 * a time can answer earlier messages before it acts on a later failure.
 */
export interface ConnectionEvents {
  text(data: string): void;
  binary(data: Uint8Array): void;
  pingReceived(data: Uint8Array): void;
  pongReceived(data: Uint8Array): void;
  /** The peer's close frame arrived; `code` is 1005 when it carried none. */
  closing(code: number, reason: string): void;
  /**
   * The peer broke the protocol; nothing more is read. The connection stays open until
   * the receiver calls {@link Connection.fail} with `error.closeCode`.
   */
  failed(error: FrameError): void;
  /** The transport is closed: nothing more arrives, nothing more can be sent. */
  ended(): void;
}

/** The engine-neutral face of one open WebSocket connection. */
export interface Connection {
  /** Whether the connection runs over TLS. */
  readonly secure: boolean;
  /** The negotiated sub-protocol, or "" when none was. */
  readonly protocol: string;
  /** Whether the service's `onPing` must answer pings itself (false: the engine answers). */
  readonly canControlPings: boolean;
  /** Starts delivering events; nothing is read from the peer before this is called. */
  listen(events: ConnectionEvents): void;
  /**
   * Each send resolves once its bytes are handed to the socket, in call order; it returns
   * {@link SENT} when they were handed over at once.
   */
  sendText(text: string): Promise<void>;
  sendBinary(data: Uint8Array): Promise<void>;
  sendPing(data: Uint8Array): Promise<void>;
  sendPong(data: Uint8Array): Promise<void>;
  /**
   * Sends a close frame after everything queued before it (no status when `code` is
   * undefined). The transport is closed once both sides have sent theirs.
   */
  sendClose(code: number | undefined, reason: string): Promise<void>;
  /** Sends a close frame and closes the transport without waiting for the peer's reply. */
  fail(code: number, reason: string): void;
  /** Drops the transport at once. */
  terminate(): void;
  /** Stops reading from the peer until {@link resume}; a no-op where an engine cannot. */
  pause(): void;
  resume(): void;
}

/** Limits and choices an engine applies to each connection of one service. */
export interface ConnectionOptions {
  /** Largest frame payload accepted, in bytes; outgoing messages are split at this size. */
  maxFrameSize: number;
  /** Largest message accepted after reassembly and inflation, in bytes. */
  maxMessageSize: number;
  /** Most bytes a connection may have queued for the socket before it is dropped. */
  writeBufferLimit: number;
  /** Answer pings with pongs in the engine (the service has no `onPing`). */
  autoPong: boolean;
  /** Makes the error a failed send rejects with. */
  connectionError(message: string): Error;
}
