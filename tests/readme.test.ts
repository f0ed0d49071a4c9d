import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { denoBinary, root } from "./repository.ts";

const readme = readFileSync(join(root, "README.md"), "utf8");

interface CodeBlock {
  language: string;
  code: string;
  /** README line of the opening fence. */
  line: number;
}

/** Fenced blocks, including those indented inside list items (the indent is removed). */
function codeBlocks(markdown: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = markdown.split("\n");
  for (let at = 0; at < lines.length; at++) {
    const open = /^(\s*)```(\w*)\s*$/.exec(lines[at]);
    if (open === null) continue;
    const [, indent, language] = open;
    const body: string[] = [];
    let end = at + 1;
    while (end < lines.length && lines[end].trim() !== "```") {
      body.push(lines[end].startsWith(indent) ? lines[end].slice(indent.length) : lines[end]);
      end++;
    }
    blocks.push({ language, code: body.join("\n"), line: at + 1 });
    at = end;
  }
  return blocks;
}

const blocks = codeBlocks(readme);

test("README: every code block says its language, and only ts and sh are used", () => {
  assert.ok(blocks.length >= 20, `only ${blocks.length} code blocks found`);
  for (const block of blocks) {
    assert.ok(
      block.language === "ts" || block.language === "sh",
      `README line ${block.line}: a block in "${block.language}"`,
    );
  }
});

test("README: every TypeScript block type-checks against the package", { timeout: 120_000 }, () => {
  const typescript = blocks.filter((block) => block.language === "ts");
  // Inside the repository, so that the blocks resolve npm packages as the package does.
  const directory = mkdtempSync(join(root, ".readme-check-"));
  try {
    const files = typescript.map((block) => {
      const file = join(directory, `line-${block.line}.ts`);
      const code = block.code.replaceAll('"@tether/websocket"', '"../mod.ts"');
      writeFileSync(file, `${code}\nexport {};\n`);
      return file;
    });
    const checked = spawnSync(denoBinary(), ["check", "--quiet", ...files], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "1" },
    });
    assert.equal(checked.status, 0, `type errors in README blocks:\n${checked.stderr}`);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test("README: every task and script it names exists", () => {
  const tasks = Object.keys(
    JSON.parse(readFileSync(join(root, "deno.json"), "utf8")).tasks as Record<string, string>,
  );
  const scripts = Object.keys(
    JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts as Record<
      string,
      string
    >,
  );
  const named = (pattern: RegExp) => [...readme.matchAll(pattern)].map((match) => match[1]);
  const denoTasks = named(/deno task (\w+)/g);
  const scriptRuns = [...named(/bun run (\w+)/g), ...named(/npm (start|test)\b/g)];
  assert.ok(denoTasks.length > 0 && scriptRuns.length > 0);
  for (const task of denoTasks) assert.ok(tasks.includes(task), `deno task ${task}`);
  for (const script of scriptRuns) assert.ok(scripts.includes(script), `script ${script}`);
});
