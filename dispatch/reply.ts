import { CloseFrame } from "./close-frame.ts";

/** How a value returned by a service method goes back to the peer. */
export type Reply =
  | { kind: "none" }
  | { kind: "text"; text: string }
  | { kind: "binary"; data: Uint8Array }
  | { kind: "close"; frame: CloseFrame }
  | { kind: "error"; error: Error };

const NONE: Reply = { kind: "none" };

/**
 * Decides what a returned value sends: a string as text, bytes as binary, a close frame as
 * a close, an error to `onError`, nothing for `undefined`/`null`, any other value as JSON.
 */
export function toReply(value: unknown): Reply {
  if (value === undefined || value === null) return NONE;
  if (typeof value === "string") return { kind: "text", text: value };
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
  try {
    const json = JSON.stringify(value);
    return json === undefined ? NONE : { kind: "text", text: json };
  } catch (error) {
    return { kind: "error", error: error as Error };
  }
}
