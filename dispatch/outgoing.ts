import { toBytes } from "../frame/bytes.ts";
import { isXmlNode, serializeXml } from "./xml.ts";

/** A value ready to send: text or binary. */
type OutgoingMessage = { text: string; binary?: undefined } | {
  binary: Uint8Array;
  text?: undefined;
};

/**
 * What `writeMessage` sends for `data`: a string or an XML node as text, bytes as binary,
 * any other value as JSON text. Values JSON cannot represent throw `TypeError`.
 */
function toOutgoing(data: unknown): OutgoingMessage {
  if (typeof data === "string") return { text: data };
  if (isXmlNode(data)) return { text: serializeXml(data) };
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return { binary: toBytes(data) };
  const json = JSON.stringify(data);
  if (json === undefined) throw new TypeError(`cannot send ${typeof data} as a message`);
  return { text: json };
}

/** What {@link writeOutgoing} writes with. */
export interface MessageWriter {
  writeTextMessage(text: string): Promise<void>;
  writeBinaryMessage(data: Uint8Array): Promise<void>;
}

/** Sends `data` as {@link toOutgoing} says, through `writer`; a value JSON cannot hold rejects. */
export function writeOutgoing(writer: MessageWriter, data: unknown): Promise<void> {
  let message: OutgoingMessage;
  try {
    message = toOutgoing(data);
  } catch (error) {
    return Promise.reject(error);
  }
  return message.text === undefined
    ? writer.writeBinaryMessage(message.binary)
    : writer.writeTextMessage(message.text);
}

/** The bytes of a method's binary argument, or the `TypeError` to reject the call with. */
export function binaryArgument(method: string, data: unknown): Uint8Array | TypeError {
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return toBytes(data);
  return new TypeError(`${method} needs an ArrayBuffer or a view of one, got ${typeof data}`);
}
