import { NOT_PARSED } from "./binding.ts";
import { type DispatchSettings, LIFECYCLE_METHODS } from "./dispatch-config.ts";
import { hasMethod, type Service } from "./service.ts";

/** Where a text message goes, with what custom dispatch already learnt from it. */
export interface TextRoute {
  readonly method: string;
  /** The message parsed as JSON, or `NOT_PARSED`. */
  readonly json: unknown;
  /** The value at `dispatcherStreamId`, undefined when there is none. */
  readonly requestId: unknown;
}

// Plain text without custom dispatch takes one of these, so that it allocates nothing.
const TEXT_MESSAGE: TextRoute = { method: "onTextMessage", json: NOT_PARSED, requestId: undefined };
const MESSAGE: TextRoute = { method: "onMessage", json: NOT_PARSED, requestId: undefined };
const WORD_SEPARATORS = /[\W_]+/;
const OBJECT_START = /^\s*\{/;

/**
 * The method name custom dispatch derives from a value: "on" and the value's words, split
 * at runs of non-word characters and underscores, in camelCase with each later word's
 * rest in lower case. `"un subscribe"` gives `onUnSubscribe`, `"subscribeMessage"` gives
 * `onSubscribemessage`.
 *
 * @example
 * ```ts
 * import { dispatcherMethodName } from "@tether/websocket";
 * console.log(dispatcherMethodName("this_ping message")); // "onThisPingMessage"
 * ```
 */
export function dispatcherMethodName(value: string): string {
  const words = `on ${value}`.split(WORD_SEPARATORS).filter((word) => word !== "");
  return words.map((word, index) =>
    index === 0 ? word.toLowerCase() : word.charAt(0).toUpperCase() + word.slice(1).toLowerCase()
  ).join("");
}

function parseObject(text: string): Record<string, unknown> | undefined {
  // Only an object can carry the key; anything else is not worth an exception.
  if (!OBJECT_START.test(text)) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Chooses the method for a text message: with `dispatcherKey`, the method registered for
 * the key's value, then the value's camelCase name; then `onTextMessage`, then
 * `onMessage`. Undefined when none exists and the message is dropped.
 */
export function routeText(
  service: Service,
  settings: DispatchSettings,
  text: string,
): TextRoute | undefined {
  let json: unknown = NOT_PARSED;
  let requestId: unknown;
  if (settings.key !== undefined) {
    const message = parseObject(text);
    if (message !== undefined) {
      json = message;
      if (settings.streamId !== undefined && Object.hasOwn(message, settings.streamId)) {
        requestId = message[settings.streamId];
      }
      const value = Object.hasOwn(message, settings.key) ? message[settings.key] : undefined;
      if (typeof value === "string") {
        const registered = settings.methodsByValue.get(value);
        if (registered !== undefined && hasMethod(service, registered)) {
          return { method: registered, json, requestId };
        }
        const named = dispatcherMethodName(value);
        if (!LIFECYCLE_METHODS.has(named) && hasMethod(service, named)) {
          return { method: named, json, requestId };
        }
      }
    }
  }
  if (json === NOT_PARSED) {
    if (hasMethod(service, "onTextMessage")) return TEXT_MESSAGE;
    if (hasMethod(service, "onMessage")) return MESSAGE;
    return undefined;
  }
  if (hasMethod(service, "onTextMessage")) return { method: "onTextMessage", json, requestId };
  if (hasMethod(service, "onMessage")) return { method: "onMessage", json, requestId };
  return undefined;
}
