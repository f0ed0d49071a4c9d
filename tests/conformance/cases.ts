import type { Expected, FrameMaker, Script, Write } from "./verdict.ts";
import { bytesOf, closePayload, concat } from "./wire.ts";

const encoder = new TextEncoder();

/** One case of the suite: an id in the reference suite's style, and its script. */
export interface Case {
  id: string;
  family: string;
  title: string;
  script(make: FrameMaker): Script;
}

export const FAMILIES: Record<string, string> = {
  "1": "Framing: text and binary at every length encoding",
  "2": "Pings and pongs",
  "3": "Reserved bits",
  "4": "Reserved opcodes",
  "5": "Fragmentation",
  "6": "UTF-8 handling",
  "7": "Close handling",
  "9": "Limits and performance",
  "10": "Auto-fragmentation",
  "12": "permessage-deflate",
};

const LENGTHS = [0, 1, 125, 126, 127, 128, 65535, 65536];

function pattern(length: number, seed = 0): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed * 7 + (i >> 8)) & 0xff;
  return out;
}

function text(length: number): string {
  return "*".repeat(length);
}

const once = (bytes: Uint8Array, chunk?: number): Write[] => [{ bytes, chunk }];
const clean = { clean: true } as const;
const fail = (...codes: number[]) => ({ fail: codes });

function framing(): Case[] {
  const cases: Case[] = [];
  LENGTHS.forEach((length, index) => {
    cases.push({
      id: `1.1.${index + 1}`,
      family: "1",
      title: `text of ${length} bytes`,
      script: (make) => ({
        writes: once(make({ opcode: 1, payload: text(length) })),
        expect: [{ type: "text", data: text(length) }],
        ending: clean,
      }),
    });
    cases.push({
      id: `1.2.${index + 1}`,
      family: "1",
      title: `binary of ${length} bytes`,
      script: (make) => ({
        writes: once(make({ opcode: 2, payload: pattern(length) })),
        expect: [{ type: "binary", data: pattern(length) }],
        ending: clean,
      }),
    });
    cases.push({
      id: `1.3.${index + 1}`,
      family: "1",
      title: `binary of ${length} bytes written in chunks of ${length > 1000 ? 997 : 1}`,
      script: (make) => ({
        writes: once(make({ opcode: 2, payload: pattern(length, 3) }), length > 1000 ? 997 : 1),
        expect: [{ type: "binary", data: pattern(length, 3) }],
        ending: clean,
      }),
    });
  });
  return cases;
}

function pings(): Case[] {
  const cases: Case[] = [];
  const add = (id: string, title: string, script: (make: FrameMaker) => Script) =>
    cases.push({ id, family: "2", title, script });
  add("2.1", "ping without payload", (make) => ({
    writes: once(make({ opcode: 9 })),
    expect: [{ type: "pong", data: new Uint8Array(0) }],
    ending: clean,
  }));
  add("2.2", "ping with 125 bytes", (make) => ({
    writes: once(make({ opcode: 9, payload: pattern(125) })),
    expect: [{ type: "pong", data: pattern(125) }],
    ending: clean,
  }));
  add("2.3", "ping with binary payload", (make) => ({
    writes: once(make({ opcode: 9, payload: Uint8Array.of(0, 0xff, 0xfe, 0xfd, 0xfc) })),
    expect: [{ type: "pong", data: Uint8Array.of(0, 0xff, 0xfe, 0xfd, 0xfc) }],
    ending: clean,
  }));
  add("2.4", "ping with 126 bytes fails", (make) => ({
    writes: once(make({ opcode: 9, payload: pattern(126) })),
    expect: [],
    ending: fail(1002),
  }));
  add("2.5", "ping of 125 bytes written byte by byte", (make) => ({
    writes: once(make({ opcode: 9, payload: pattern(125, 1) }), 1),
    expect: [{ type: "pong", data: pattern(125, 1) }],
    ending: clean,
  }));
  add("2.6", "unsolicited pong is ignored", (make) => ({
    writes: once(make({ opcode: 10, payload: "unsolicited" })),
    expect: [],
    ending: clean,
  }));
  add("2.7", "unsolicited pong, then ping", (make) => ({
    writes: once(concat(make({ opcode: 10, payload: "x" }), make({ opcode: 9, payload: "y" }))),
    expect: [{ type: "pong", data: bytesOf("y") }],
    ending: clean,
  }));
  add("2.8", "ten pings in a row get ten pongs", (make) => ({
    writes: once(
      concat(...Array.from({ length: 10 }, (_, i) => make({ opcode: 9, payload: `ping ${i}` }))),
    ),
    expect: Array.from({ length: 10 }, (_, i) => ({ type: "pong", data: bytesOf(`ping ${i}`) })),
    ending: clean,
  }));
  add("2.9", "ten pings written byte by byte", (make) => ({
    writes: once(
      concat(...Array.from({ length: 10 }, (_, i) => make({ opcode: 9, payload: `p${i}` }))),
      1,
    ),
    expect: Array.from({ length: 10 }, (_, i) => ({ type: "pong", data: bytesOf(`p${i}`) })),
    ending: clean,
  }));
  return cases;
}

function reservedBits(): Case[] {
  const cases: Case[] = [];
  const kinds = [
    { opcode: 1, payload: "hello", name: "text" },
    { opcode: 2, payload: pattern(8), name: "binary" },
    { opcode: 9, payload: "ping", name: "ping" },
    { opcode: 8, payload: closePayload(1000), name: "close" },
  ];
  let n = 0;
  for (const kind of kinds) {
    for (let rsv = 1; rsv <= 7; rsv++) {
      const after = n % 2 === 1;
      cases.push({
        id: `3.${++n}`,
        family: "3",
        title: `RSV ${rsv} on ${kind.name}${after ? ", after a valid message" : ""}`,
        script: (make) => ({
          writes: once(concat(
            after ? make({ opcode: 1, payload: "valid" }) : new Uint8Array(0),
            make({ opcode: kind.opcode, payload: kind.payload, rsv }),
          )),
          expect: after ? [{ type: "text", data: "valid" }] : [],
          ending: fail(1002),
        }),
      });
    }
  }
  return cases;
}

function reservedOpcodes(): Case[] {
  const cases: Case[] = [];
  let n = 0;
  for (const opcode of [3, 4, 5, 6, 7, 11, 12, 13, 14, 15]) {
    for (const after of [false, true]) {
      cases.push({
        id: `4.${++n}`,
        family: "4",
        title: `opcode ${opcode}${after ? " after a valid message" : ""}`,
        script: (make) => ({
          writes: once(concat(
            after ? make({ opcode: 1, payload: "valid" }) : new Uint8Array(0),
            make({ opcode, payload: "reserved" }),
          )),
          expect: after ? [{ type: "text", data: "valid" }] : [],
          ending: fail(1002),
        }),
      });
    }
  }
  return cases;
}

function fragmentation(): Case[] {
  const cases: Case[] = [];
  const add = (id: string, title: string, script: (make: FrameMaker) => Script) =>
    cases.push({ id, family: "5", title, script });
  add("5.1", "fragmented ping fails", (make) => ({
    writes: once(concat(
      make({ opcode: 9, payload: "frag", fin: false }),
      make({ opcode: 0, payload: "ment" }),
    )),
    expect: [],
    ending: fail(1002),
  }));
  add("5.2", "fragmented pong fails", (make) => ({
    writes: once(concat(
      make({ opcode: 10, payload: "frag", fin: false }),
      make({ opcode: 0, payload: "ment" }),
    )),
    expect: [],
    ending: fail(1002),
  }));
  add("5.3", "text in two fragments", (make) => ({
    writes: once(concat(
      make({ opcode: 1, payload: "frag", fin: false }),
      make({ opcode: 0, payload: "ment" }),
    )),
    expect: [{ type: "text", data: "fragment" }],
    ending: clean,
  }));
  add("5.4", "text in two fragments with a ping between: the pong comes first", (make) => ({
    writes: once(concat(
      make({ opcode: 1, payload: "frag", fin: false }),
      make({ opcode: 9, payload: "between" }),
      make({ opcode: 0, payload: "ment" }),
    )),
    expect: [{ type: "pong", data: bytesOf("between") }, { type: "text", data: "fragment" }],
    ending: clean,
  }));
  add("5.5", "the same, written byte by byte", (make) => ({
    writes: once(
      concat(
        make({ opcode: 1, payload: "frag", fin: false }),
        make({ opcode: 9, payload: "between" }),
        make({ opcode: 0, payload: "ment" }),
      ),
      1,
    ),
    expect: [{ type: "pong", data: bytesOf("between") }, { type: "text", data: "fragment" }],
    ending: clean,
  }));
  add("5.6", "the pong is sent before the message's last fragment arrives", (make) => ({
    writes: [
      { bytes: make({ opcode: 1, payload: "frag", fin: false }) },
      { bytes: make({ opcode: 9, payload: "now" }) },
      { bytes: make({ opcode: 0, payload: "ment" }), pauseMs: 0 },
    ],
    expect: [{ type: "pong", data: bytesOf("now") }, { type: "text", data: "fragment" }],
    ending: clean,
  }));
  add("5.7", "orphan continuation (not final) fails", (make) => ({
    writes: once(make({ opcode: 0, payload: "orphan", fin: false })),
    expect: [],
    ending: fail(1002),
  }));
  add("5.8", "orphan continuation (final) fails", (make) => ({
    writes: once(make({ opcode: 0, payload: "orphan" })),
    expect: [],
    ending: fail(1002),
  }));
  add("5.9", "orphan continuation after a valid message fails", (make) => ({
    writes: once(concat(make({ opcode: 1, payload: "valid" }), make({ opcode: 0, payload: "x" }))),
    expect: [{ type: "text", data: "valid" }],
    ending: fail(1002),
  }));
  add("5.10", "a new message inside a fragmented one fails", (make) => ({
    writes: once(concat(
      make({ opcode: 1, payload: "first", fin: false }),
      make({ opcode: 1, payload: "second" }),
    )),
    expect: [],
    ending: fail(1002),
  }));
  add("5.11", "binary inside fragmented text fails", (make) => ({
    writes: once(concat(
      make({ opcode: 1, payload: "first", fin: false }),
      make({ opcode: 2, payload: "second", fin: false }),
    )),
    expect: [],
    ending: fail(1002),
  }));
  add("5.12", "many fragments with pings between, byte by byte", (make) => {
    const parts: Uint8Array[] = [];
    const pongs: Expected[] = [];
    for (let i = 0; i < 10; i++) {
      parts.push(make({ opcode: i === 0 ? 1 : 0, payload: `${i}`, fin: i === 9 }));
      if (i < 9) {
        parts.push(make({ opcode: 9, payload: `p${i}` }));
        pongs.push({ type: "pong", data: bytesOf(`p${i}`) });
      }
    }
    return {
      writes: once(concat(...parts), 1),
      expect: [...pongs, { type: "text", data: "0123456789" }],
      ending: clean,
    };
  });
  add("5.13", "empty fragments around content", (make) => ({
    writes: once(concat(
      make({ opcode: 1, fin: false }),
      make({ opcode: 0, payload: "middle", fin: false }),
      make({ opcode: 0 }),
    )),
    expect: [{ type: "text", data: "middle" }],
    ending: clean,
  }));
  return cases;
}

/** Valid sequences at every UTF-8 boundary. */
const VALID_UTF8: [string, string][] = [
  ["U+0000..U+007F", "\u0000\u007f"],
  ["U+0080 and U+07FF", "\u0080\u07ff"],
  ["U+0800 and U+FFFF", "\u0800\uffff"],
  ["U+D7FF and U+E000", "\ud7ff\ue000"],
  ["U+FFFD", "\ufffd"],
  ["U+10000 and U+10FFFF", "\u{10000}\u{10ffff}"],
  ["Hello-µ@ßöäüàá-UTF-8!!", "Hello-µ@ßöäüàá-UTF-8!!"],
  ["κόσμε", "κόσμε"],
];

/** Invalid sequences; each must fail with 1007. */
const INVALID_UTF8: [string, number[]][] = [
  ["lone continuation byte", [0x80]],
  ["continuation bytes only", [0x80, 0xbf, 0x80]],
  ["lone start of a 2-byte sequence", [0xc2, 0x20]],
  ["truncated 3-byte sequence", [0xe2, 0x82]],
  ["truncated 4-byte sequence", [0xf0, 0x9f, 0x98]],
  ["overlong '/' in 2 bytes", [0xc0, 0xaf]],
  ["overlong '/' in 3 bytes", [0xe0, 0x80, 0xaf]],
  ["overlong '/' in 4 bytes", [0xf0, 0x80, 0x80, 0xaf]],
  ["overlong U+0000 (C0 80)", [0xc0, 0x80]],
  ["high surrogate U+D800", [0xed, 0xa0, 0x80]],
  ["low surrogate U+DFFF", [0xed, 0xbf, 0xbf]],
  ["surrogate pair in CESU-8", [0xed, 0xa0, 0x80, 0xed, 0xb0, 0x80]],
  ["U+110000", [0xf4, 0x90, 0x80, 0x80]],
  ["F5 start byte", [0xf5, 0x80, 0x80, 0x80]],
  ["FE byte", [0xfe]],
  ["FF byte", [0xff]],
  ["5-byte sequence", [0xf8, 0x88, 0x80, 0x80, 0x80]],
  ["valid text, then an invalid byte", [0x68, 0x69, 0xce, 0xba, 0xff]],
];

function utf8(): Case[] {
  const cases: Case[] = [];
  const add = (id: string, title: string, script: (make: FrameMaker) => Script) =>
    cases.push({ id, family: "6", title, script });
  add("6.1.1", "empty text message", (make) => ({
    writes: once(make({ opcode: 1 })),
    expect: [{ type: "text", data: "" }],
    ending: clean,
  }));
  add("6.1.2", "text of three empty fragments", (make) => ({
    writes: once(concat(
      make({ opcode: 1, fin: false }),
      make({ opcode: 0, fin: false }),
      make({ opcode: 0 }),
    )),
    expect: [{ type: "text", data: "" }],
    ending: clean,
  }));
  const splitText = "κόσμε 𝄞 €";
  const splitBytes = encoder.encode(splitText);
  add("6.2.1", "valid text split inside every code point, one fragment per byte", (make) => ({
    writes: once(concat(
      ...Array.from(splitBytes, (byte, i) =>
        make({
          opcode: i === 0 ? 1 : 0,
          payload: Uint8Array.of(byte),
          fin: i === splitBytes.length - 1,
        })),
    )),
    expect: [{ type: "text", data: splitText }],
    ending: clean,
  }));
  add("6.2.2", "valid text in one frame written byte by byte", (make) => ({
    writes: once(make({ opcode: 1, payload: splitText }), 1),
    expect: [{ type: "text", data: splitText }],
    ending: clean,
  }));
  VALID_UTF8.forEach(([name, value], i) =>
    add(`6.3.${i + 1}`, `valid: ${name}`, (make) => ({
      writes: once(make({ opcode: 1, payload: value })),
      expect: [{ type: "text", data: value }],
      ending: clean,
    }))
  );
  INVALID_UTF8.forEach(([name, bytes], i) => {
    add(`6.4.${i + 1}`, `invalid: ${name}`, (make) => ({
      writes: once(make({ opcode: 1, payload: Uint8Array.from(bytes) })),
      expect: [],
      ending: fail(1007),
    }));
    add(`6.5.${i + 1}`, `invalid: ${name}, split over two fragments`, (make) => {
      const whole = Uint8Array.from([0x61, ...bytes]);
      return {
        writes: once(concat(
          make({ opcode: 1, payload: whole.subarray(0, 2), fin: false }),
          make({ opcode: 0, payload: whole.subarray(2) }),
        )),
        expect: [],
        ending: fail(1007),
      };
    });
  });
  add("6.6.1", "fail fast: invalid bytes early in a frame whose rest has not arrived", (make) => {
    const payload = concat(encoder.encode("ok "), Uint8Array.of(0xed, 0xa0, 0x80), pattern(200));
    const bytes = make({ opcode: 1, payload });
    // Up to the byte that makes the sequence invalid (A0 after ED: a surrogate).
    const cut = bytes.length - payload.length + 5;
    return {
      writes: [{ bytes: bytes.subarray(0, cut) }, {
        bytes: bytes.subarray(cut),
        failedBefore: true,
      }],
      expect: [],
      ending: fail(1007),
    };
  });
  add("6.6.2", "fail fast: invalid first fragment of a message not yet finished", (make) => ({
    writes: [
      { bytes: make({ opcode: 1, payload: Uint8Array.of(0x61, 0xff), fin: false }) },
      { bytes: make({ opcode: 0, payload: "rest" }), failedBefore: true },
    ],
    expect: [],
    ending: fail(1007),
  }));
  return cases;
}

const VALID_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999];
const INVALID_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];

function closing(): Case[] {
  const cases: Case[] = [];
  const add = (id: string, title: string, script: (make: FrameMaker) => Script) =>
    cases.push({ id, family: "7", title, script });
  add("7.1.1", "close without payload", (make) => ({
    writes: once(make({ opcode: 8 })),
    expect: [],
    ending: { closeReply: [undefined, 1000] },
  }));
  add("7.1.2", "data after a close frame is ignored", (make) => ({
    writes: once(concat(
      make({ opcode: 8, payload: closePayload(1000) }),
      make({ opcode: 1, payload: "too late" }),
      make({ opcode: 9, payload: "too late" }),
    )),
    expect: [],
    ending: { closeReply: [1000] },
  }));
  add("7.1.3", "close in the middle of a fragmented message", (make) => ({
    writes: once(concat(
      make({ opcode: 1, payload: "never", fin: false }),
      make({ opcode: 8, payload: closePayload(1000) }),
    )),
    expect: [],
    ending: { closeReply: [1000] },
  }));
  add("7.1.4", "a message, then close: the echo comes first", (make) => ({
    writes: once(concat(
      make({ opcode: 1, payload: "before" }),
      make({ opcode: 8, payload: closePayload(1000) }),
    )),
    expect: [{ type: "text", data: "before" }],
    ending: { closeReply: [1000] },
  }));
  add("7.2.1", "close with a one-byte payload fails", (make) => ({
    writes: once(make({ opcode: 8, payload: Uint8Array.of(0x03) })),
    expect: [],
    ending: fail(1002),
  }));
  add("7.2.2", "close with code and a 123-byte reason", (make) => ({
    writes: once(make({ opcode: 8, payload: closePayload(1000, "r".repeat(123)) })),
    expect: [],
    ending: { closeReply: [1000] },
  }));
  add("7.2.3", "close with code and a 124-byte reason fails", (make) => ({
    writes: once(make({ opcode: 8, payload: closePayload(1000, "r".repeat(124)) })),
    expect: [],
    ending: fail(1002),
  }));
  add("7.2.4", "close reason of invalid UTF-8 fails", (make) => ({
    writes: once(
      make({
        opcode: 8,
        payload: concat(closePayload(1000), Uint8Array.of(0xce, 0xba, 0xe1, 0xbd)),
      }),
    ),
    expect: [],
    ending: fail(1007, 1002),
  }));
  VALID_CODES.forEach((code, i) =>
    add(`7.3.${i + 1}`, `close code ${code} is echoed`, (make) => ({
      writes: once(make({ opcode: 8, payload: closePayload(code, "bye") })),
      expect: [],
      ending: { closeReply: [code, 1000] },
    }))
  );
  INVALID_CODES.forEach((code, i) =>
    add(`7.4.${i + 1}`, `close code ${code} fails`, (make) => ({
      writes: once(make({ opcode: 8, payload: closePayload(code) })),
      expect: [],
      ending: fail(1002),
    }))
  );
  return cases;
}

/** Messages up to `maxSize` bytes in one frame, in fragments, and in chunked writes. */
function limits(maxSize: number): Case[] {
  const cases: Case[] = [];
  const sizes = [64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024, 16 * 1024 * 1024]
    .filter((size) => size <= maxSize);
  let n = 0;
  for (const size of sizes) {
    for (const opcode of [1, 2]) {
      cases.push({
        id: `9.1.${++n}`,
        family: "9",
        title: `${opcode === 1 ? "text" : "binary"} of ${size >> 10} KiB in one frame`,
        script: (make) => {
          const payload = opcode === 1 ? text(size) : pattern(size);
          return {
            writes: once(make({ opcode, payload })),
            expect: [
              opcode === 1
                ? { type: "text", data: payload as string }
                : { type: "binary", data: payload as Uint8Array },
            ],
            ending: clean,
            answerMs: 20_000,
          };
        },
      });
    }
  }
  const fragmented = Math.min(maxSize, 4 * 1024 * 1024);
  n = 0;
  for (const fragment of [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576]) {
    if (fragment >= fragmented) break;
    cases.push({
      id: `9.2.${++n}`,
      family: "9",
      title: `binary of ${fragmented >> 10} KiB in ${fragment}-byte fragments`,
      script: (make) => {
        const payload = pattern(fragmented, 5);
        const frames: Uint8Array[] = [];
        for (let offset = 0; offset < payload.length; offset += fragment) {
          frames.push(make({
            opcode: offset === 0 ? 2 : 0,
            payload: payload.subarray(offset, offset + fragment),
            fin: offset + fragment >= payload.length,
          }));
        }
        return {
          writes: once(concat(...frames)),
          expect: [{ type: "binary", data: payload }],
          ending: clean,
          answerMs: 30_000,
        };
      },
    });
  }
  n = 0;
  for (const chunk of [64, 256, 1024, 4096, 16384, 65536]) {
    cases.push({
      id: `9.3.${++n}`,
      family: "9",
      title: `binary of ${fragmented >> 10} KiB written in ${chunk}-byte chunks`,
      script: (make) => ({
        writes: once(make({ opcode: 2, payload: pattern(fragmented, 9) }), chunk),
        expect: [{ type: "binary", data: pattern(fragmented, 9) }],
        ending: clean,
        answerMs: 30_000,
      }),
    });
  }
  return cases;
}

function autoFragmented(): Case[] {
  return [64, 1300, 4096].map((size, i) => ({
    id: `10.1.${i + 1}`,
    family: "10",
    title: `64 KiB text sent in ${size}-byte fragments`,
    script: (make) => {
      const payload = encoder.encode(text(65536));
      const frames: Uint8Array[] = [];
      for (let offset = 0; offset < payload.length; offset += size) {
        frames.push(make({
          opcode: offset === 0 ? 1 : 0,
          payload: payload.subarray(offset, offset + size),
          fin: offset + size >= payload.length,
        }));
      }
      return {
        writes: once(concat(...frames)),
        expect: [{ type: "text", data: text(65536) }],
        ending: clean,
      };
    },
  }));
}

/** The scale of a run: the test command runs the slow cases smaller than the task does. */
export interface Scale {
  /** Largest message of family 9. */
  maxMessage: number;
  /** Sequential round trips of case 9.4. */
  roundTrips: number;
  /** Messages per permessage-deflate case. */
  deflateMessages: number;
}

export const FULL: Scale = {
  maxMessage: 16 * 1024 * 1024,
  roundTrips: 1000,
  deflateMessages: 1000,
};
export const QUICK: Scale = { maxMessage: 1024 * 1024, roundTrips: 200, deflateMessages: 50 };

/** A frame masked the wrong way for its direction: each end must refuse it. */
function wrongMask(role: "server" | "client"): Case {
  return {
    id: "1.4.1",
    family: "1",
    title: role === "server"
      ? "unmasked frame from the client fails"
      : "masked frame from the server fails",
    script: (make) => ({
      writes: once(make({
        opcode: 1,
        payload: "wrong mask",
        mask: role === "server" ? false : Uint8Array.of(1, 2, 3, 4),
      })),
      expect: [],
      ending: fail(1002),
    }),
  };
}

/** Every scripted case, in order, for a party under test in `role`. */
export function scriptedCases(scale: Scale, role: "server" | "client"): Case[] {
  return [
    ...framing(),
    wrongMask(role),
    ...pings(),
    ...reservedBits(),
    ...reservedOpcodes(),
    ...fragmentation(),
    ...utf8(),
    ...closing(),
    ...limits(scale.maxMessage),
    ...autoFragmented(),
  ];
}
