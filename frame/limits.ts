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
