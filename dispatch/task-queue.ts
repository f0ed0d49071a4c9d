import { isThenable } from "./thenable.ts";

/** One unit of work: a method call and the writing of what it returned. */
export type Task = () => unknown;

/** Waiting tasks past which the queue reports a backlog, and the level that clears it. */
const BACKLOG_AT = 256;
const CLEARED_AT = 32;

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
  readonly #tasks: (Task | undefined)[] = [];
  readonly #listener: BacklogListener;
  #head = 0;
  #running = false;
  #started = false;
  #backlogged = false;

  /** Nothing runs before {@link start}; tasks pushed earlier wait for it. */
  constructor(listener: BacklogListener) {
    this.#listener = listener;
  }

  get #waiting(): number {
    return this.#tasks.length - this.#head;
  }

  start(): void {
    this.#started = true;
    if (!this.#running) void this.#run();
  }

  push(task: Task): void {
    this.#tasks.push(task);
    if (!this.#backlogged && this.#waiting > BACKLOG_AT) {
      this.#backlogged = true;
      this.#listener.backlogChanged(true);
    }
    if (this.#started && !this.#running) void this.#run();
  }

  async #run(): Promise<void> {
    this.#running = true;
    const tasks = this.#tasks;
    while (this.#head < tasks.length) {
      const task = tasks[this.#head]!;
      tasks[this.#head++] = undefined;
      try {
        const result = task();
        if (isThenable(result)) await result;
      } catch (error) {
        // Tasks handle the service's errors themselves; this guard keeps the process alive.
        console.error("[tether] dispatcher error:", error);
      }
      if (this.#backlogged && this.#waiting <= CLEARED_AT) {
        this.#backlogged = false;
        this.#listener.backlogChanged(false);
      }
    }
    tasks.length = 0;
    this.#head = 0;
    this.#running = false;
  }
}
