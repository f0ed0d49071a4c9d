import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { nodeBuiltin } from "../frame/node-builtin.ts";
import { denoBinary, root } from "./repository.ts";

interface Dependency {
  specifier: string;
  code?: { specifier: string };
  isDynamic?: boolean;
}

interface GraphModule {
  kind: string;
  specifier: string;
  dependencies?: Dependency[];
}

interface ModuleGraph {
  roots: string[];
  modules: GraphModule[];
  redirects: Record<string, string>;
}

/** What `import "./mod.ts"` evaluates outside the package: npm packages and Node.js built-ins. */
function loadedWithTheLibrary(graph: ModuleGraph): string[] {
  const modules = new Map(graph.modules.map((module) => [module.specifier, module]));
  const seen = new Set<string>();
  const outside = new Set<string>();
  const pending = [...graph.roots];
  while (pending.length > 0) {
    const next = pending.pop()!;
    const specifier = graph.redirects[next] ?? next;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    const module = modules.get(specifier);
    if (module === undefined) continue;
    if (module.kind === "node") outside.add(module.specifier);
    const npmPackage = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(module.specifier);
    if (npmPackage !== null) outside.add(npmPackage[1]);
    for (const dependency of module.dependencies ?? []) {
      // Type-only imports have no code edge; dynamic ones wait for the feature that needs them.
      if (dependency.code !== undefined && !dependency.isDynamic) {
        pending.push(dependency.code.specifier);
      }
    }
  }
  return [...outside].sort();
}

test("importing the library loads only hono: zlib, crypto, fs, xmldom, jose and ldapts wait until a feature needs them", () => {
  const info = spawnSync(denoBinary(), ["info", "--json", "mod.ts"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
  });
  assert.equal(info.status, 0, info.stderr);
  assert.deepEqual(loadedWithTheLibrary(JSON.parse(info.stdout)), ["hono"]);
});

test("a Node.js built-in the runtime cannot load fails with its name", () => {
  const loader = process as { getBuiltinModule?: unknown };
  const original = loader.getBuiltinModule;
  loader.getBuiltinModule = undefined;
  try {
    assert.throws(
      () => nodeBuiltin("node:zlib"),
      /^Error: node:zlib is not available: this runtime has no process\.getBuiltinModule/,
    );
  } finally {
    loader.getBuiltinModule = original;
  }
  assert.equal(typeof nodeBuiltin("node:zlib").createDeflateRaw, "function");
});
