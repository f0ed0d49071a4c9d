import type * as NodeCrypto from "node:crypto";
import type * as NodeFs from "node:fs";
import type * as NodeZlib from "node:zlib";

/** The Node.js built-in modules the library uses, by the name it loads them with. */
interface NodeBuiltins {
  "node:crypto": typeof NodeCrypto;
  "node:fs": typeof NodeFs;
  "node:zlib": typeof NodeZlib;
}

interface BuiltinLoader {
  getBuiltinModule?(id: string): unknown;
}

/**
 * A Node.js built-in module, loaded when a feature first needs it rather than when the
 * library is imported: each costs a Deno or Bun process memory and start-up time that an
 * application without compression, auth or certificate files should not pay. Deno only
 * builds its `process` object once something reads it, so this reads it only here.
 */
export function nodeBuiltin<Id extends keyof NodeBuiltins>(id: Id): NodeBuiltins[Id] {
  const process = (globalThis as { process?: BuiltinLoader }).process;
  const module = process?.getBuiltinModule?.(id);
  if (module === undefined) {
    throw new Error(
      `${id} is not available: this runtime has no process.getBuiltinModule("${id}")`,
    );
  }
  return module as NodeBuiltins[Id];
}
