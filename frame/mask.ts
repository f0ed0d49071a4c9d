import { isJavaScriptCore } from "./bytes.ts";

const maskBytes = new Uint8Array(4);
// Signed words: every word, mask included, is then an int32 to both compilers, never a
// number above 2^31 that they must first prove fits one.
const maskWord = new Int32Array(maskBytes.buffer);

/** Below this many bytes a plain byte loop beats setting up a 32-bit view. */
const WORD_LOOP_THRESHOLD = 32;

/**
 * A WebAssembly module with one exported memory of 64 KiB to start with and
 * `mask(start, end, key)`, which XORs bytes `start..end` of that memory (a multiple of 64 of
 * them) with the 32-bit `key`, 64 bytes per loop turn in four 128-bit SIMD instructions. Its
 * text form:
 *
 *   (memory (export "memory") 1)
 *   (func (export "mask") (param $at i32) (param $end i32) (param $key i32) (local $k v128)
 *     (local.set $k (i32x4.splat (local.get $key)))
 *     (block $done (loop $next
 *       (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
 *       (v128.store offset=0 (local.get $at)
 *         (v128.xor (v128.load offset=0 (local.get $at)) (local.get $k)))
 *       ... the same at offsets 16, 32 and 48 ...
 *       (local.set $at (i32.add (local.get $at) (i32.const 64)))
 *       (br $next))))
 */
const SIMD_MASK_MODULE =
  "AGFzbQEAAAABBwFgA39/fwADAgEABQMBAAEHEQIGbWVtb3J5AgAEbWFzawAACmMBYQEBeyAC/REhAwJAA0AgACABTw0B" +
  "IAAgAP0ABAAgA/1R/QsEACAAIAD9AAQQIAP9Uf0LBBAgACAA/QAEICAD/VH9CwQgIAAgAP0ABDAgA/1R/QsEMCAAQcAA" +
  "aiEADAALCws=";
/**
 * The start of the module's memory, where ranges that lie elsewhere are copied to be masked,
 * in pieces this large. Frame memory (see {@link simdFrameMemory}) follows it.
 */
const SIMD_PIECE = 64 * 1024;
/** The unit in which WebAssembly memory grows. */
const WASM_PAGE = 64 * 1024;

/**
 * From this many bytes, a range masked in place goes through the SIMD module: copied into its
 * memory, masked there and copied back. V8 (Deno) runs the loop of 32-bit words below at about
 * 6 GB/s, and the module's way takes half the time from 2 KiB up (0.6 against 1.3 µs at 16
 * KiB). JavaScriptCore (Bun) runs that loop about twice as fast, and there the two copies cost
 * what the SIMD instructions save, so it keeps the loop.
 */
const SIMD_IN_PLACE_MIN = isJavaScriptCore ? Infinity : 2048;

/**
 * From this many bytes, a payload copied into a frame and masked goes through the SIMD module
 * on both engines: its copy into the module's memory replaces the copy into the frame, so
 * the masking costs one pass fewer (a 1 MiB client frame in 45-53% less time on Deno, 26% less
 * on Bun).
 */
const SIMD_COPY_MIN = 2048;

/**
 * From this many bytes, a range that lies in frame memory already is masked there by the SIMD
 * module, with no copies: below it the loop of 32-bit words is as fast as the call.
 */
const SIMD_FRAME_MIN = 256;

interface SimdMasker {
  memory: WebAssembly.Memory;
  /** All of `memory`, made again whenever it grows. */
  bytes: Uint8Array;
  mask(start: number, end: number, key: number): void;
}

/** Made on first use; null where the runtime compiles no WebAssembly or has no SIMD. */
let simdMasker: SimdMasker | null | undefined;

function simd(): SimdMasker | null {
  if (simdMasker !== undefined) return simdMasker;
  try {
    const code = Uint8Array.from(atob(SIMD_MASK_MODULE), (char) => char.charCodeAt(0));
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(code));
    const { memory, mask } = exports as {
      memory: WebAssembly.Memory;
      mask(start: number, end: number, key: number): void;
    };
    simdMasker = { memory, bytes: new Uint8Array(memory.buffer), mask };
  } catch {
    // Some edge platforms refuse to compile WebAssembly at run time: the loop masks there.
    simdMasker = null;
  }
  return simdMasker;
}

/** The latest memory {@link simdFrameMemory} gave out; memory that grew since is stale. */
let frameMemory: Uint8Array | undefined;

/**
 * At least `length` bytes of the SIMD module's own memory (past the part it masks other ranges
 * in), for a writer that encodes one frame at a time and is done with it before it asks again:
 * a payload that {@link copyMasked} or {@link applyMask} masks there is masked where it lies,
 * without being copied into the module's memory and back. Undefined where the module cannot be
 * made. Memory given out before is no longer valid once a call has had to grow it.
 */
export function simdFrameMemory(length: number): Uint8Array | undefined {
  if (frameMemory !== undefined && frameMemory.length >= length) return frameMemory;
  const masker = simd();
  if (masker === null) return undefined;
  const size = Math.max(WASM_PAGE, 2 ** Math.ceil(Math.log2(length)));
  const missing = SIMD_PIECE + size - masker.memory.buffer.byteLength;
  if (missing > 0) {
    masker.memory.grow(Math.ceil(missing / WASM_PAGE));
    masker.bytes = new Uint8Array(masker.memory.buffer);
  }
  frameMemory = masker.bytes.subarray(SIMD_PIECE, SIMD_PIECE + size);
  return frameMemory;
}

/** Whether `data` lies in the memory {@link simdFrameMemory} gave out. */
function inFrameMemory(data: Uint8Array): boolean {
  return frameMemory !== undefined && data.buffer === frameMemory.buffer;
}

/** Whether a range of `length` bytes is masked in place through the SIMD module here. */
export function masksThroughSimd(length: number): boolean {
  return length >= SIMD_IN_PLACE_MIN && simd() !== null;
}

/** The 32-bit key that masks a range whose first byte takes mask byte `rotation & 3`. */
function keyWord(mask: Uint8Array, rotation: number): number {
  maskBytes[0] = mask[rotation & 3];
  maskBytes[1] = mask[(rotation + 1) & 3];
  maskBytes[2] = mask[(rotation + 2) & 3];
  maskBytes[3] = mask[(rotation + 3) & 3];
  return maskWord[0];
}

/**
 * Writes `source[0..length)` XORed with `mask` (starting at mask byte `phase`) to `target` at
 * `at`, through the SIMD module in pieces; `source` may be `target` itself at `at`. Returns
 * how many bytes it wrote, a multiple of 64: the caller masks the rest.
 */
function maskThroughSimd(
  masker: SimdMasker,
  target: Uint8Array,
  at: number,
  source: Uint8Array,
  length: number,
  mask: Uint8Array,
  phase: number,
): number {
  const key = keyWord(mask, phase);
  const whole = length & ~63;
  // The work lies at the target's offset within 16 bytes, so that copying it out keeps its
  // phase (see frameLead in frame/bytes.ts).
  const work = (target.byteOffset + at) & 15;
  for (let done = 0; done < whole;) {
    const piece = Math.min(SIMD_PIECE - 64, whole - done);
    masker.bytes.set(source.subarray(done, done + piece), work);
    masker.mask(work, work + piece, key);
    target.set(masker.bytes.subarray(work, work + piece), at + done);
    done += piece;
  }
  return whole;
}

/**
 * Copies `payload` into `target` at `at` masked with `mask`, leaving `payload` as it was: in
 * one pass through the SIMD module where that is faster, else a copy and then the masking in
 * place, which beats masking while copying in a loop of our own.
 */
export function copyMasked(
  target: Uint8Array,
  at: number,
  payload: Uint8Array,
  mask: Uint8Array,
): void {
  const length = payload.length;
  // In frame memory, the masking in place after the copy needs no copies of its own.
  const masker = length >= SIMD_COPY_MIN && !inFrameMemory(target) ? simd() : null;
  if (masker === null) {
    target.set(payload, at);
    return applyMask(target, mask, at, at + length);
  }
  const done = maskThroughSimd(masker, target, at, payload, length, mask, 0);
  for (let i = done; i < length; i++) target[at + i] = payload[i] ^ mask[i & 3];
}

/**
 * XORs `data[start..end)` in place with the 4-byte `mask`, starting at mask byte `phase`.
 * Works 32 bits at a time on the aligned middle of the range, so the cost is about a
 * quarter of a byte loop; on V8 (Deno) a range of 2 KiB or more goes through 128-bit
 * WebAssembly SIMD instead, where the runtime compiles WebAssembly. `phase` lets a payload
 * that arrives in pieces be unmasked piece by piece: pass the number of payload bytes
 * already unmasked.
 *
 * @example
 * ```ts
 * import { applyMask } from "@tether/websocket";
 * const mask = new Uint8Array([1, 2, 3, 4]);
 * const data = new Uint8Array([10, 20, 30, 40, 50]);
 * applyMask(data, mask);
 * applyMask(data, mask); // masking twice restores the bytes
 * console.log(data); // Uint8Array [10, 20, 30, 40, 50]
 * ```
 */
export function applyMask(
  data: Uint8Array,
  mask: Uint8Array,
  start = 0,
  end = data.length,
  phase = 0,
): void {
  if (end - start < WORD_LOOP_THRESHOLD) return applyMaskBytewise(data, mask, start, end, phase);
  if (end - start >= SIMD_FRAME_MIN && inFrameMemory(data)) {
    const from = data.byteOffset + start;
    const whole = (end - start) & ~63;
    simdMasker!.mask(from, from + whole, keyWord(mask, phase));
    return applyMaskBytewise(data, mask, start + whole, end, phase + whole);
  }
  const masker = end - start >= SIMD_IN_PLACE_MIN ? simd() : null;
  if (masker !== null) {
    const range = data.subarray(start, end);
    const done = maskThroughSimd(masker, data, start, range, end - start, mask, phase);
    return applyMaskBytewise(data, mask, start + done, end, phase + done);
  }
  let i = start;
  const misalignment = (data.byteOffset + i) & 3;
  const headEnd = misalignment === 0 ? i : i + 4 - misalignment;
  for (; i < headEnd; i++) data[i] ^= mask[(phase + i - start) & 3];
  const word = keyWord(mask, phase + i - start);
  const words = (end - i) >>> 2;
  const view = new Int32Array(data.buffer, data.byteOffset + i, words);
  // Eight words per turn: neither V8 nor JavaScriptCore unrolls this loop by itself;
  // unrolled, it runs 1.3 (V8) to 1.7 (JavaScriptCore) times as fast on 16 KiB.
  const unrolledEnd = words & ~7;
  let w = 0;
  for (; w < unrolledEnd; w += 8) {
    view[w] ^= word;
    view[w + 1] ^= word;
    view[w + 2] ^= word;
    view[w + 3] ^= word;
    view[w + 4] ^= word;
    view[w + 5] ^= word;
    view[w + 6] ^= word;
    view[w + 7] ^= word;
  }
  for (; w < words; w++) view[w] ^= word;
  i += words << 2;
  for (; i < end; i++) data[i] ^= mask[(phase + i - start) & 3];
}

/**
 * {@link applyMask} one byte at a time, four to a loop turn, as `applyMask` itself works on ranges
 * shorter than 32 bytes. Up to 512 bytes in a typed array JavaScriptCore has just created, it also
 * beats 32-bit access, which first makes JavaScriptCore give the array a buffer of its own: 0.3-0.9
 * µs, where this loop takes 0.4 at most.
 */
export function applyMaskBytewise(
  data: Uint8Array,
  mask: Uint8Array,
  start: number,
  end: number,
  phase: number,
): void {
  const m0 = mask[phase & 3];
  const m1 = mask[(phase + 1) & 3];
  const m2 = mask[(phase + 2) & 3];
  const m3 = mask[(phase + 3) & 3];
  let i = start;
  for (const unrolledEnd = end - 3; i < unrolledEnd; i += 4) {
    data[i] ^= m0;
    data[i + 1] ^= m1;
    data[i + 2] ^= m2;
    data[i + 3] ^= m3;
  }
  if (i < end) data[i++] ^= m0;
  if (i < end) data[i++] ^= m1;
  if (i < end) data[i] ^= m2;
}
