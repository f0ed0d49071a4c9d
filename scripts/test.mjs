// Runs the whole suite under `deno test` and then `bun test`, passes their output through,
// and ends with one line totalling both runtimes. Extra arguments select test files.
// Certificates for the TLS tests are made first (see test-certs.mjs).
import { spawn } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";
import { makeTestCertificates } from "./test-certs.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const files = process.argv.slice(2);
/** The pinned runtime `npm ci` installed, else one on the PATH. */
const bin = (name) => {
  const pinned = `${root}node_modules/.bin/${name}`;
  return existsSync(pinned) ? pinned : name;
};

const runners = [
  {
    name: "deno",
    command: bin("deno"),
    args: ["test", "--allow-all", ...(files.length ? files : ["tests/"])],
    count(output) {
      const summary = output.match(/^(?:ok|FAILED) \| (\d+) passed.*?\| (\d+) failed/m);
      return summary && { passed: Number(summary[1]), failed: Number(summary[2]) };
    },
  },
  {
    name: "bun",
    command: bin("bun"),
    args: ["test", ...(files.length ? files.map((f) => `./${f}`) : [])],
    count(output) {
      const passed = output.match(/^\s*(\d+) pass$/m);
      const failed = output.match(/^\s*(\d+) fail$/m);
      return passed && failed && { passed: Number(passed[1]), failed: Number(failed[1]) };
    },
  },
];

// The TLS tests find the certificates through TETHER_TEST_CERTS; both runtimes are told to
// trust the test CA as they trust the public ones.
const certs = makeTestCertificates();
const testEnv = {
  ...process.env,
  NO_COLOR: "1",
  TETHER_TEST_CERTS: certs,
  DENO_CERT: `${certs}/ca.pem`,
  NODE_EXTRA_CA_CERTS: `${certs}/ca.pem`,
};

function run({ command, args }) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      env: testEnv,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const collect = (stream, sink) =>
      stream.on("data", (chunk) => {
        output += chunk;
        sink.write(chunk);
      });
    collect(child.stdout, process.stdout);
    collect(child.stderr, process.stderr);
    child.on("close", (code) => resolve({ code, output }));
    child.on("error", (error) => resolve({ code: -1, output: String(error) }));
  });
}

let passed = 0;
let failed = 0;
for (const runner of runners) {
  console.log(`\n=== ${runner.name} test ===`);
  const { code, output } = await run(runner);
  const counts = runner.count(stripVTControlCharacters(output));
  if (counts) {
    passed += counts.passed;
    failed += counts.failed;
  }
  if (!counts || (code !== 0 && counts.failed === 0)) {
    console.log(`${runner.name} exited with ${code} without a test summary it could be judged by`);
    failed += 1;
  }
}
rmSync(certs, { recursive: true, force: true });
const artifacts = `${root}docs/artifacts`;
if (existsSync(artifacts)) {
  console.log(`\nartifacts kept in docs/artifacts: ${readdirSync(artifacts).sort().join(", ")}`);
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
