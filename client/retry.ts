import type { RetryConfig } from "./config.ts";

/** A retry configuration with its defaults filled in; times in milliseconds. */
export interface RetrySettings {
  /** Retries in a row before giving up; 0 is forever. */
  maxCount: number;
  intervalMs: number;
  backOffFactor: number;
  maxWaitMs: number;
}

function nonNegative(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`retryConfig.${name} must be a finite number >= 0, got ${value}`);
  }
  return value;
}

/** Checks a retry configuration; `undefined` means no retries. Bad values throw. */
export function resolveRetry(config: RetryConfig | undefined): RetrySettings | undefined {
  if (config === undefined) return undefined;
  if (typeof config !== "object" || config === null) {
    throw new TypeError("retryConfig must be an object");
  }
  const maxCount = nonNegative("maxCount", config.maxCount, 0);
  if (!Number.isInteger(maxCount)) {
    throw new RangeError(`retryConfig.maxCount must be an integer, got ${maxCount}`);
  }
  const backOffFactor = nonNegative("backOffFactor", config.backOffFactor, 1);
  if (backOffFactor < 1) {
    throw new RangeError(`retryConfig.backOffFactor must be at least 1, got ${backOffFactor}`);
  }
  return {
    maxCount,
    intervalMs: nonNegative("interval", config.interval, 1) * 1000,
    backOffFactor,
    maxWaitMs: nonNegative("maxWaitInterval", config.maxWaitInterval, 30) * 1000,
  };
}

/** Milliseconds to wait before retry number `retry` (0 for the first) of a run. */
export function retryDelay(settings: RetrySettings, retry: number): number {
  return Math.min(settings.intervalMs * settings.backOffFactor ** retry, settings.maxWaitMs);
}
