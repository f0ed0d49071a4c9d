import { readFileSync } from "node:fs";

/** One core's time so far, in clock ticks: in total, idle, and stolen by the hypervisor. */
export interface CoreTimes {
  total: number;
  idle: number;
  steal: number;
}

/** What a core did between two readings, as shares of the time that passed. */
export interface CoreShares {
  idle: number;
  steal: number;
}

/**
 * The time of each core in `cores` so far, from /proc/stat; empty where that file is not
 * there (not Linux). Idle counts time waiting for I/O; steal is time the core was ready to
 * run but the hypervisor ran another guest.
 */
export function coreTimes(cores: number[]): CoreTimes[] {
  let lines: string[];
  try {
    lines = readFileSync("/proc/stat", "utf8").split("\n");
  } catch {
    return [];
  }
  return cores.flatMap((core) => {
    const line = lines.find((l) => l.startsWith(`cpu${core} `));
    if (line === undefined) return [];
    // user nice system idle iowait irq softirq steal; guest time is in user already
    const ticks = line.split(/\s+/).slice(1, 9).map(Number);
    return [{ total: ticks.reduce((a, b) => a + b), idle: ticks[3] + ticks[4], steal: ticks[7] }];
  });
}

/** Per core, the shares of idle and stolen time between `before` and `after`. */
export function coreShares(before: CoreTimes[], after: CoreTimes[]): CoreShares[] {
  return after.flatMap((end, i) => {
    const start = before[i];
    if (start === undefined) return [];
    const total = end.total - start.total;
    if (total <= 0) return [];
    return [{ idle: (end.idle - start.idle) / total, steal: (end.steal - start.steal) / total }];
  });
}

/** The mean steal over `shares`, or undefined when there are none. */
export function meanSteal(shares: CoreShares[]): number | undefined {
  if (shares.length === 0) return undefined;
  return shares.reduce((sum, core) => sum + core.steal, 0) / shares.length;
}
