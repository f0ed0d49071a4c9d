/**
 * `deno task bench`: every benchmark, one after another in one run, written to
 * docs/BENCHMARKS.md with the runtime versions and the machine.
 *
 * Server echo: each server runs in a process of its own; the load generator (bench/load.ts,
 * on Bun) drives 100 connections in a closed loop at each payload size. Then the wire-layer
 * benchmark (bench/frame.bench.ts) runs on both runtimes.
 *
 * On a machine with two or more cores and `taskset`, servers run on core 0 and load
 * generators and clients on core 1, so the two never compete for one core; each echo and
 * client figure is the median of `--rounds` runs, taken round by round so that drift in
 * the machine's speed spreads over every server alike, in reverse order every other round.
 *
 * The load generator also reads how much of the two cores the hypervisor took (steal); an
 * echo measurement that lost more than `--steal-limit` (a share, 0.05 by default) is taken
 * again, up to twice, and the try that lost the least is kept.
 *
 *   deno run -A bench/run.ts [--seconds 3] [--rounds 5] [--only frames-deno] [--steal-limit 0.05]
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { option } from "./option.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name: string) => {
  const pinned = `${root}node_modules/.bin/${name}`;
  return existsSync(pinned) ? pinned : name;
};
const DENO = bin("deno");
const BUN = bin("bun");
const SECONDS = option("seconds", "3");
const ROUNDS = Number(option("rounds", "5"));
const PINNED = cpus().length >= 2 && spawnSync("taskset", ["-c", "0", "true"]).status === 0;
/** `command args` on one core when the machine allows pinning: 0 for servers, 1 for load. */
const onCore = (core: number, command: string, args: string[]): [string, string[]] =>
  PINNED ? ["taskset", ["-c", String(core), command, ...args]] : [command, args];
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const kib = (bytes: number) => (bytes / 1024).toFixed(1);
const percent = (value: number | undefined) =>
  value === undefined ? "-" : `${(value * 100).toFixed(0)}%`;
/** A ratio judged against `goal`, with a tenth of a percent where a whole one would hide a miss. */
const verdictPercent = (value: number, goal: number) =>
  value < goal && Math.round(value * 100) >= Math.round(goal * 100)
    ? `${(Math.floor(value * 1000) / 10).toFixed(1)}%`
    : percent(value);
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
  /** Shares of the measured time: the server's core idle, and both cores stolen (pinned only). */
  serverCoreIdle?: number;
  steal?: number;
}

function startServer(server: Server): Promise<{ child: ChildProcess; port: number }> {
  const [command, args] = onCore(0, server.command, server.args);
  const child = spawn(command, args, {
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
  const result = spawnSync(
    ...onCore(1, BUN, [
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
      // The server's core and its own, watched for idle and stolen time.
      ...(PINNED ? ["--watch-cores", "0,1"] : []),
    ]),
    { cwd: root, encoding: "utf8" },
  );
  const line = result.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (line === undefined) throw new Error(`the load generator failed: ${result.stderr}`);
  return JSON.parse(line.slice(7));
}

/** A measurement that lost more than this share of the cores to steal is taken again. */
const STEAL_LIMIT = Number(option("steal-limit", "0.05"));
const STEAL_RETAKES = 2;
/** Echo measurements taken again, for the report. */
let retakes = 0;

/**
 * `measure()`, taken again while it lost more than {@link STEAL_LIMIT} of the cores to steal
 * (up to {@link STEAL_RETAKES} times), keeping the try that lost the least: another guest's
 * burst says nothing about what is measured.
 */
function leastStolen(measure: () => LoadResult): LoadResult {
  let best = measure();
  for (let retake = 0; retake < STEAL_RETAKES && (best.steal ?? 0) > STEAL_LIMIT; retake++) {
    retakes++;
    const again = measure();
    if ((again.steal ?? 0) < (best.steal ?? 0)) best = again;
  }
  return best;
}
/**
 * `list` in the order of `round`: as given in odd rounds, reversed in even ones, so that over
 * the rounds each engine runs as often right before its baseline as right after it, and a
 * difference the order makes falls on both alike.
 */
const inRoundOrder = <T>(list: readonly T[], round: number): readonly T[] =>
  round % 2 === 1 ? list : [...list].reverse();
const runs = new Map<string, Map<number, LoadResult[]>>();
for (let round = 1; round <= ROUNDS; round++) {
  for (const server of inRoundOrder(SERVERS, round)) {
    if (ONLY && !ONLY.split(",").includes(server.id)) continue;
    const { child, port } = await startServer(server);
    const byPayload = runs.get(server.id) ?? new Map<number, LoadResult[]>();
    runs.set(server.id, byPayload);
    try {
      for (const payload of PAYLOADS) {
        const result = leastStolen(() => load(server, port, child.pid!, payload));
        byPayload.set(payload, [...byPayload.get(payload) ?? [], result]);
        console.log(
          `round ${round} ${server.label.padEnd(36)} ${String(payload).padStart(6)} B  ` +
            `${Math.round(result.messagesPerSecond).toString().padStart(8)} msg/s  ` +
            `p99 ${result.p99.toFixed(2)} ms  server CPU ${
              (result.serverCpu * 100).toFixed(0)
            }%  ` +
            `loader CPU ${(result.loaderCpu * 100).toFixed(0)}%` +
            (result.steal === undefined
              ? ""
              : `  server core idle ${percent(result.serverCoreIdle)}  steal ${
                percent(result.steal)
              }`),
        );
      }
    } finally {
      child.kill();
    }
  }
}
/** Per server and payload, the run with the median rate (its latency and CPU with it). */
const results = new Map<string, Map<number, LoadResult>>();
for (const [id, byPayload] of runs) {
  const medians = new Map<number, LoadResult>();
  for (const [payload, list] of byPayload) {
    const sorted = [...list].sort((a, b) => a.messagesPerSecond - b.messagesPerSecond);
    medians.set(payload, {
      ...sorted[sorted.length >> 1],
      messagesPerSecond: median(sorted.map((r) => r.messagesPerSecond)),
    });
  }
  results.set(id, medians);
}

// --- memory per idle connection ---
const IDLE_CONNECTIONS = Number(option("idle", "10000"));
/** Bytes per connection once the connections have sat, and just after they opened. */
interface IdleMemory {
  settled: number;
  justOpened: number;
}
const IDLE_HOLD_SECONDS = Number(option("hold", "45"));
const idle = new Map<string, IdleMemory>();
for (const server of SERVERS) {
  if (ONLY && !ONLY.split(",").includes(server.id)) continue;
  const { child, port } = await startServer(server);
  try {
    const result = spawnSync(
      ...onCore(1, BUN, [
        "bench/idle.ts",
        "--port",
        String(port),
        "--server-pid",
        String(child.pid),
        "--connections",
        String(IDLE_CONNECTIONS),
        "--hold",
        String(IDLE_HOLD_SECONDS),
        ...(server.raw ? ["--raw"] : []),
      ]),
      { cwd: root, encoding: "utf8" },
    );
    const line = result.stdout.split("\n").find((l) => l.startsWith("RESULT "));
    if (line === undefined) throw new Error(`idle connections failed: ${result.stderr}`);
    const reading = JSON.parse(line.slice(7));
    const memory = { settled: reading.perConnection, justOpened: reading.perConnectionJustOpened };
    idle.set(server.id, memory);
    console.log(
      `${server.label.padEnd(36)} ${kib(memory.settled)} KiB per idle connection` +
        ` (${kib(memory.justOpened)} just opened)`,
    );
  } finally {
    child.kill();
  }
}

// --- clients: our frames client, the runtime's WebSocket, and ws, against Bun.serve ---
const CLIENT_MODES = ["rtt1", "rtt100", "mib"] as const;
const CLIENT_KINDS = ["tether", "native", "ws"] as const;
/** What `bench/client.ts` reports: its figure, its CPU per unit of it, its core's busy share. */
interface ClientReading {
  value: number;
  cpuMicros: number;
  busy: number;
}
const NO_READING: ClientReading = { value: NaN, cpuMicros: NaN, busy: NaN };
/** A reading as JSON carries it: a client that completed nothing reports null for its CPU. */
const clientReading = (json: Record<keyof ClientReading, number | null>): ClientReading => ({
  value: json.value ?? NaN,
  cpuMicros: json.cpuMicros ?? NaN,
  busy: json.busy ?? NaN,
});
/** Per runtime, client and mode, its reading in each round. */
const clientRounds = new Map<string, ClientReading[]>();
/** One field of a client's readings, round by round. */
const clientField = (key: string, field: keyof ClientReading) =>
  (clientRounds.get(key) ?? []).map((reading) => reading[field]);
if (!ONLY) {
  const echo = SERVERS.find((server) => server.id === "bun-serve")!;
  const { child, port } = await startServer(echo);
  try {
    // Round by round, every client once per round, as for the servers: the machine's speed
    // drifts over minutes, and a client measured in one stretch would carry its drift alone.
    for (let round = 1; round <= ROUNDS; round++) {
      for (const runtime of ["deno", "bun"] as const) {
        for (const mode of CLIENT_MODES) {
          for (const kind of inRoundOrder(CLIENT_KINDS, round)) {
            const command = runtime === "deno" ? DENO : BUN;
            const args = [
              ...(runtime === "deno" ? ["run", "-A"] : []),
              "bench/client.ts",
              "--port",
              String(port),
              "--kind",
              kind,
              "--mode",
              mode,
              "--seconds",
              SECONDS,
            ];
            const result = spawnSync(...onCore(1, command, args), { cwd: root, encoding: "utf8" });
            const line = result.stdout.split("\n").find((l) => l.startsWith("RESULT "));
            const key = `${runtime}/${kind}/${mode}`;
            clientRounds.set(key, [
              ...clientRounds.get(key) ?? [],
              line === undefined ? NO_READING : clientReading(JSON.parse(line.slice(7))),
            ]);
          }
        }
      }
    }
    for (const key of clientRounds.keys()) {
      const values = clientField(key, "value");
      const cpu = clientField(key, "cpuMicros");
      console.log(
        `client ${key.padEnd(20)} ${median(values).toFixed(0)} ` +
          `(${values.map((v) => v.toFixed(0)).join(", ")}), CPU ${median(cpu).toFixed(1)} µs ` +
          `(${cpu.map((v) => v.toFixed(1)).join(", ")}), busy ` +
          percent(median(clientField(key, "busy"))),
      );
    }
  } finally {
    child.kill();
  }
}

const rate = (id: string, payload: number) => results.get(id)?.get(payload)?.messagesPerSecond;
const ratio = (id: string, base: string, payload: number) => {
  const a = rate(id, payload);
  const b = rate(base, payload);
  return a !== undefined && b !== undefined ? a / b : undefined;
};
/**
 * The ratio of `ours` to `theirs` round by round: its range, its median and how many rounds
 * reach `goal`. Within a round the two ran minutes apart at most, so the machine's drift over a
 * run falls on both alike, and the spread shows whether a missed goal is missed in every round.
 */
const roundSpread = (ours: number[], theirs: number[], goal: number) => {
  const ratios = ours.map((value, round) => value / theirs[round]).filter(Number.isFinite);
  if (ratios.length === 0) return "";
  const reached = ratios.filter((value) => value >= goal).length;
  const lowest = (Math.min(...ratios) * 100).toFixed(0);
  return `; rounds ${lowest}-${percent(Math.max(...ratios))} (median ${
    percent(median(ratios))
  }), ${reached} of ${ratios.length} met`;
};
const echoRates = (id: string, payload: number) =>
  runs.get(id)?.get(payload)?.map((result) => result.messagesPerSecond) ?? [];

const echoTable = [
  `| server | ${
    PAYLOADS.map((p) => `${p} B msg/s (p99 ms, server / load generator CPU)`).join(" | ")
  } |`,
  `| --- | ${PAYLOADS.map(() => "---").join(" | ")} |`,
  ...SERVERS.filter((s) => results.has(s.id)).map((server) =>
    `| ${server.label} | ${
      PAYLOADS.map((payload) => {
        const r = results.get(server.id)!.get(payload)!;
        return `${Math.round(r.messagesPerSecond)} (${r.p99.toFixed(2)}, ${
          (r.serverCpu * 100).toFixed(0)
        }% / ${(r.loaderCpu * 100).toFixed(0)}%)`;
      }).join(" | ")
    } |`
  ),
].join("\n");

/** Measurements whose load generator watched the cores: only when pinned, on Linux. */
const watched = [...runs.values()].flatMap((byPayload) => [...byPayload.values()].flat())
  .filter((result) => result.steal !== undefined);
const coreTable = watched.length === 0 ? "" : [
  `| server | ${PAYLOADS.map((p) => `${p} B: server's core idle / steal`).join(" | ")} |`,
  `| --- | ${PAYLOADS.map(() => "---").join(" | ")} |`,
  ...SERVERS.filter((s) => results.has(s.id)).map((server) =>
    `| ${server.label} | ${
      PAYLOADS.map((payload) => {
        const r = results.get(server.id)!.get(payload)!;
        return `${percent(r.serverCoreIdle)} / ${percent(r.steal)}`;
      }).join(" | ")
    } |`
  ),
].join("\n");
const steals = watched.map((result) => result.steal!);
const coreSection = watched.length === 0 ? "" : `
How busy the two cores were in the same measurements (the run with the median rate, as above),
from the kernel's accounting in \`/proc/stat\`: the share of the measured time the server's core sat
idle (headroom the load generator left it), and the share of both cores the hypervisor gave to
other guests (steal: time this machine's cores were ready to run but did not). Over all ${steals.length}
echo measurements of this run, steal was ${percent(median(steals))} in the median and up to ${
  percent(Math.max(...steals))
} in one. A measurement that lost more than ${
  percent(STEAL_LIMIT)
} to steal was taken again, up to ${STEAL_RETAKES} times, keeping the try that lost the least: ${retakes} retakes in this run, and ${
  steals.filter((steal) => steal > STEAL_LIMIT).length
} measurements kept more than ${percent(STEAL_LIMIT)} after them. On a virtual machine a core
that keeps halting and waking up is charged steal of its own (about 20% with one connection's
round trips on this one), so steal speaks for other guests only where the cores are busy, as they
are with 100 connections.

${coreTable}
`;

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
        return `${verdictPercent(value, goal)} ${value >= goal ? "met" : "**not met**"}${
          roundSpread(echoRates(id, payload), echoRates(base, payload), goal)
        }`;
      }).join(" | ")
    } |`
  ),
].join("\n");

/** Each engine against its runtime's own WebSocket server: what a user would use instead. */
const idleBase: Record<string, string> = {
  "bun-engine": "bun-serve",
  "frames-bun": "bun-serve",
  "frames-deno": "deno-upgrade",
  "deno-engine": "deno-upgrade",
};
const idleTable = [
  "| server | KiB per idle connection, settled | just opened | settled vs its runtime's raw baseline (goal <= 1.5x) | just opened vs baseline |",
  "| --- | --- | --- | --- | --- |",
  ...SERVERS.filter((server) => idle.has(server.id)).map((server) => {
    const base = idleBase[server.id];
    const own = idle.get(server.id)!;
    const against = base === undefined ? undefined : idle.get(base);
    const times = against === undefined ? undefined : own.settled / against.settled;
    const settled = times === undefined
      ? "-"
      : `${times.toFixed(2)}x ${times <= 1.5 ? "met" : "**not met**"} (vs ${
        SERVERS.find((s) => s.id === base)!.label
      })`;
    const justOpened = against === undefined
      ? "-"
      : `${(own.justOpened / against.justOpened).toFixed(2)}x`;
    return `| ${server.label} | ${kib(own.settled)} | ${
      kib(own.justOpened)
    } | ${settled} | ${justOpened} |`;
  }),
].join("\n");

const MODE_LABEL = {
  rtt1: "round trips/s, 1 connection",
  rtt100: "round trips/s, 100 connections",
  mib: "MB/s, 1 MiB messages",
};
const clientTable = ONLY ? "Not measured: a run with `--only` measures the servers it names." : [
  "| runtime | measure | tether (frames) | runtime's WebSocket | ws | tether / runtime's | " +
  "client CPU per round trip (per MiB), tether / runtime's | client core busy, tether / runtime's |",
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ...(["deno", "bun"] as const).flatMap((runtime) =>
    CLIENT_MODES.map((mode) => {
      const get = (kind: string, field: keyof ClientReading = "value") =>
        median(clientField(`${runtime}/${kind}/${mode}`, field));
      const ours = get("tether");
      const theirs = get("native");
      const cpu = [get("tether", "cpuMicros"), get("native", "cpuMicros")];
      return `| ${runtime} | ${MODE_LABEL[mode]} | ${ours.toFixed(0)} | ${theirs.toFixed(0)} | ${
        get("ws").toFixed(0)
      } | ${verdictPercent(ours / theirs, 1)} ${ours >= theirs ? "met" : "**not met**"}${
        roundSpread(
          clientField(`${runtime}/tether/${mode}`, "value"),
          clientField(`${runtime}/native/${mode}`, "value"),
          1,
        )
      } | ${cpu.map((micros) => `${micros.toFixed(1)} µs`).join(" / ")} (${
        (cpu[0] / cpu[1]).toFixed(2)
      }x) | ${percent(get("tether", "busy"))} / ${percent(get("native", "busy"))} |`;
    })
  ),
].join("\n");

const frameBench = [
  spawnSync(DENO, ["run", "-A", "--v8-flags=--expose-gc", "bench/frame.bench.ts"], {
    cwd: root,
    encoding: "utf8",
  }).stdout,
  spawnSync(BUN, ["bench/frame.bench.ts"], { cwd: root, encoding: "utf8" }).stdout,
].join("\n").trim();

const version = (command: string, args: string[]) =>
  spawnSync(command, args, { encoding: "utf8" }).stdout.trim().split("\n")[0];
const machine = `${cpus().length} x ${cpus()[0]?.model ?? "CPU"}, ${
  (totalmem() / 2 ** 30).toFixed(0)
} GiB`;

/** What the figures mean where a goal is not met: written by hand, read at the end of a run. */
const analysisFile = `${root}bench/analysis.md`;
const analysis = existsSync(analysisFile) ? readFileSync(analysisFile, "utf8").trim() : "";

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
pre-masked frames and no allocation per message. ${
    PINNED
      ? "The server is pinned to core 0 and the load generator to core 1, so they never compete for a core."
      : "Server and load generator share the machine's cores (no `taskset`)."
  } Each figure is the median of ${ROUNDS} rounds (every server once per round, in reverse order every other round). Server CPU is the
server process's CPU time over the measured seconds (100% = one core): a server near 100% is
saturated, so each rate is that server's ceiling on one core, not the load generator's. The load
generator's own CPU is given beside it: where it nears 100% too, the load generator sets part of
the pace and the rate understates the server.

${echoTable}
${coreSection}
## Goals

Each ratio is that of the two medians above, and the goal is judged on it. Beside it is the same
ratio round by round: in a round every server runs once, each engine right before or after the
runtime's own server it is compared with (before it in odd rounds, after it in even ones), so the
machine's drift over the run falls on both alike. Its range, its median, and in how many of the ${ROUNDS} rounds it meets the goal show
whether a goal is missed in every round or only in some; the median of the round-by-round ratios
is the statistic that pairs each engine with its baseline, where the ratio of the medians may take
the two from different rounds.

${goalTable}

${analysis}

## Memory per idle connection

${IDLE_CONNECTIONS} upgraded connections held open by \`bench/idle.ts\`; the growth of the server's
resident size, divided by the connections, read 2 s after the last connection opened ("just
opened") and again after they sat for ${IDLE_HOLD_SECONDS} s ("settled"). The first reading still holds what
the handshakes left for the collector, which each runtime collects on its own schedule while the
connections sit (Bun within about 20 s, Deno within about 40 s); the goal is judged on the settled
reading, what an idle connection keeps.

${idleTable}

## Clients

Against the raw \`Bun.serve\` echo server in its own process${
    PINNED ? " (server on core 0, client on core 1)" : ""
  }; the median of ${ROUNDS} runs each, taken round by round (every client once per round, in reverse order every other round). Goal: our
frames client at least as fast as the runtime's
own \`WebSocket\` client. As for the servers, the ratio is that of the medians, with its range
and median round by round beside it. The last two columns give each client's own CPU time per
round trip (per MiB echoed) and how busy it kept its core: a client well below 100% busy spent its
time waiting for the server, and its rate then says more about the server than about the client.

${clientTable}

## Wire layer (bench/frame.bench.ts)

\`\`\`
${frameBench}
\`\`\`
`,
);
spawnSync(DENO, ["fmt", `${root}docs/BENCHMARKS.md`], { stdio: "ignore" });
console.log("wrote docs/BENCHMARKS.md");
