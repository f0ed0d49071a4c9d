import { toBytes } from "../frame/bytes.ts";
import { isXmlNode, serializeXml } from "./xml.ts";

/** A value ready to send: text or binary. */
export type OutgoingMessage = { text: string; binary?: undefined } | {
  binary: Uint8Array;
  text?: undefined;
};

/**
 * What `writeMessage` sends for `data`: a string or an XML node as text, bytes as binary,
 * any other value as JSON text. Values JSON cannot represent throw `TypeError`.
 */
export function toOutgoing(data: unknown): OutgoingMessage {
  if (typeof data === "string") return { text: data };
  if (isXmlNode(data)) return { text: serializeXml(data) };
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return { binary: toBytes(data) };
  const json = JSON.stringify(data);
  if (json === undefined) throw new TypeError(`cannot send ${typeof data} as a message`);
  return { text: json };
}
