import { type BindingTarget, isBindingTarget } from "./binding.ts";
import { hasMethod, type Service, type ServiceConfig } from "./service.ts";

/** How one service's messages are routed and bound, checked once at attach time. */
export interface DispatchSettings {
  readonly key: string | undefined;
  readonly streamId: string | undefined;
  /** Values of `key` routed explicitly, to the method that receives them. */
  readonly methodsByValue: ReadonlyMap<string, string>;
  readonly binding: BindingTarget;
  readonly bindings: ReadonlyMap<string, BindingTarget>;
  readonly validation: boolean;
}

/** Methods that receive their own arguments; custom dispatch never reaches them. */
export const LIFECYCLE_METHODS: ReadonlySet<string> = new Set([
  "onOpen",
  "onClose",
  "onError",
  "onIdleTimeout",
  "onBinaryMessage",
]);

/** Methods whose argument is always the raw message, so a binding for them means nothing. */
const UNBOUND_METHODS = new Set([...LIFECYCLE_METHODS, "onTextMessage"]);

function optionalKey(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") {
    throw new TypeError(`${name} must be a non-empty string, got ${JSON.stringify(value)}`);
  }
  return value;
}

function record(name: string, value: unknown): [string, unknown][] {
  if (value === undefined) return [];
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an object keyed by method name`);
  }
  return Object.entries(value);
}

function explicitRoutes(config: ServiceConfig, key: string | undefined): Map<string, string> {
  const methodsByValue = new Map<string, string>();
  const entries = record("dispatcherConfig", config.dispatcherConfig);
  if (entries.length > 0 && key === undefined) {
    throw new TypeError("dispatcherConfig needs dispatcherKey: it routes values of that key");
  }
  for (const [method, route] of entries) {
    const value = (route as { value?: unknown } | null)?.value;
    if (typeof value !== "string") {
      throw new TypeError(`dispatcherConfig.${method} must be { value: string }`);
    }
    if (LIFECYCLE_METHODS.has(method)) {
      throw new TypeError(
        `dispatcherConfig cannot route to ${method}, which is not a message method`,
      );
    }
    const taken = methodsByValue.get(value);
    if (taken !== undefined) {
      throw new TypeError(
        `dispatcherConfig gives the value ${JSON.stringify(value)} to both ${taken} and ${method}`,
      );
    }
    methodsByValue.set(value, method);
  }
  return methodsByValue;
}

function bindingTargets(config: ServiceConfig): Map<string, BindingTarget> {
  const bindings = new Map<string, BindingTarget>();
  for (const [method, target] of record("bindings", config.bindings)) {
    if (UNBOUND_METHODS.has(method)) {
      throw new TypeError(`bindings.${method}: ${method} always receives its raw argument`);
    }
    if (!isBindingTarget(target)) {
      throw new TypeError(
        `bindings.${method} must be "text", "bytes", "json", "xml" or a Standard Schema`,
      );
    }
    bindings.set(method, target);
  }
  return bindings;
}

/** Checks the dispatch and binding part of a service configuration; bad values throw. */
export function resolveDispatchSettings(config: ServiceConfig): DispatchSettings {
  const key = optionalKey("dispatcherKey", config.dispatcherKey);
  const streamId = optionalKey("dispatcherStreamId", config.dispatcherStreamId);
  if (streamId !== undefined && key === undefined) {
    throw new TypeError(
      "dispatcherStreamId needs dispatcherKey: stream ids are read from dispatched requests",
    );
  }
  const binding = config.binding ?? "json";
  if (!isBindingTarget(binding)) {
    throw new TypeError(`binding must be "text", "bytes", "json", "xml" or a Standard Schema`);
  }
  const validation = config.validation ?? true;
  if (typeof validation !== "boolean") {
    throw new TypeError(`validation must be true or false, got ${JSON.stringify(validation)}`);
  }
  return {
    key,
    streamId,
    methodsByValue: explicitRoutes(config, key),
    binding,
    bindings: bindingTargets(config),
    validation,
  };
}

/**
 * What makes a service unusable with its configuration, or undefined when nothing does:
 * `onMessage` beside `onTextMessage`/`onBinaryMessage`, or a configured method it lacks.
 */
export function serviceProblem(service: Service, settings: DispatchSettings): string | undefined {
  if (
    hasMethod(service, "onMessage") &&
    (hasMethod(service, "onTextMessage") || hasMethod(service, "onBinaryMessage"))
  ) {
    return "a service has either onMessage or onTextMessage/onBinaryMessage, not both";
  }
  for (const method of settings.methodsByValue.values()) {
    if (!hasMethod(service, method)) {
      return `dispatcherConfig routes to ${method}, which the service does not have`;
    }
  }
  for (const method of settings.bindings.keys()) {
    if (!hasMethod(service, method)) {
      return `bindings names ${method}, which the service does not have`;
    }
  }
  return undefined;
}
