/**
 * Sockets still in their HTTP phase, and the moment each must have sent its request by.
 * Every socket of a listener gets the same timeout, so the order they were added in is the
 * order their deadlines fall in: one timer, set for the earliest, serves them all, and an
 * accepted connection costs no timer of its own.
 */
export class HandshakingSockets<Socket> {
  /**
   * In the order added, which is deadline order; deadlines in `performance.now()` time,
   * `Infinity` once the request is read (or with no timeout).
   */
  readonly #deadlines = new Map<Socket, number>();
  readonly #timeoutMs: number;
  readonly #expired: (socket: Socket) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * `timeoutMs`: how long a socket has to send its request, 0 for no limit. `expired` hears
   * of each socket that ran out of time, which is no longer kept here by then.
   */
  constructor(timeoutMs: number, expired: (socket: Socket) => void) {
    this.#timeoutMs = timeoutMs;
    this.#expired = expired;
  }

  /** A socket starts its HTTP phase; its time to send the request starts now. */
  add(socket: Socket): void {
    if (this.#timeoutMs <= 0) {
      this.#deadlines.set(socket, Infinity);
      return;
    }
    this.#deadlines.set(socket, performance.now() + this.#timeoutMs);
    this.#timer ??= setTimeout(() => this.#expire(), this.#timeoutMs);
  }

  /** The socket's request was read: it is kept, without a deadline, until it is deleted. */
  requestRead(socket: Socket): void {
    if (this.#deadlines.has(socket)) this.#deadlines.set(socket, Infinity);
  }

  /** Takes `socket` out; false when it was not kept (its phase was over, or it expired). */
  delete(socket: Socket): boolean {
    return this.#deadlines.delete(socket);
  }

  /** Takes every socket out and returns them; no deadline runs any longer. */
  clear(): Socket[] {
    const sockets = [...this.#deadlines.keys()];
    this.#deadlines.clear();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    return sockets;
  }

  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (const [socket, deadline] of this.#deadlines) {
      if (deadline === Infinity) continue;
      if (deadline > now) {
        this.#timer = setTimeout(() => this.#expire(), deadline - now);
        return;
      }
      this.#deadlines.delete(socket);
      this.#expired(socket);
    }
  }
}
