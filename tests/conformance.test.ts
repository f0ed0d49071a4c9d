import { test } from "node:test";
import assert from "node:assert/strict";
import type { EngineName } from "../mod.ts";
import { QUICK } from "./conformance/cases.ts";
import { unexplained } from "./conformance/report.ts";
import { robustnessSuite } from "./conformance/robustness.ts";
import { clientTarget, runSuite, serverTarget } from "./conformance/suite.ts";
import type { CaseResult } from "./conformance/verdict.ts";
import { ENGINES } from "./net-support.ts";

// The conformance suite (tests/conformance/) at the test command's scale, in groups small
// enough for Bun's per-test time limit. `deno task conformance` runs it in full and writes
// docs/CONFORMANCE.md.
const GROUPS = ["1.", "2.", "3.", "4.", "5.", "6.", "7.", "9.", "10."];
const DEFLATE_OFFERS = 8;
const runtime = "Bun" in globalThis ? "bun" : "deno";

function assertConforms(target: string, results: CaseResult[]): void {
  assert.ok(results.length > 0, "no case ran");
  const open = unexplained({ target, runtime, version: "", results });
  assert.deepEqual(
    open.map((r) => `${r.id} ${r.title}: ${r.verdict}, ${r.detail}`),
    [],
    `${target} on ${runtime}: cases neither OK nor decided by the runtime`,
  );
}

for (const name of [...ENGINES, "client"]) {
  const open = () => name === "client" ? clientTarget() : serverTarget(name as EngineName);
  const groups = [...GROUPS, ...Array.from({ length: DEFLATE_OFFERS }, (_, i) => `12.${i + 1}.`)];
  for (const group of groups) {
    test(`conformance: ${name}, cases ${group}x`, async () => {
      const target = await open();
      try {
        assertConforms(name, await runSuite(target, QUICK, (id) => id.startsWith(group)));
      } finally {
        await target.stop();
      }
    });
  }
  test(`conformance: ${name}, robustness (family R)`, async () => {
    assertConforms(name, await robustnessSuite(name, QUICK));
  });
}
