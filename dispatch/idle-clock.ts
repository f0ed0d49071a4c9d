/** Hears that a connection sat idle for its whole limit. */
export interface IdleListener {
  idleTimedOut(): void;
}

/**
 * Times how long a connection goes without reading or writing, for `onIdleTimeout`: each
 * read and write touches it, and once `limitMs` pass without a touch it tells its listener
 * and starts timing again. One timer runs at a time; a touch only notes the time, and the
 * timer, when it fires early, waits out the rest.
 */
export class IdleClock {
  readonly #limitMs: number;
  readonly #listener: IdleListener;
  #lastActivity = Date.now();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(limitMs: number, listener: IdleListener) {
    this.#limitMs = limitMs;
    this.#listener = listener;
    this.#arm(limitMs);
  }

  touch(): void {
    this.#lastActivity = Date.now();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  #arm(delay: number): void {
    this.#timer = setTimeout(() => {
      const idleFor = Date.now() - this.#lastActivity;
      if (idleFor < this.#limitMs) return this.#arm(this.#limitMs - idleFor);
      this.touch();
      this.#listener.idleTimedOut();
      this.#arm(this.#limitMs);
    }, delay);
  }
}
