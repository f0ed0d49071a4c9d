/**
 * A one-time event whose promise is made only when someone waits for it, so that the many
 * connections nobody waits on hold no promise for it.
 */
export class Signal {
  #fired: boolean;
  #promise: Promise<void> | undefined;
  #resolve: (() => void) | undefined;

  /** A signal not yet fired, or one made after its event that has `fired` already. */
  constructor(fired = false) {
    this.#fired = fired;
  }

  get fired(): boolean {
    return this.#fired;
  }

  /** Settles once {@link fire} is called (at once when it was). */
  get promise(): Promise<void> {
    this.#promise ??= this.#fired
      ? Promise.resolve()
      : new Promise<void>((resolve) => this.#resolve = resolve);
    return this.#promise;
  }

  fire(): void {
    if (this.#fired) return;
    this.#fired = true;
    this.#resolve?.();
  }
}
