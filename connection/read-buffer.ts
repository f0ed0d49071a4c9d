/**
 * Buffers start small, so that an idle connection holds little memory, and the next one is
 * fourfold larger (up to the largest size) each time a read fills the room it was given.
 * After {@link SHRINK_AFTER} reads in a row that each used less than a sixteenth of the
 * buffer, the next one is fourfold smaller again, so that a burst of large messages does not
 * leave a connection holding the largest buffer for good.
 */
export const FIRST_READ_BUFFER_SIZE = 4 * 1024;
export const LARGEST_READ_BUFFER_SIZE = 64 * 1024;
const SMALL_READ_SHARE = 16;
const SHRINK_AFTER = 4;
/** A buffer with less than this share of its size left is replaced rather than read into. */
const MIN_ROOM_SHARE = 4;

/**
 * The memory a socket adapter whose reads fill a buffer of the caller's (`Deno.Conn.read`)
 * reads into. A chunk its receiver kept stays as it is and later reads go after it; a chunk it
 * kept nothing of is read over again, since a new buffer costs V8 more than copying what is
 * kept.
 */
export class ReadBuffer {
  #size = FIRST_READ_BUFFER_SIZE;
  #buffer = new Uint8Array(FIRST_READ_BUFFER_SIZE);
  #used = 0;
  #smallReads = 0;
  /**
   * The view {@link room} handed out last, while nothing more was kept. A kept chunk before
   * every later one, as the HTTP head a connection began with is, would otherwise cost each
   * read a new view for the room after it.
   */
  #room: Uint8Array | undefined;
  /** How long the last chunk kept was (see {@link #lengthFor}). */
  #keptLength = 0;

  /** Where the next read goes. */
  room(): Uint8Array {
    const size = this.#size;
    const length = this.#buffer.length;
    // A buffer made for `size` is at least that long and shorter than twice it (#lengthFor).
    if (length < size || length >= 2 * size || length - this.#used < size / MIN_ROOM_SHARE) {
      this.#buffer = new Uint8Array(this.#lengthFor(size));
      this.#used = 0;
      this.#room = undefined;
    }
    return this.#used === 0 ? this.#buffer : this.#room ??= this.#buffer.subarray(this.#used);
  }

  /**
   * How long a new buffer for `size` is made: a whole number of chunks as long as the last one
   * kept, where that one took a sixteenth of `size` or more, and no more than all of it (a
   * chunk kept before the buffer shrank may be longer). Messages that each arrive in a
   * read of their own and are handed out as views keep their chunks; a buffer they fill whole
   * leaves no tail that V8 zero-filled for nothing (echoing 16 KiB messages on Deno, three of
   * them used 48 of every 64 KiB, and filling four per buffer was about a tenth faster).
   */
  #lengthFor(size: number): number {
    const kept = this.#keptLength;
    return kept < size / SMALL_READ_SHARE || kept > size ? size : Math.ceil(size / kept) * kept;
  }

  /** The `count` bytes a read put into the last {@link room}; sizes the buffer to come. */
  filled(count: number): Uint8Array {
    const size = this.#size;
    const used = this.#used;
    if (count === this.#buffer.length - used) {
      if (size < LARGEST_READ_BUFFER_SIZE) this.#size = size * 4;
      this.#smallReads = 0;
    } else if (size > FIRST_READ_BUFFER_SIZE && count < size / SMALL_READ_SHARE) {
      if (++this.#smallReads === SHRINK_AFTER) {
        this.#size = size / 4;
        this.#smallReads = 0;
      }
    } else {
      this.#smallReads = 0;
    }
    return this.#buffer.subarray(used, used + count);
  }

  /** The receiver kept the last chunk: it is never read over. */
  keep(count: number): void {
    this.#used += count;
    this.#keptLength = count;
    this.#room = undefined;
  }
}
