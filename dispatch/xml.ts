import type { DOMParser } from "@xmldom/xmldom";

/** A DOM node that writes its own markup, as every `@xmldom/xmldom` node does. */
export interface XmlNode {
  nodeType: number;
  nodeName: string;
  toString(): string;
}

let parser: DOMParser | undefined;
let loading: Promise<DOMParser> | undefined;

/**
 * The XML parser, or a promise of it until `@xmldom/xmldom` has loaded. The package is
 * loaded with the first XML message rather than with the library: it costs every Bun
 * process about 11 MB and every Deno process about 2 MB of heap.
 */
export function xmlParser(): DOMParser | Promise<DOMParser> {
  return parser ?? (loading ??= import("@xmldom/xmldom").then((xmldom) =>
    // Stopping at the first error keeps malformed input from producing a half-built
    // document; the parser never expands external entities, so there is nothing to fetch.
    parser = new xmldom.DOMParser({ onError: xmldom.onErrorStopParsing })
  ));
}

/**
 * Whether a value is an XML node to send as its markup: a DOM node (a numeric `nodeType`
 * and a string `nodeName`) whose `toString` writes it out. Told by shape, so a node made by
 * any copy of `@xmldom/xmldom` counts, and the library need not load it to tell.
 */
export function isXmlNode(value: unknown): value is XmlNode {
  const node = value as Partial<XmlNode> | null;
  return typeof node === "object" && node !== null && typeof node.nodeType === "number" &&
    typeof node.nodeName === "string" && typeof node.toString === "function" &&
    node.toString !== Object.prototype.toString;
}

/** The XML text of a node; `@xmldom/xmldom` serializes a node this way. */
export function serializeXml(node: XmlNode): string {
  return node.toString();
}
