/**
 * `deno task bench`: every benchmark, one after another in one run, written to
 * docs/BENCHMARKS.md with the runtime versions and the machine.
 *
 * Server echo: each server runs in a process of its own; the load generator (bench/load.ts,
 * on Bun) drives 100 connections in a closed loop at each payload size. Then the wire-layer
 * benchmark (bench/frame.bench.ts) runs on both runtimes.
 *
 *   deno run -A bench/run.ts [--seconds 5] [--only frames-deno]
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import process from "node:process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name: string) => {
  const pinned = `${root}node_modules/.bin/${name}`;
  return existsSync(pinned) ? pinned : name;
};
const DENO = bin("deno");
const BUN = bin("bun");
const option = (name: string, fallback: string) => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? process.argv[index + 1] : fallback;
};
const SECONDS = option("seconds", "5");
const ONLY = option("only", "");
const PAYLOADS = [20, 1024, 16384];
const CONNECTIONS = 100;

interface Server {
  id: string;
  label: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  raw?: boolean;
}

const SERVERS: Server[] = [
  {
    id: "bun-engine",
    label: "tether, bun engine (Bun)",
    command: BUN,
    args: ["bench/servers/tether.ts"],
    env: { ENGINE: "bun" },
  },
  {
    id: "bun-serve",
    label: "Bun.serve websocket (raw)",
    command: BUN,
    args: ["bench/servers/bun-serve.ts"],
  },
  {
    id: "frames-deno",
    label: "tether, frames engine (Deno)",
    command: DENO,
    args: ["run", "-A", "bench/servers/tether.ts"],
    env: { ENGINE: "frames" },
  },
  {
    id: "deno-upgrade",
    label: "Deno.upgradeWebSocket (raw)",
    command: DENO,
    args: ["run", "-A", "bench/servers/deno-upgrade.ts"],
  },
  {
    id: "tcp-deno",
    label: "TCP echo on Deno.listen (ceiling)",
    command: DENO,
    args: ["run", "-A", "bench/servers/tcp-echo.ts"],
    raw: true,
  },
  {
    id: "frames-bun",
    label: "tether, frames engine (Bun)",
    command: BUN,
    args: ["bench/servers/tether.ts"],
    env: { ENGINE: "frames" },
  },
  {
    id: "tcp-bun",
    label: "TCP echo on Bun.listen (ceiling)",
    command: BUN,
    args: ["bench/servers/tcp-echo.ts"],
    raw: true,
  },
  {
    id: "deno-engine",
    label: "tether, deno engine (Deno)",
    command: DENO,
    args: ["run", "-A", "bench/servers/tether.ts"],
    env: { ENGINE: "deno" },
  },
  { id: "ws-node", label: "ws on Node.js", command: "node", args: ["bench/servers/ws-node.mjs"] },
];

interface LoadResult {
  messagesPerSecond: number;
  p50: number;
  p99: number;
  p999: number;
  serverCpu: number;
  loaderCpu: number;
}

function startServer(server: Server): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(server.command, server.args, {
    cwd: root,
    env: { ...process.env, PORT: "0", NO_COLOR: "1", ...server.env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let output = "";
    child.stdout!.on("data", (chunk: Uint8Array) => {
      output += new TextDecoder().decode(chunk);
      const match = /READY (\d+)/.exec(output);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.on("exit", (code) => reject(new Error(`${server.id} exited with ${code}`)));
  });
}

function load(server: Server, port: number, pid: number, payload: number): LoadResult {
  const result = spawnSync(BUN, [
    "bench/load.ts",
    "--port",
    String(port),
    "--connections",
    String(CONNECTIONS),
    "--payload",
    String(payload),
    "--seconds",
    SECONDS,
    "--server-pid",
    String(pid),
    ...(server.raw ? ["--raw"] : []),
  ], { cwd: root, encoding: "utf8" });
  const line = result.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (line === undefined) throw new Error(`the load generator failed: ${result.stderr}`);
  return JSON.parse(line.slice(7));
}

const results = new Map<string, Map<number, LoadResult>>();
for (const server of SERVERS) {
  if (ONLY && !ONLY.split(",").includes(server.id)) continue;
  const { child, port } = await startServer(server);
  const byPayload = new Map<number, LoadResult>();
  try {
    for (const payload of PAYLOADS) {
      const result = load(server, port, child.pid!, payload);
      byPayload.set(payload, result);
      console.log(
        `${server.label.padEnd(36)} ${String(payload).padStart(6)} B  ` +
          `${Math.round(result.messagesPerSecond).toString().padStart(8)} msg/s  ` +
          `p99 ${result.p99.toFixed(2)} ms  server CPU ${(result.serverCpu * 100).toFixed(0)}%  ` +
          `loader CPU ${(result.loaderCpu * 100).toFixed(0)}%`,
      );
    }
  } finally {
    child.kill();
  }
  results.set(server.id, byPayload);
}

const rate = (id: string, payload: number) => results.get(id)?.get(payload)?.messagesPerSecond;
const ratio = (id: string, base: string, payload: number) => {
  const a = rate(id, payload);
  const b = rate(base, payload);
  return a !== undefined && b !== undefined ? a / b : undefined;
};
const percent = (value: number | undefined) =>
  value === undefined ? "-" : `${(value * 100).toFixed(0)}%`;

const echoTable = [
  `| server | ${PAYLOADS.map((p) => `${p} B msg/s (p99 ms, server CPU)`).join(" | ")} |`,
  `| --- | ${PAYLOADS.map(() => "---").join(" | ")} |`,
  ...SERVERS.filter((s) => results.has(s.id)).map((server) =>
    `| ${server.label} | ${
      PAYLOADS.map((payload) => {
        const r = results.get(server.id)!.get(payload)!;
        return `${Math.round(r.messagesPerSecond)} (${r.p99.toFixed(2)}, ${
          (r.serverCpu * 100).toFixed(0)
        }%)`;
      }).join(" | ")
    } |`
  ),
].join("\n");

const goals: [string, string, string, number][] = [
  ["bun engine vs raw Bun.serve", "bun-engine", "bun-serve", 0.9],
  ["frames (Deno) vs Deno.upgradeWebSocket", "frames-deno", "deno-upgrade", 1.0],
  ["frames (Deno) vs raw TCP echo on Deno", "frames-deno", "tcp-deno", 0.8],
  ["frames (Bun) vs raw TCP echo on Bun", "frames-bun", "tcp-bun", 0.8],
  ["bun engine vs ws on Node", "bun-engine", "ws-node", 1.0],
  ["frames (Deno) vs ws on Node", "frames-deno", "ws-node", 1.0],
  ["frames (Bun) vs ws on Node", "frames-bun", "ws-node", 1.0],
  ["deno engine vs ws on Node", "deno-engine", "ws-node", 1.0],
];
const goalTable = [
  `| comparison | goal | ${PAYLOADS.map((p) => `${p} B`).join(" | ")} |`,
  `| --- | --- | ${PAYLOADS.map(() => "---").join(" | ")} |`,
  ...goals.map(([name, id, base, goal]) =>
    `| ${name} | >= ${percent(goal)} | ${
      PAYLOADS.map((payload) => {
        const value = ratio(id, base, payload);
        if (value === undefined) return "-";
        return `${percent(value)} ${value >= goal ? "met" : "**not met**"}`;
      }).join(" | ")
    } |`
  ),
].join("\n");

const frameBench = [
  spawnSync(DENO, ["run", "-A", "bench/frame.bench.ts"], { cwd: root, encoding: "utf8" }).stdout,
  spawnSync(BUN, ["bench/frame.bench.ts"], { cwd: root, encoding: "utf8" }).stdout,
].join("\n").trim();

const version = (command: string, args: string[]) =>
  spawnSync(command, args, { encoding: "utf8" }).stdout.trim().split("\n")[0];
const machine = `${cpus().length} x ${cpus()[0]?.model ?? "CPU"}, ${
  (totalmem() / 2 ** 30).toFixed(0)
} GiB`;

writeFileSync(
  `${root}docs/BENCHMARKS.md`,
  `# Benchmarks

Written by \`deno task bench\` on ${new Date().toISOString().slice(0, 10)}: ${
    version(DENO, ["--version"])
  }, Bun ${version(BUN, ["--version"])}, Node.js ${
    version("node", ["--version"])
  }; ${machine}. Figures are noisy on a shared machine: compare ratios within this one run.

## Server echo

${CONNECTIONS} connections in a closed loop (one message outstanding each), binary messages, ${SECONDS} s
after 1 s of warm-up. The load generator (\`bench/load.ts\`) runs on Bun in its own process with
pre-masked frames and no allocation per message. Server CPU is the server process's CPU time over
the measured seconds (100% = one core); on 2 cores the load generator and the server share the
machine, so a server near 100% is saturated.

${echoTable}

## Goals

${goalTable}

## Wire layer (bench/frame.bench.ts)

\`\`\`
${frameBench}
\`\`\`
`,
);
spawnSync(DENO, ["fmt", `${root}docs/BENCHMARKS.md`], { stdio: "ignore" });
console.log("wrote docs/BENCHMARKS.md");
