import { CloseFrame } from "./close-frame.ts";
import { isXmlNode, serializeXml } from "./xml.ts";

/** A returned iterable or async iterable: each element is its own reply. */
export type ReplyStream = Iterable<unknown> | AsyncIterable<unknown>;

/** How a value returned by a service method goes back to the peer. */
export type Reply =
  | { kind: "none" }
  | { kind: "text"; text: string }
  | { kind: "binary"; data: Uint8Array }
  | { kind: "close"; frame: CloseFrame }
  | { kind: "error"; error: Error }
  | { kind: "stream"; source: ReplyStream };

const NONE: Reply = { kind: "none" };

function isStream(value: object): value is ReplyStream {
  return Symbol.asyncIterator in value || Symbol.iterator in value;
}

/** The request's id under `key`, for a reply that is a JSON object without its own. */
export function withStreamId(value: unknown, key: string, id: unknown): unknown {
  if (
    typeof value !== "object" || value === null || Array.isArray(value) ||
    typeof (value as { toJSON?: unknown }).toJSON === "function" || isReplyType(value) ||
    Object.hasOwn(value, key)
  ) {
    return value;
  }
  return { [key]: id, ...value };
}

function isReplyType(value: object): boolean {
  return value instanceof CloseFrame || value instanceof Error || value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value) || isXmlNode(value) || isStream(value);
}

/**
 * Decides what a returned value sends: a string as text, bytes as binary, an XML node as
 * its text, a close frame as a close, an error to `onError`, nothing for
 * `undefined`/`null`, an iterable other than an array as a stream of replies, any other
 * value as JSON.
 */
export function toReply(value: unknown): Reply {
  if (value === undefined || value === null) return NONE;
  if (typeof value === "string") return { kind: "text", text: value };
  if (typeof value === "object") {
    if (value instanceof Uint8Array) return { kind: "binary", data: value };
    if (value instanceof ArrayBuffer) return { kind: "binary", data: new Uint8Array(value) };
    if (ArrayBuffer.isView(value)) {
      return {
        kind: "binary",
        data: new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
      };
    }
    if (value instanceof CloseFrame) return { kind: "close", frame: value };
    if (value instanceof Error) return { kind: "error", error: value };
    if (isXmlNode(value)) return { kind: "text", text: serializeXml(value) };
    if (!Array.isArray(value) && isStream(value)) return { kind: "stream", source: value };
  }
  try {
    const json = JSON.stringify(value);
    return json === undefined ? NONE : { kind: "text", text: json };
  } catch (error) {
    return { kind: "error", error: error as Error };
  }
}
