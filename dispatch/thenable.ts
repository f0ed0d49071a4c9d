/** Whether a value is a promise or promise-like, so that synchronous results skip a tick. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}
