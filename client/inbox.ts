import { ConnectionClosureError, ReadTimedOutError } from "../dispatch/errors.ts";

/** A message as it arrived: text as a string, binary as bytes. */
export type IncomingMessage = string | Uint8Array;

/** Where the inbox tells the connection to stop and restart reading. */
export interface ReadFlow {
  pause(): void;
  resume(): void;
}

/** How much the inbox holds before reading stops. */
export interface InboxLimits {
  /** Queued messages at which reading stops. */
  messages: number;
  /** Queued bytes (UTF-16 units for text) at which reading stops. */
  bytes: number;
}

interface Reader {
  resolve(message: IncomingMessage): void;
  reject(error: Error): void;
}

function sizeOf(message: IncomingMessage): number {
  return message.length;
}

/**
 * Messages that arrived and were not read yet, and reads waiting for messages. When the
 * queue reaches its limits the connection stops reading the socket until reads bring it
 * down to half of them, so a client that does not read holds a bounded amount of memory.
 */
export class MessageInbox {
  readonly #flow: ReadFlow;
  readonly #limits: InboxLimits;
  #queue: IncomingMessage[] = [];
  #head = 0;
  #bytes = 0;
  #readers: Reader[] = [];
  #paused = false;
  #end: Error | undefined;
  #endDelivered = false;
  #cleanEnd = false;

  constructor(flow: ReadFlow, limits: InboxLimits) {
    this.#flow = flow;
    this.#limits = limits;
  }

  /** Whether reading is stopped because the queue is full. */
  get full(): boolean {
    return this.#paused;
  }

  /** Whether nothing more will arrive. */
  get finished(): boolean {
    return this.#end !== undefined;
  }

  /** Whether the inbox ended with a closing handshake rather than a failure. */
  get cleanEnd(): boolean {
    return this.#cleanEnd;
  }

  /** Hands a message to the oldest waiting read, or queues it. */
  push(message: IncomingMessage): void {
    if (this.#end !== undefined) return;
    const readers = this.#readers;
    if (readers.length > 0) {
      // Mostly one read waits: V8 pops the only element about ten times as fast as it shifts it.
      return (readers.length === 1 ? readers.pop()! : readers.shift()!).resolve(message);
    }
    this.#queue.push(message);
    this.#bytes += sizeOf(message);
    if (!this.#paused && this.#overLimits()) {
      this.#paused = true;
      this.#flow.pause();
    }
  }

  /**
   * The next message; waits up to `timeoutMs` (0: forever) and then rejects with
   * `ReadTimedOutError`, leaving later messages for later reads.
   */
  take(timeoutMs: number): Promise<IncomingMessage> {
    if (this.#head < this.#queue.length) return Promise.resolve(this.#shift());
    if (this.#end !== undefined) return Promise.reject(this.#endError());
    if (timeoutMs <= 0) {
      // Not Promise.withResolvers: under load, Bun's client spent more time per read in it.
      return new Promise((resolve, reject) => this.#readers.push({ resolve, reject }));
    }
    return new Promise((resolve, reject) => {
      const reader: Reader = {
        resolve(message) {
          clearTimeout(timer);
          resolve(message);
        },
        reject(error) {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#readers.push(reader);
      const timer = setTimeout(() => {
        const index = this.#readers.indexOf(reader);
        if (index >= 0) this.#readers.splice(index, 1);
        reject(new ReadTimedOutError(`no message within ${timeoutMs / 1000} s`));
      }, timeoutMs);
    });
  }

  /**
   * Nothing more will arrive: waiting reads fail with `error`, and so does the first read
   * once the queued messages are read; reads after that fail with "Connection already
   * closed". `clean` tells an iterator to end instead of throwing.
   */
  finish(error: Error, clean: boolean): void {
    if (this.#end !== undefined) return;
    this.#end = error;
    this.#cleanEnd = clean;
    const readers = this.#readers;
    this.#readers = [];
    if (readers.length > 0) this.#endDelivered = true;
    for (const reader of readers) reader.reject(error);
  }

  #shift(): IncomingMessage {
    const message = this.#queue[this.#head];
    this.#queue[this.#head++] = "";
    this.#bytes -= sizeOf(message);
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.#paused && this.#belowHalf()) {
      this.#paused = false;
      this.#flow.resume();
    }
    return message;
  }

  #overLimits(): boolean {
    return this.#queue.length - this.#head >= this.#limits.messages ||
      this.#bytes >= this.#limits.bytes;
  }

  #belowHalf(): boolean {
    return (this.#queue.length - this.#head) * 2 < this.#limits.messages &&
      this.#bytes * 2 < this.#limits.bytes;
  }

  #endError(): Error {
    if (this.#endDelivered) return new ConnectionClosureError("Connection already closed");
    this.#endDelivered = true;
    return this.#end!;
  }
}
