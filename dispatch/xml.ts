import { type Document, DOMParser, Node, onErrorStopParsing, XMLSerializer } from "@xmldom/xmldom";

// Stopping at the first error keeps malformed input from producing a half-built document;
// the parser never expands external entities, so there is nothing to fetch or to blow up.
const parser = new DOMParser({ onError: onErrorStopParsing });
const serializer = new XMLSerializer();

/** Parses XML text into a DOM document; throws with the parser's message when it is not XML. */
export function parseXml(text: string): Document {
  return parser.parseFromString(text, "text/xml");
}

/** Whether a value is a DOM node (a document, an element...) made by `@xmldom/xmldom`. */
export function isXmlNode(value: unknown): value is Node {
  return value instanceof Node;
}

/** The XML text of a DOM node. */
export function serializeXml(node: Node): string {
  return serializer.serializeToString(node);
}
