import { constants, createDeflateRaw, createInflateRaw } from "node:zlib";
import { concat } from "./wire.ts";

type ZlibStream = ReturnType<typeof createInflateRaw>;

/**
 * One direction of permessage-deflate with a zlib stream that lives across messages, so
 * that context takeover works the same on every runtime (a raw `dictionary` does not).
 * Each call sync-flushes; `fresh` starts over, as no_context_takeover requires.
 */
export class StreamCodec {
  readonly #make: () => ZlibStream;
  #stream: ZlibStream;

  private constructor(make: () => ZlibStream) {
    this.#make = make;
    this.#stream = make();
  }

  static inflater(): StreamCodec {
    return new StreamCodec(() => createInflateRaw());
  }

  static deflater(windowBits: number): StreamCodec {
    return new StreamCodec(() => createDeflateRaw({ windowBits }));
  }

  process(data: Uint8Array, fresh = false): Promise<Uint8Array> {
    if (fresh) {
      this.#stream.close();
      this.#stream = this.#make();
    }
    const stream = this.#stream;
    return new Promise((resolve, reject) => {
      const chunks: Uint8Array[] = [];
      const collect = (chunk: Uint8Array) => chunks.push(new Uint8Array(chunk));
      stream.on("data", collect);
      stream.once("error", reject);
      stream.write(data);
      stream.flush(constants.Z_SYNC_FLUSH, () => {
        stream.off("data", collect);
        stream.off("error", reject);
        resolve(concat(...chunks));
      });
    });
  }

  close(): void {
    this.#stream.close();
  }
}
