import type { ReplyStream } from "./reply.ts";
import { isThenable } from "./thenable.ts";

/** Where a stream's elements go. */
export interface StreamSink {
  /** Settles once either side starts closing, so that a stream waiting for an element ends. */
  readonly stopping: Promise<void>;
  /** Whether nothing more may be sent. */
  stopped(): boolean;
  /** Sends one element; answers false when the stream must end (it closed, or a write failed). */
  send(element: unknown): Promise<boolean> | boolean;
}

/** How a stream ended: `error` is set when the source threw. */
export type StreamOutcome = { failed: false } | { failed: true; error: unknown };

const FINISHED: StreamOutcome = { failed: false };
const STOPPED: unique symbol = Symbol("stopped");

/**
 * Sends each element of an iterable or async iterable, one after another, each once the
 * previous one was written; promises among a sync iterable's elements are awaited as
 * `for await` does. Stops early when the sink says so, and then lets the source clean up.
 */
export async function pumpStream(source: ReplyStream, sink: StreamSink): Promise<StreamOutcome> {
  let iterator: Iterator<unknown> | AsyncIterator<unknown>;
  try {
    iterator = Symbol.asyncIterator in source
      ? source[Symbol.asyncIterator]()
      : source[Symbol.iterator]();
  } catch (error) {
    return { failed: true, error };
  }
  const stopping = sink.stopping.then((): typeof STOPPED => STOPPED);
  try {
    while (!sink.stopped()) {
      const step = iterator.next();
      const result = isThenable(step) ? await Promise.race([step, stopping]) : step;
      if (result === STOPPED) break;
      if (result.done) return FINISHED;
      const element = isThenable(result.value) ? await result.value : result.value;
      if (!(await sink.send(element))) break;
    }
  } catch (error) {
    return { failed: true, error };
  }
  try {
    const closing = iterator.return?.();
    if (isThenable(closing)) closing.then(undefined, () => {});
  } catch {
    // The source failed while cleaning up after a stop; nothing is waiting for it.
  }
  return FINISHED;
}
