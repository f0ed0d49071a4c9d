import type { StandardSchemaV1 } from "@standard-schema/spec";
import { decodeUtf8 } from "../frame/utf8.ts";
import { PayloadBindingError, PayloadValidationError } from "./errors.ts";
import { parseXml } from "./xml.ts";

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
export type BindingTarget = "text" | "bytes" | "json" | "xml" | StandardSchemaV1;

/** The outcome of binding one message. */
export type Bound = { value: unknown; error?: undefined } | { error: PayloadBindingError };

const NAMED_TARGETS = new Set(["text", "bytes", "json", "xml"]);
const encoder = new TextEncoder();

/** Whether a value can be used as a binding target. */
export function isBindingTarget(value: unknown): value is BindingTarget {
  if (typeof value === "string") return NAMED_TARGETS.has(value);
  const standard = (value as StandardSchemaV1 | null)?.["~standard"];
  return typeof standard === "object" && standard !== null &&
    typeof standard.validate === "function";
}

/** A JSON value already parsed from the message (by custom dispatch), or `NOT_PARSED`. */
export const NOT_PARSED: unique symbol = Symbol("not parsed");

/**
 * Turns a message into what `target` asks for. Binary messages meant for anything but
 * bytes are read as UTF-8 first. Answers synchronously unless a schema validates
 * asynchronously.
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
    case "xml":
      try {
        return { value: parseXml(text) };
      } catch (error) {
        return { error: failure("not valid XML", error) };
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

function validate(schema: StandardSchemaV1, value: unknown): Bound | Promise<Bound> {
  let result: StandardSchemaV1.Result<unknown> | Promise<StandardSchemaV1.Result<unknown>>;
  try {
    result = schema["~standard"].validate(value);
  } catch (error) {
    return { error: failure("the schema failed", error) };
  }
  return result instanceof Promise
    ? result.then(fromResult, (error) => ({ error: failure("the schema failed", error) }))
    : fromResult(result);
}

function fromResult(result: StandardSchemaV1.Result<unknown>): Bound {
  if (!result.issues) return { value: result.value };
  return {
    error: new PayloadValidationError(describeIssues(result.issues), { issues: result.issues }),
  };
}

/** Issues as one line: `user.age: Too small; name: Required`. */
export function describeIssues(issues: readonly StandardSchemaV1.Issue[]): string {
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
