import { test } from "node:test";
import assert from "node:assert/strict";
import { FrameParser, type FrameParserOptions } from "../mod.ts";
import { concatBytes, type ParserEvent, rawFrame, record, seededRandom } from "./support.ts";

const STREAMS = 100_000;
const SEED = 0x7e7e_2026;

type Random = () => number;

const int = (random: Random, below: number) => Math.floor(random() * below);

function randomBytes(random: Random, length: number): number[] {
  return Array.from({ length }, () => int(random, 256));
}

function randomText(random: Random): string {
  const alphabet = ["a", "Z", " ", "é", "€", "𝄞", "\u0000", "ñ"];
  return Array.from({ length: int(random, 12) }, () => alphabet[int(random, alphabet.length)]).join(
    "",
  );
}

/** A valid stream of frames and the events it must produce. */
function validStream(
  random: Random,
  masked: boolean,
): { bytes: Uint8Array; events: ParserEvent[] } {
  const mask = masked ? undefined : (false as const);
  const frames: Uint8Array[] = [];
  const events: ParserEvent[] = [];
  const count = 1 + int(random, 5);
  for (let i = 0; i < count; i++) {
    const kind = int(random, 5);
    if (kind === 0) {
      const text = randomText(random);
      frames.push(rawFrame({ opcode: 1, payload: text, mask }));
      events.push(["text", text]);
    } else if (kind === 1) {
      const data = randomBytes(random, int(random, 300));
      frames.push(rawFrame({ opcode: 2, payload: data, mask }));
      events.push(["binary", data]);
    } else if (kind === 2) {
      const data = randomBytes(random, int(random, 126));
      const ping = random() < 0.5;
      frames.push(rawFrame({ opcode: ping ? 9 : 10, payload: data, mask }));
      events.push([ping ? "ping" : "pong", data]);
    } else {
      // a fragmented text message with a control frame between fragments
      const bytes = [...new TextEncoder().encode(randomText(random) + "€")];
      const cut = int(random, bytes.length + 1);
      frames.push(rawFrame({ opcode: 1, payload: bytes.slice(0, cut), fin: false, mask }));
      const ping = randomBytes(random, int(random, 10));
      frames.push(rawFrame({ opcode: 9, payload: ping, mask }));
      events.push(["ping", ping]);
      frames.push(rawFrame({ opcode: 0, payload: bytes.slice(cut), mask }));
      events.push(["text", new TextDecoder().decode(Uint8Array.from(bytes))]);
    }
  }
  if (random() < 0.3) {
    frames.push(rawFrame({ opcode: 8, payload: [0x03, 0xe8, 0x68], mask }));
    events.push(["close", 1000, "h"]);
  }
  return { bytes: concatBytes(...frames), events };
}

function mutate(random: Random, input: Uint8Array): Uint8Array {
  let bytes = [...input];
  const edits = 1 + int(random, 4);
  for (let e = 0; e < edits && bytes.length > 0; e++) {
    const at = int(random, bytes.length);
    switch (int(random, 6)) {
      case 0:
        bytes[at] ^= 1 << int(random, 8);
        break;
      case 1:
        bytes[at] = int(random, 256);
        break;
      case 2:
        bytes = bytes.slice(0, at);
        break;
      case 3:
        bytes.splice(at, 0, ...randomBytes(random, 1 + int(random, 8)));
        break;
      case 4:
        bytes.splice(at, 1 + int(random, 8));
        break;
      default:
        bytes.splice(at, 0, ...bytes.slice(at, at + 1 + int(random, 16)));
    }
  }
  return Uint8Array.from(bytes);
}

function randomChunks(random: Random, bytes: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    const size = random() < 0.2 ? 1 : 1 + int(random, bytes.length);
    chunks.push(bytes.slice(at, at + size));
    at += size;
  }
  return chunks;
}

function randomOptions(random: Random): FrameParserOptions {
  const small = random() < 0.3;
  return {
    role: random() < 0.5 ? "server" : "client",
    compression: random() < 0.3,
    maxFrameSize: small ? 1 + int(random, 200) : undefined,
    maxMessageSize: small ? 1 + int(random, 400) : undefined,
    maxFragments: random() < 0.2 ? 1 + int(random, 4) : undefined,
  };
}

/** Feeds `chunks` and checks the invariants any input must respect. */
function checkInvariants(options: FrameParserOptions, chunks: Uint8Array[], context: string): void {
  let ended = false;
  const maxMessage = options.maxMessageSize ?? 16 * 1024 * 1024;
  const after = (kind: string) => {
    assert.equal(ended, false, `${context}: ${kind} after the parser stopped`);
  };
  const parser = new FrameParser(options, {
    text(data) {
      after("text");
      assert.equal(typeof data, "string");
    },
    binary(data) {
      after("binary");
      assert.ok(data.length <= maxMessage, `${context}: binary over the limit`);
    },
    compressed(_isText, data) {
      after("compressed");
      assert.equal(options.compression, true, `${context}: RSV1 accepted without compression`);
      assert.ok(data.length <= maxMessage);
    },
    ping(data) {
      after("ping");
      assert.ok(data.length <= 125);
    },
    pong(data) {
      after("pong");
      assert.ok(data.length <= 125);
    },
    close(code) {
      after("close");
      ended = true;
      assert.ok(code === 1005 || (code >= 1000 && code <= 4999), `${context}: close code ${code}`);
    },
    error(error) {
      after("error");
      ended = true;
      assert.ok(
        [1002, 1007, 1009].includes(error.closeCode),
        `${context}: code ${error.closeCode}`,
      );
    },
  });
  for (const chunk of chunks) parser.push(chunk);
  assert.equal(parser.active, !ended, `${context}: parser state`);
}

// Four batches with seeds of their own, so that each stays well inside a test's time limit.
const BATCHES = 4;
for (let batch = 0; batch < BATCHES; batch++) {
  const seed = SEED + batch;
  const streams = STREAMS / BATCHES;
  test(`fuzz: ${streams} random, valid and mutated streams (seed ${seed}) never throw nor break an invariant`, () => {
    const random = seededRandom(seed);
    let exact = 0;
    for (let n = 0; n < streams; n++) {
      const context = `stream ${n} (seed ${seed})`;
      const options = randomOptions(random);
      const choice = n % 10;
      if (choice === 0) {
        checkInvariants(
          options,
          randomChunks(random, Uint8Array.from(randomBytes(random, int(random, 64)))),
          context,
        );
      } else if (choice <= 2) {
        const role = random() < 0.5 ? "server" : "client";
        const { bytes, events } = validStream(random, role === "server");
        const recorder = record({ role });
        for (const chunk of randomChunks(random, bytes)) recorder.parser.push(chunk);
        assert.deepEqual(recorder.events, events, context);
        exact++;
      } else {
        const { bytes } = validStream(random, options.role === "server");
        checkInvariants(options, randomChunks(random, mutate(random, bytes)), context);
      }
    }
    assert.ok(exact >= streams / 5);
  });
}
