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

/** Whether this runtime is JavaScriptCore (Bun), whose costs differ from V8's (Deno). */
export const isJavaScriptCore = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

/**
 * From this many bytes, a payload copied into a frame on JavaScriptCore is placed at the same
 * offset within 16 bytes as it lies in its own memory. Bun copies typed arrays with the C
 * library's `memmove`, which in glibc 2.36 copies a few KiB to about 1 MiB with `rep movsb`;
 * on an AMD EPYC machine, that ran at 2.4-3.5 GB/s instead of 40-60 when the destination lay
 * 1-15 bytes past the source modulo 4 KiB, where a frame's header put the payload of every
 * frame of 8 KiB or more (an Intel Xeon machine with the same glibc copied at every offset
 * alike). Copies in V8 (Deno) were not affected.
 */
export const PHASE_KEPT_MIN = isJavaScriptCore ? 2048 : Infinity;

/**
 * How many bytes (0-15) to leave before a frame whose `payload` starts `headerLength` bytes
 * in, in memory that starts on a 16-byte boundary, so that the payload keeps its phase within
 * 16 bytes (see {@link PHASE_KEPT_MIN}); 0 where that does not matter.
 */
export function frameLead(payload: Uint8Array, headerLength: number): number {
  return payload.length >= PHASE_KEPT_MIN ? (payload.byteOffset - headerLength) & 15 : 0;
}

/**
 * {@link allocateBytes} carves arrays of more than `SLAB_FLOOR` and at most `SLAB_CEILING`
 * bytes from shared slabs. V8 (Deno) allocates a typed array of any size 10 to 80 times as
 * slowly as it makes a view on a buffer that exists. JavaScriptCore (Bun) allocates one of up
 * to about 512 bytes in its own heap, about twice as fast as a view; a larger one gets memory
 * of its own, zero-filled, and costs 3 to 10 times as much as a view.
 */
const SLAB_FLOOR = isJavaScriptCore ? 512 : 0;
const SLAB_CEILING = 2048;

/**
 * Payloads up to this size that arrived in a chunk the socket reads into again are copied
 * into slabs; a larger one keeps the chunk. Only Deno's sockets read into their chunks again.
 */
export const SLAB_LIMIT = isJavaScriptCore ? 0 : SLAB_CEILING;

/**
 * Parts of a fresh chunk up to this size are handed out as copies rather than views where
 * that is cheaper. JavaScriptCore (Bun) makes a view into a typed array it has just created
 * about twice as slowly as a copy of up to 512 bytes; in V8 (Deno) the view is the cheaper.
 */
export const VIEW_COPY_LIMIT = isJavaScriptCore ? 512 : 0;
const SLAB_SIZE = 64 * 1024;
let slab = new ArrayBuffer(SLAB_SIZE);
let slabOffset = 0;

/**
 * Memory for `length` bytes that the caller fills; small ones are carved from shared slabs.
 * `room` bytes before them are set aside too, in the same buffer (see {@link copyBytes}).
 */
export function allocateBytes(length: number, room = 0): Uint8Array {
  const size = room + length;
  if (size <= SLAB_FLOOR || size > SLAB_CEILING) {
    return room === 0
      ? new Uint8Array(length)
      : new Uint8Array(new ArrayBuffer(size), room, length);
  }
  if (slabOffset + size > SLAB_SIZE) {
    slab = new ArrayBuffer(SLAB_SIZE);
    slabOffset = 0;
  }
  const bytes = new Uint8Array(slab, slabOffset + room, length);
  slabOffset = (slabOffset + size + 7) & ~7;
  return bytes;
}

/** Gives back the tail of the latest {@link allocateBytes} that its owner did not use. */
export function releaseUnused(bytes: Uint8Array, used: number): void {
  if (bytes.buffer === slab && ((bytes.byteOffset + bytes.length + 7) & ~7) === slabOffset) {
    slabOffset = (bytes.byteOffset + used + 7) & ~7;
  }
}

/**
 * A copy of `bytes` in memory of its own (or a slab's), for keeping past a reused buffer,
 * with `room` bytes of the same buffer free before it: room for the header of a frame that
 * sends the copy on (see `offerHeaderRoom`).
 */
export function copyBytes(bytes: Uint8Array, room = 0): Uint8Array {
  const copy = allocateBytes(bytes.length, room);
  copy.set(bytes);
  return copy;
}

/** Memory for a message gathered from pieces; see {@link gatherInto}. */
let allocateGathered = (length: number): Uint8Array => new Uint8Array(length);

/**
 * Lets {@link ByteAccumulator} take the memory of a message whose length it knows from
 * `allocate`, which may skip zero-filling it (Bun's `allocUnsafe`): the accumulator writes
 * every byte of such memory before it hands it out, and never hands out the rest of it. A
 * zero-filled megabyte costs JavaScriptCore about 20 µs more than one left as it was.
 */
export function gatherInto(allocate: (length: number) => Uint8Array): void {
  allocateGathered = allocate;
}

/**
 * Collects the pieces of one message. The first piece is kept as it is (or copied, when its
 * memory will be reused); later ones are copied into one buffer, sized for the frame being
 * read when its end is known and doubled when more must fit, so that time and memory stay
 * proportional to the bytes received however small the pieces are.
 */
export class ByteAccumulator {
  readonly #copyFirst: boolean;
  #first: Uint8Array | undefined;
  #buffer: Uint8Array | undefined;
  #length = 0;

  /** `copyFirst`: the first piece's memory will be reused, so copy it like the others. */
  constructor(copyFirst = false) {
    this.#copyFirst = copyFirst;
  }

  get length(): number {
    return this.#length;
  }

  /** Adds `piece`; `expected` is the total this message will reach as far as is known. */
  append(piece: Uint8Array, expected: number): void {
    if (piece.length === 0) return;
    if (this.#length === 0 && !this.#copyFirst) {
      this.#first = piece;
      this.#length = piece.length;
      return;
    }
    const needed = this.#length + piece.length;
    let buffer = this.#buffer;
    if (buffer === undefined || buffer.length < needed) {
      const kept = buffer?.subarray(0, this.#length) ?? this.#first;
      // Room for the frame being read when its end is known; past that, double, so that a
      // message in many small fragments costs linear time, not quadratic.
      const capacity = expected > needed
        ? expected
        : kept === undefined
        ? needed
        : Math.max(needed, (buffer?.length ?? 0) * 2, 4096);
      // Sized to the end that is known, every byte gets written before `take` hands it out.
      const grown = capacity === expected ? allocateGathered(capacity) : new Uint8Array(capacity);
      if (kept !== undefined) grown.set(kept);
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
