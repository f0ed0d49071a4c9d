import { FAMILIES } from "./cases.ts";
import { runtimeReason } from "./exceptions.ts";
import type { CaseResult, Verdict } from "./verdict.ts";

/** The results of one party under test on one runtime. */
export interface TargetResults {
  /** "bun", "frames", "deno" or "client". */
  target: string;
  runtime: string;
  /** The runtime's version. */
  version: string;
  results: CaseResult[];
}

const VERDICTS: Verdict[] = ["OK", "NON-STRICT", "FAILED", "INFORMATIONAL"];
const SHORT: Record<Verdict, string> = {
  OK: "OK",
  "NON-STRICT": "NS",
  FAILED: "FAIL",
  INFORMATIONAL: "INFO",
};

function cell(results: CaseResult[]): string {
  if (results.length === 0) return "-";
  return VERDICTS.map((verdict) => {
    const count = results.filter((result) => result.verdict === verdict).length;
    return count > 0 ? `${count} ${SHORT[verdict]}` : "";
  }).filter(Boolean).join(", ");
}

function familyOf(result: CaseResult): string {
  return result.family === "R" ? "R" : result.family;
}

/** The table: one row per case family, one column per party and runtime. */
export function table(all: TargetResults[]): string {
  const families = [...new Set(all.flatMap((t) => t.results.map(familyOf)))]
    .sort((a, b) => (a === "R" ? 99 : Number(a)) - (b === "R" ? 99 : Number(b)));
  const header = ["family", ...all.map((t) => `${t.target} (${t.runtime})`)];
  const rows = families.map((family) => [
    `${family} ${FAMILIES[family] ?? ""}`.trim(),
    ...all.map((t) => cell(t.results.filter((r) => familyOf(r) === family))),
  ]);
  rows.push(["all", ...all.map((t) => cell(t.results))]);
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Every case that is not OK, with what happened and, where it applies, why. */
export function exceptions(all: TargetResults[]): string {
  const lines: string[] = [];
  for (const t of all) {
    const notOk = t.results.filter((r) => r.verdict !== "OK");
    if (notOk.length === 0) continue;
    lines.push(`\n### ${t.target} (${t.runtime})\n`);
    for (const result of notOk) {
      const reason = runtimeReason(t.target, result);
      lines.push(
        `- ${result.id} ${result.title}: **${result.verdict}**, ${result.detail}` +
          (reason ? `. Runtime's decision: ${reason}.` : ""),
      );
    }
  }
  return lines.join("\n");
}

/** Cases that are neither OK, INFORMATIONAL, nor decided by the engine's runtime. */
export function unexplained(t: TargetResults): CaseResult[] {
  return t.results.filter((result) =>
    result.verdict !== "OK" && result.verdict !== "INFORMATIONAL" &&
    runtimeReason(t.target, result) === undefined
  );
}

/** Family 9's timings: milliseconds per case, and the round trips' percentiles. */
export function timings(all: TargetResults[]): string {
  const ids = [
    ...new Set(all.flatMap((t) => t.results.filter((r) => r.family === "9").map((r) => r.id))),
  ];
  const header = ["case", ...all.map((t) => `${t.target} (${t.runtime})`)];
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const rows = ids.map((id) => {
    const title = all.flatMap((t) => t.results).find((r) => r.id === id)?.title ?? "";
    return [
      `${id} ${title}`,
      ...all.map((t) => {
        const result = t.results.find((r) => r.id === id);
        if (result === undefined) return "-";
        if (result.verdict !== "OK") return result.verdict;
        return id === "9.4.1" ? result.detail : `${(result.ms ?? 0).toFixed(0)} ms`;
      }),
    ];
  });
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}
