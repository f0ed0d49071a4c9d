// `deno task conformance`: runs the suite against every server engine and the client on
// Deno, and (through `bun tests/conformance/main.ts --json`) on Bun, prints the table and
// writes docs/CONFORMANCE.md. `--quick` runs the slow cases at the test command's scale.
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { EngineName } from "../../mod.ts";
import { FULL, QUICK } from "./cases.ts";
import { exceptions, table, type TargetResults, timings, unexplained } from "./report.ts";
import { robustnessSuite } from "./robustness.ts";
import { clientTarget, runSuite, serverTarget } from "./suite.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const args = process.argv.slice(2);
const quick = args.includes("--quick");
const scale = quick ? QUICK : FULL;
const runtime = "Bun" in globalThis ? "bun" : "deno";
const version = runtime === "bun"
  ? (globalThis as unknown as { Bun: { version: string } }).Bun.version
  : (globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno;
const MARKER = "CONFORMANCE-JSON ";

async function runHere(): Promise<TargetResults[]> {
  const engines: EngineName[] = runtime === "bun" ? ["bun", "frames"] : ["frames", "deno"];
  const all: TargetResults[] = [];
  for (const name of [...engines, "client"]) {
    const target = name === "client"
      ? await clientTarget()
      : await serverTarget(name as EngineName);
    const started = performance.now();
    const results = await runSuite(target, scale);
    await target.stop();
    results.push(...await robustnessSuite(name, scale));
    console.error(
      `[conformance] ${name} on ${runtime}: ${results.length} cases in ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    all.push({ target: name, runtime, version, results });
  }
  return all;
}

function runBun(): TargetResults[] {
  const pinned = `${root}node_modules/.bin/bun`;
  const child = spawnSync(existsSync(pinned) ? pinned : "bun", [
    "tests/conformance/main.ts",
    "--json",
    ...(quick ? ["--quick"] : []),
  ], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const line = child.stdout.split("\n").find((l) => l.startsWith(MARKER));
  if (line === undefined) {
    throw new Error(`the Bun half of the suite failed (exit ${child.status})`);
  }
  return JSON.parse(line.slice(MARKER.length));
}

const here = await runHere();
if (args.includes("--json")) {
  console.log(MARKER + JSON.stringify(here));
  process.exit(0);
}
const bun = runtime === "deno" ? runBun() : [];
const find = (target: string, on: string) =>
  [...here, ...bun].find((t) => t.target === target && t.runtime === on);
const ordered = [
  find("bun", "bun"),
  find("frames", "deno"),
  find("frames", "bun"),
  find("deno", "deno"),
  find("client", "deno"),
  find("client", "bun"),
].filter((t): t is TargetResults => t !== undefined);

const summary = table(ordered);
console.log(summary);
const versions = [...new Set(ordered.map((t) => `${t.runtime} ${t.version}`))].join(", ");
writeFileSync(
  `${root}docs/CONFORMANCE.md`,
  `# Conformance

Written by \`deno task conformance\`${quick ? " --quick" : ""} (${versions}, ${
    new Date().toISOString().slice(0, 10)
  }). The suite lives in \`tests/conformance/\`; the test command runs it at a smaller scale.

It sends each case's bytes to the party under test over a raw socket - whole frames, frames
cut into writes of any size, byte by byte, with pauses - and judges what comes back with a frame
reader of its own, apart from the library. Verdicts mean what they mean in the reference suite
(Autobahn|Testsuite): **OK** as the RFC requires; **NON-STRICT** acceptable but not the strictest
reading (failing by dropping TCP without a close frame, failing a bad frame only once all of it
arrived); **FAILED** (also: a failure not shown within one second); **INFORMATIONAL** measured or
declined, not judged.

Columns: our listener on each engine and runtime, and our client (frames transport) on each
runtime. Family R is robustness: floods, bombs and slow clients, with memory measured.

${summary}

## Timings (family 9)

Milliseconds from the first byte sent to the last byte of the echo, on the 2-core machine the
run was made on; noisy, so compare within a row.

${timings(ordered)}

## Cases that are not OK
${exceptions(ordered) || "\nNone."}
`,
);
// The document is checked by `deno fmt --check` like every other file.
spawnSync(process.execPath, ["fmt", `${root}docs/CONFORMANCE.md`], { stdio: "ignore" });
const open = ordered.flatMap((t) =>
  unexplained(t).map((r) => `${t.target} (${t.runtime}) ${r.id}`)
);
if (open.length > 0) {
  console.error(`[conformance] not OK and not decided by a runtime: ${open.join(", ")}`);
  process.exitCode = 1;
}
