/**
 * Reads a size or count limit from options: `undefined` takes the default; anything but a
 * non-negative integer or `Infinity` is a configuration mistake and throws `RangeError`.
 */
export function readLimit(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== "number" || !(value === Infinity || (Number.isInteger(value) && value >= 0))
  ) {
    throw new RangeError(`${name} must be a non-negative integer or Infinity, got ${value}`);
  }
  return value;
}

const DEFAULT_MAX_FRAME_SIZE = 65536;
const DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;
const DEFAULT_WRITE_BUFFER_LIMIT = 16 * 1024 * 1024;

/** Reads a finite number from options: `undefined` takes the default; anything else throws. */
export function readFiniteNumber(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(`${name} must be a finite number, got ${value}`);
  }
  return value;
}

function readByteSize(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer number of bytes, got ${value}`);
  }
  return value;
}

/** The byte limits of one connection, server or client. */
export interface ConnectionLimits {
  maxFrameSize: number;
  maxMessageSize: number;
  writeBufferLimit: number;
}

/**
 * Reads a connection's byte limits: `maxFrameSize` (0 or less: 65536), `maxMessageSize`
 * (default 16 MiB, never below `maxFrameSize`) and `writeBufferLimit` (default 16 MiB).
 * Bad values throw, naming the field.
 */
export function readConnectionLimits(options: {
  maxFrameSize?: unknown;
  maxMessageSize?: unknown;
  writeBufferLimit?: unknown;
}): ConnectionLimits {
  const frameSetting = options.maxFrameSize ?? 0;
  if (typeof frameSetting !== "number" || !Number.isInteger(frameSetting)) {
    throw new RangeError(`maxFrameSize must be an integer, got ${frameSetting}`);
  }
  const maxFrameSize = frameSetting > 0 ? frameSetting : DEFAULT_MAX_FRAME_SIZE;
  return {
    maxFrameSize,
    maxMessageSize: Math.max(
      readByteSize("maxMessageSize", options.maxMessageSize, DEFAULT_MAX_MESSAGE_SIZE),
      maxFrameSize,
    ),
    writeBufferLimit: readByteSize(
      "writeBufferLimit",
      options.writeBufferLimit,
      DEFAULT_WRITE_BUFFER_LIMIT,
    ),
  };
}
