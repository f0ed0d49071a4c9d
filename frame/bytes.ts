/**
 * Binary data a caller may hand to the wire layer.
 *
 * @example
 * ```ts
 * import { type BinaryInput, toBytes } from "@tether/websocket";
 * const input: BinaryInput = new Uint16Array([1, 2]);
 * console.log(toBytes(input).length); // 4
 * ```
 */
export type BinaryInput = ArrayBuffer | ArrayBufferView;

/**
 * The exact bytes of `data` as a `Uint8Array` without copying: an offset view of a larger
 * buffer yields only its own bytes. Anything else throws `TypeError`.
 *
 * @example
 * ```ts
 * import { toBytes } from "@tether/websocket";
 * const buffer = new Uint8Array([1, 2, 3, 4]).buffer;
 * console.log(toBytes(new DataView(buffer, 1, 2))); // Uint8Array [2, 3]
 * ```
 */
export function toBytes(data: BinaryInput): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  throw new TypeError(`expected an ArrayBuffer or a view of one, got ${typeof data}`);
}

/**
 * Collects the pieces of one message. The first piece is kept by reference; later ones are
 * copied into one buffer, sized for the frame being read when its end is known and doubled
 * when more must fit, so that time and memory stay proportional to the bytes received
 * however small the pieces are.
 */
export class ByteAccumulator {
  #first: Uint8Array | undefined;
  #buffer: Uint8Array | undefined;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  /** Adds `piece`; `expected` is the total this message will reach as far as is known. */
  append(piece: Uint8Array, expected: number): void {
    if (piece.length === 0) return;
    if (this.#length === 0) {
      this.#first = piece;
      this.#length = piece.length;
      return;
    }
    const needed = this.#length + piece.length;
    let buffer = this.#buffer;
    if (buffer === undefined || buffer.length < needed) {
      // Room for the frame being read when its end is known; past that, double, so that a
      // message in many small fragments costs linear time, not quadratic.
      const capacity = expected > needed
        ? expected
        : Math.max(needed, (buffer?.length ?? 0) * 2, 4096);
      const grown = new Uint8Array(capacity);
      grown.set(buffer === undefined ? this.#first! : buffer.subarray(0, this.#length));
      this.#buffer = buffer = grown;
      this.#first = undefined;
    }
    buffer.set(piece, this.#length);
    this.#length = needed;
  }

  /** Returns everything appended so far and starts over. */
  take(): Uint8Array {
    const result = this.#buffer?.subarray(0, this.#length) ?? this.#first ?? new Uint8Array(0);
    this.#first = this.#buffer = undefined;
    this.#length = 0;
    return result;
  }
}
