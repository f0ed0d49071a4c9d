import type { DOMParser } from "@xmldom/xmldom";
import { decodeUtf8 } from "../frame/utf8.ts";
import { PayloadBindingError, PayloadValidationError } from "./errors.ts";
import { isThenable } from "./thenable.ts";
import { xmlParser } from "./xml.ts";

/**
 * A validator that follows the Standard Schema interface, version 1, as zod, valibot and
 * arktype do: binding passes it the parsed JSON and uses what it answers.
 *
 * @example
 * ```ts
 * import type { StandardSchema } from "@tether/websocket";
 * const evenNumber: StandardSchema<number> = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "by-hand",
 *     validate: (value) =>
 *       typeof value === "number" && value % 2 === 0
 *         ? { value }
 *         : { issues: [{ message: "expected an even number" }] },
 *   },
 * };
 * ```
 */
export interface StandardSchema<Output = unknown> {
  /** The interface's properties, under a key no ordinary object uses. */
  readonly "~standard": {
    /** The interface version: 1. */
    readonly version: 1;
    /** The library that made the schema. */
    readonly vendor: string;
    /** Checks a value; may answer asynchronously. */
    readonly validate: (
      value: unknown,
    ) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
    /** The types the schema takes and gives, for inference only. */
    readonly types?: { readonly input: unknown; readonly output: Output } | undefined;
  };
}

/**
 * What a Standard Schema answers: the validated value, or the issues that refused it.
 *
 * @example
 * ```ts
 * import type { StandardSchemaResult } from "@tether/websocket";
 * const refused: StandardSchemaResult<number> = { issues: [{ message: "too small", path: ["age"] }] };
 * ```
 */
export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly StandardSchemaIssue[] };

/**
 * One reason a Standard Schema refused a value, with where in the value it applies.
 *
 * @example
 * ```ts
 * import type { StandardSchemaIssue } from "@tether/websocket";
 * const issue: StandardSchemaIssue = { message: "required", path: ["user", { key: "name" }] };
 * ```
 */
export interface StandardSchemaIssue {
  /** What is wrong. */
  readonly message: string;
  /** Keys from the root of the value to the part at fault. */
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

/**
 * What a message is turned into before a method receives it: the text, the bytes, parsed
 * JSON, an XML `Document`, or the output of a Standard Schema validator (zod, valibot,
 * arktype...) applied to the parsed JSON.
 *
 * @example
 * ```ts
 * import type { BindingTarget } from "@tether/websocket";
 * const targets: BindingTarget[] = ["text", "bytes", "json", "xml"];
 * ```
 */
export type BindingTarget = "text" | "bytes" | "json" | "xml" | StandardSchema;

/** The outcome of binding one message. */
export type Bound = { value: unknown; error?: undefined } | { error: PayloadBindingError };

const NAMED_TARGETS = new Set(["text", "bytes", "json", "xml"]);
const encoder = new TextEncoder();

/** Whether a value can be used as a binding target. */
export function isBindingTarget(value: unknown): value is BindingTarget {
  if (typeof value === "string") return NAMED_TARGETS.has(value);
  const standard = (value as StandardSchema | null)?.["~standard"];
  return typeof standard === "object" && standard !== null &&
    typeof standard.validate === "function";
}

/** A JSON value already parsed from the message (by custom dispatch), or `NOT_PARSED`. */
export const NOT_PARSED: unique symbol = Symbol("not parsed");

/**
 * Turns a message into what `target` asks for. Binary messages meant for anything but
 * bytes are read as UTF-8 first. Answers synchronously unless a schema validates
 * asynchronously or XML support is still loading (with the first XML message).
 */
export function bindMessage(
  data: string | Uint8Array,
  target: BindingTarget,
  validation: boolean,
  parsed: unknown = NOT_PARSED,
): Bound | Promise<Bound> {
  if (target === "bytes") return { value: typeof data === "string" ? encoder.encode(data) : data };
  const text = typeof data === "string" ? data : decodeUtf8(data);
  if (text === undefined) {
    return { error: new PayloadBindingError("the binary message is not valid UTF-8") };
  }
  switch (target) {
    case "text":
      return { value: text };
    case "xml": {
      const parser = xmlParser();
      return parser instanceof Promise
        ? parser.then((loaded) => bindXml(loaded, text))
        : bindXml(parser, text);
    }
  }
  let json = parsed;
  if (json === NOT_PARSED) {
    try {
      json = JSON.parse(text);
    } catch (error) {
      return { error: failure("not valid JSON", error) };
    }
  }
  if (target === "json" || !validation) return { value: json };
  return validate(target, json);
}

function bindXml(parser: DOMParser, text: string): Bound {
  try {
    return { value: parser.parseFromString(text, "text/xml") };
  } catch (error) {
    return { error: failure("not valid XML", error) };
  }
}

function validate(schema: StandardSchema, value: unknown): Bound | Promise<Bound> {
  let result: StandardSchemaResult<unknown> | Promise<StandardSchemaResult<unknown>>;
  try {
    result = schema["~standard"].validate(value);
  } catch (error) {
    return { error: failure("the schema failed", error) };
  }
  return isThenable(result)
    ? Promise.resolve(result).then(
      fromResult,
      (error) => ({ error: failure("the schema failed", error) }),
    )
    : fromResult(result);
}

function fromResult(result: StandardSchemaResult<unknown>): Bound {
  if (!result.issues) return { value: result.value };
  return {
    error: new PayloadValidationError(describeIssues(result.issues), { issues: result.issues }),
  };
}

/** Issues as one line: `user.age: Too small; name: Required`. */
export function describeIssues(issues: readonly StandardSchemaIssue[]): string {
  if (issues.length === 0) return "the schema refused the value";
  return issues.map((issue) => {
    const path = issue.path?.map((segment) =>
      typeof segment === "object" ? segment.key : segment
    ) ?? [];
    return path.length > 0 ? `${path.map(String).join(".")}: ${issue.message}` : issue.message;
  }).join("; ");
}

function failure(what: string, error: unknown): PayloadBindingError {
  const detail = error instanceof Error ? error.message.split("\n")[0] : String(error);
  return new PayloadBindingError(`${what}: ${detail}`, { cause: error });
}
