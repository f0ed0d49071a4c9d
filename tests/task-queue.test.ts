import { test } from "node:test";
import assert from "node:assert/strict";
import { TaskQueue } from "../dispatch/task-queue.ts";

/** A queue that records its backlog reports. */
function queue(): { tasks: TaskQueue; backlog: boolean[] } {
  const backlog: boolean[] = [];
  const tasks = new TaskQueue({ backlogChanged: (backlogged) => backlog.push(backlogged) });
  return { tasks, backlog };
}

test("task queue: tasks that finish at once run as they are pushed, in order", () => {
  const { tasks } = queue();
  const ran: number[] = [];
  tasks.push(() => ran.push(1));
  assert.equal(ran.length, 0, "nothing runs before start");
  tasks.start();
  assert.deepEqual(ran, [1]);
  tasks.push(() => ran.push(2));
  tasks.push(() => ran.push(3));
  assert.deepEqual(ran, [1, 2, 3], "no turn of the event loop in between");
});

test("task queue: a task's promise holds later tasks until it settles, even when it rejects", async () => {
  const { tasks } = queue();
  const ran: string[] = [];
  let settle!: () => void;
  tasks.start();
  tasks.push(() => new Promise<void>((resolve) => settle = resolve).then(() => ran.push("first")));
  tasks.push(() => {
    ran.push("second");
    return Promise.reject(new Error("a task that fails"));
  });
  tasks.push(() => ran.push("third"));
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.equal(ran.length, 0, "the second waits while the first is pending");
  const errors: unknown[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => errors.push(args[1]);
  try {
    settle();
    const done = Promise.withResolvers<void>();
    tasks.push(() => done.resolve());
    await done.promise;
  } finally {
    console.error = consoleError;
  }
  assert.deepEqual(ran, ["first", "second", "third"]);
  assert.equal((errors[0] as Error).message, "a task that fails");
  tasks.push(() => ran.push("fourth"));
  assert.equal(ran.at(-1), "fourth", "runs at once again once the queue drained");
});

test("task queue: a task that throws does not stop the ones after it", () => {
  const { tasks } = queue();
  const ran: number[] = [];
  const consoleError = console.error;
  console.error = () => {};
  try {
    tasks.start();
    tasks.push(() => {
      throw new Error("thrown by a task");
    });
    tasks.push(() => ran.push(2));
  } finally {
    console.error = consoleError;
  }
  assert.deepEqual(ran, [2]);
});

test("task queue: reports a backlog past 256 waiting tasks and clears it once they drain", async () => {
  const { tasks, backlog } = queue();
  let release!: () => void;
  tasks.start();
  tasks.push(() => new Promise<void>((resolve) => release = resolve));
  let ran = 0;
  for (let i = 0; i < 300; i++) tasks.push(() => ran++);
  assert.deepEqual(backlog, [true]);
  release();
  const done = Promise.withResolvers<void>();
  tasks.push(() => done.resolve());
  await done.promise;
  assert.equal(ran, 300);
  assert.deepEqual(backlog, [true, false]);
});
