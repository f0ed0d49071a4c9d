import { isThenable } from "./thenable.ts";

/** One unit of work: a method call and the writing of what it returned. */
export type Task = () => unknown;

/** Waiting tasks past which the queue reports a backlog, and the level that clears it. */
const BACKLOG_AT = 256;
const CLEARED_AT = 32;

/** Bits of a queue's state. */
const STARTED = 1;
const RUNNING = 2;
const BACKLOGGED = 4;

/** Tasks handle the service's errors themselves; this guard keeps the process alive. */
function reportTaskError(error: unknown): void {
  console.error("[tether] dispatcher error:", error);
}

/** Hears when a queue's work piles up and when it has drained again. */
export interface BacklogListener {
  backlogChanged(backlogged: boolean): void;
}

/**
 * Runs tasks one at a time, in the order they were pushed; a task that returns a promise
 * holds the queue until it settles. Reports when work piles up so that the connection can
 * stop reading, and when it has drained again.
 */
export class TaskQueue {
  /** Tasks waiting their turn; made when one first has to wait, dropped once they are done. */
  #waiting: (Task | undefined)[] | undefined;
  /** Where the next waiting task is in `#waiting`. */
  #head = 0;
  readonly #listener: BacklogListener;
  /**
   * {@link STARTED}, {@link RUNNING} and {@link BACKLOGGED} in one field: with two fields
   * fewer, each connection's queue fits a smaller allocation in JavaScriptCore.
   */
  #state = 0;

  /** Nothing runs before {@link start}; tasks pushed earlier wait for it. */
  constructor(listener: BacklogListener) {
    this.#listener = listener;
  }

  #running(): boolean {
    return (this.#state & RUNNING) !== 0;
  }

  #backlogged(): boolean {
    return (this.#state & BACKLOGGED) !== 0;
  }

  #waitingCount(): number {
    return this.#waiting === undefined ? 0 : this.#waiting.length - this.#head;
  }

  start(): void {
    this.#state |= STARTED;
    if (this.#running()) return;
    const first = this.#next();
    if (first !== undefined) this.#run(first);
  }

  push(task: Task): void {
    if ((this.#state & (STARTED | RUNNING)) === STARTED) {
      this.#run(task);
      return;
    }
    (this.#waiting ??= []).push(task);
    if (!this.#backlogged() && this.#waitingCount() > BACKLOG_AT) {
      this.#state |= BACKLOGGED;
      this.#listener.backlogChanged(true);
    }
  }

  /** Takes the next waiting task, if any. */
  #next(): Task | undefined {
    const waiting = this.#waiting;
    if (waiting === undefined) return undefined;
    if (this.#head === waiting.length) {
      this.#waiting = undefined;
      this.#head = 0;
      return undefined;
    }
    const task = waiting[this.#head];
    waiting[this.#head++] = undefined;
    return task;
  }

  /**
   * Runs tasks in order for as long as they finish synchronously, with no promise of its
   * own; the first task that returns a promise hands the rest over to {@link #resumeAfter}.
   */
  #run(first: Task): void {
    this.#state |= RUNNING;
    for (let task: Task | undefined = first; task !== undefined; task = this.#next()) {
      let result: unknown;
      try {
        result = task();
      } catch (error) {
        reportTaskError(error);
      }
      if (isThenable(result)) {
        void this.#resumeAfter(result);
        return;
      }
      this.#checkBacklog();
    }
    this.#state &= ~RUNNING;
  }

  /** Holds the queue until `pending` settles, then runs what waited meanwhile. */
  async #resumeAfter(pending: PromiseLike<unknown>): Promise<void> {
    try {
      await pending;
    } catch (error) {
      reportTaskError(error);
    }
    this.#checkBacklog();
    const next = this.#next();
    if (next === undefined) this.#state &= ~RUNNING;
    else this.#run(next);
  }

  #checkBacklog(): void {
    if (this.#backlogged() && this.#waitingCount() <= CLEARED_AT) {
      this.#state &= ~BACKLOGGED;
      this.#listener.backlogChanged(false);
    }
  }
}
