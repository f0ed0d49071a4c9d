import { nodeBuiltin } from "../frame/node-builtin.ts";

/** PEM text given inline, or read from the file it names. */
export function pemText(name: string, value: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new TypeError(`${name} must be PEM text or the path of a PEM file`);
  }
  if (value.includes("-----BEGIN ")) return value;
  try {
    return nodeBuiltin("node:fs").readFileSync(value, "utf8");
  } catch (error) {
    throw new TypeError(`${name}: cannot read ${value}: ${(error as Error).message}`);
  }
}
