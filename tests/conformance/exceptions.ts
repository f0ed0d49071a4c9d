import type { CaseResult, Verdict } from "./verdict.ts";

/** Results an engine cannot change because its runtime decides them, and why. */
export interface RuntimeDecision {
  cases: RegExp;
  verdicts: Verdict[];
  reason: string;
}

export const RUNTIME_DECIDED: Record<string, RuntimeDecision[]> = {
  deno: [
    {
      cases: /^(2\.4|3\.\d+|4\.\d+|5\.(1|2|7|8|9|10)|6\.[45]\.\d+|7\.2\.[14]|R\.5)$/,
      verdicts: ["NON-STRICT"],
      reason: "Deno's WebSocket fails a connection by dropping TCP, without a close frame",
    },
    {
      cases: /^1\.4\.1$/,
      verdicts: ["FAILED"],
      reason: "Deno's WebSocket accepts unmasked frames from clients",
    },
    {
      cases: /^5\.11$/,
      verdicts: ["FAILED"],
      reason: "Deno's WebSocket does not fail a binary frame inside a fragmented text message",
    },
    {
      cases: /^6\.5\.[45]$/,
      verdicts: ["FAILED"],
      reason: "Deno's WebSocket delivers a fragmented text message that ends inside a code point",
    },
    {
      cases: /^6\.6\.\d+$/,
      verdicts: ["FAILED", "NON-STRICT"],
      reason: "Deno's WebSocket checks UTF-8 only once a message is complete",
    },
    {
      cases: /^7\.2\.3$/,
      verdicts: ["FAILED"],
      reason: "Deno's WebSocket answers a close frame over 125 bytes by echoing it",
    },
  ],
  bun: [
    {
      cases: /^6\.6\.\d+$/,
      verdicts: ["NON-STRICT"],
      reason: "Bun's WebSocket (uWebSockets) checks UTF-8 once a message is complete",
    },
  ],
};

/** Why `result` may differ from OK on `engine`, if its runtime decides it. */
export function runtimeReason(engine: string, result: CaseResult): string | undefined {
  if (result.verdict === "OK" || result.verdict === "INFORMATIONAL") return undefined;
  return RUNTIME_DECIDED[engine]?.find((decision) =>
    decision.cases.test(result.id) && decision.verdicts.includes(result.verdict)
  )?.reason;
}
