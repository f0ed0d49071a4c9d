// Family R: inputs meant to knock a party over or make it hoard memory. Each case checks
// that the process survives, that the right status or close code comes back, that memory
// stays bounded (resident size is measured around the case), and, where it matters, that a
// well-behaved peer is still served quickly meanwhile.
import { connect, type Socket } from "node:net";
import process from "node:process";
import { constants, deflateRawSync } from "node:zlib";
import { Client, type EngineName, Listener } from "../../mod.ts";
import type { Scale } from "./cases.ts";
import { openClient, SuiteServer } from "./session.ts";
import { type CaseResult, ending, type Verdict } from "./verdict.ts";
import { frame } from "./wire.ts";

const MiB = 1024 * 1024;
const LIMIT = 32 * MiB;

type Outcome = { verdict: Verdict; detail: string };

function rss(): number {
  return process.memoryUsage().rss;
}

/**
 * Sends raw bytes (in `chunk`-byte writes, or part by part) and collects the answer until
 * its head is complete or the socket ends.
 */
function rawExchange(
  port: number,
  bytes: Uint8Array | Iterable<Uint8Array>,
  chunk = 0,
  limitMs = 5000,
): Promise<{ answer: string; sent: number; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    let sent = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ answer, sent, ms: performance.now() - started });
    };
    const timer = setTimeout(finish, limitMs);
    socket.on("data", (data: Uint8Array) => {
      answer += new TextDecoder("latin1").decode(data);
      // The status line and headers are all a case judges.
      if (answer.includes("\r\n\r\n")) finish();
    });
    socket.on("close", finish);
    socket.on("error", finish);
    socket.on("connect", async () => {
      for (const part of bytes instanceof Uint8Array ? split(bytes, chunk) : bytes) {
        if (done || socket.destroyed) break;
        await new Promise<void>((written) => socket.write(part, () => written()));
        sent += part.length;
        // Stop once the server has answered: the rest would only be refused.
        if (answer.length > 0) break;
      }
    });
  });
}

function* split(bytes: Uint8Array, chunk: number): Iterable<Uint8Array> {
  const step = chunk > 0 ? chunk : bytes.length;
  for (let offset = 0; offset < bytes.length; offset += step) {
    yield bytes.subarray(offset, offset + step);
  }
}

function status(answer: string): number | undefined {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
  return match ? Number(match[1]) : undefined;
}

const encoder = new TextEncoder();

function upgradeHead(extra: string): string {
  return "GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + extra;
}

/** One echo round trip on a fresh connection, in milliseconds, or undefined if it fails. */
async function echoTime(port: number): Promise<number | undefined> {
  const started = performance.now();
  try {
    const { session } = await openClient(port, "/echo");
    await session.send(frame({ opcode: 1, payload: "still here" }));
    const ok = await session.until(() => session.events.length > 0, 2000);
    session.destroy();
    return ok && session.events[0].type === "text" ? performance.now() - started : undefined;
  } catch {
    return undefined;
  }
}

async function failure(
  port: number,
  bytes: Uint8Array,
  codes: number[],
  extensions = "",
  chunk = 0,
): Promise<Outcome> {
  const { session } = await openClient(port, "/echo", extensions);
  try {
    await session.send(bytes, chunk);
    await session.until(() => ending(session) !== undefined, 5000);
    const end = ending(session);
    if (end?.type === "close" && codes.includes(end.code ?? 0)) {
      return { verdict: "OK", detail: `failed with ${end.code}` };
    }
    if (end === undefined && session.closedAt !== undefined) {
      return { verdict: "NON-STRICT", detail: "dropped TCP without a close frame" };
    }
    return {
      verdict: "FAILED",
      detail: end === undefined
        ? "neither failed nor closed"
        : end.type === "close"
        ? `closed with ${end.code}`
        : end.what,
    };
  } finally {
    session.destroy();
  }
}

/** A binary message of `count` bytes in `count` one-byte frames, as one buffer. */
function tinyFragments(count: number, masked: boolean): Uint8Array {
  const mask = masked ? undefined : false as const;
  const first = frame({ opcode: 2, payload: "x", fin: false, mask });
  const middle = frame({ opcode: 0, payload: "y", fin: false, mask });
  const last = frame({ opcode: 0, payload: "z", mask });
  const out = new Uint8Array(first.length + middle.length * (count - 2) + last.length);
  out.set(first);
  let offset = first.length;
  for (let i = 0; i < count - 2; i++, offset += middle.length) out.set(middle, offset);
  out.set(last, offset);
  return out;
}

interface RobustCase {
  id: string;
  title: string;
  /** Most the resident size may grow, in bytes. */
  memory: number;
  run(): Promise<Outcome>;
}

/**
 * The payload of a compressed message that inflates to 64 MiB of zeros, as permessage-deflate
 * sends it (sync-flushed, without the final empty block's four bytes). Made once, before the
 * cases that send it take their first reading of the resident size, so that the 64 MiB it is
 * made from does not count against the server.
 */
let bombPayload: Uint8Array | undefined;
function inflationBomb(): Uint8Array {
  return bombPayload ??= deflateRawSync(new Uint8Array(64 * MiB), {
    finishFlush: constants.Z_SYNC_FLUSH,
  }).subarray(0, -4);
}

async function runCases(cases: RobustCase[]): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const robust of cases) {
    const before = rss();
    const started = performance.now();
    let outcome: Outcome;
    try {
      outcome = await robust.run();
    } catch (error) {
      outcome = { verdict: "FAILED", detail: String((error as Error)?.message ?? error) };
    }
    const grown = Math.max(0, rss() - before);
    const memory = `resident size +${(grown / MiB).toFixed(1)} MiB`;
    if (grown > robust.memory && outcome.verdict !== "FAILED") {
      outcome = { verdict: "FAILED", detail: `${outcome.detail}; ${memory}, over the bound` };
    }
    results.push({
      id: robust.id,
      family: "R",
      title: robust.title,
      verdict: outcome.verdict,
      detail: `${outcome.detail}; ${memory}`,
      ms: performance.now() - started,
    });
  }
  return results;
}

/** The cases against our listener on `engine`. */
function serverCases(port: number, engine: EngineName, scale: Scale): RobustCase[] {
  const tiny = scale.roundTrips >= 1000 ? 1_000_000 : 100_000;
  const bomb = inflationBomb();
  return [
    {
      id: "R.1",
      title: "5000 headers in one upgrade request",
      memory: 64 * MiB,
      async run() {
        const headers = Array.from({ length: 5000 }, (_, i) => `X-Flood-${i}: ${i}\r\n`).join("");
        const { answer } = await rawExchange(port, encoder.encode(upgradeHead(headers) + "\r\n"));
        const code = status(answer);
        const served = await echoTime(port);
        if (code !== undefined && code >= 400 && served !== undefined) {
          return { verdict: "OK", detail: `answered ${code}; a normal client was served after` };
        }
        return { verdict: "FAILED", detail: `answered ${code ?? "nothing"}` };
      },
    },
    {
      id: "R.2",
      title: "a 20 MB header sent in 1 KiB writes",
      memory: 64 * MiB,
      async run() {
        // Made as it is sent, so that the suite itself holds 1 KiB of it at a time.
        const total = 20_000 * 1024;
        const parts = function* () {
          yield encoder.encode(upgradeHead("X-Big: "));
          const filler = new Uint8Array(1024).fill(0x61);
          for (let i = 0; i < 20_000; i++) yield filler;
        };
        const { answer, sent, ms } = await rawExchange(port, parts(), 0, 20_000);
        const code = status(answer);
        if (sent < total && (code === undefined || code >= 400)) {
          return {
            verdict: "OK",
            detail: `refused with ${code ?? "a closed socket"} after ${
              (sent / 1024).toFixed(0)
            } KiB, ${ms.toFixed(0)} ms`,
          };
        }
        return { verdict: "FAILED", detail: `read all ${sent} bytes; answered ${code}` };
      },
    },
    {
      id: "R.3",
      title: "a run of 6000 spaces inside a token list header",
      memory: 32 * MiB,
      async run() {
        const head = upgradeHead(
          `Sec-WebSocket-Extensions: permessage-deflate;${
            " ".repeat(6000)
          }client_max_window_bits\r\n` +
            `Sec-WebSocket-Protocol: a,${" ".repeat(1000)}b\r\n\r\n`,
        );
        const { answer, ms } = await rawExchange(port, encoder.encode(head), 0, 2000);
        const code = status(answer);
        if (code !== undefined && ms < 1000) {
          return { verdict: "OK", detail: `answered ${code} in ${ms.toFixed(1)} ms` };
        }
        return {
          verdict: "FAILED",
          detail: `answered ${code ?? "nothing"} in ${ms.toFixed(0)} ms`,
        };
      },
    },
    {
      id: "R.4",
      title: "extension names and parameters constructor, __proto__, toString",
      memory: 32 * MiB,
      async run() {
        const head = upgradeHead(
          "Sec-WebSocket-Extensions: __proto__; constructor=1, toString, " +
            "permessage-deflate; __proto__=x; constructor\r\n\r\n",
        );
        const { answer } = await rawExchange(port, encoder.encode(head), 0, 2000);
        const code = status(answer);
        const served = await echoTime(port);
        if (code !== undefined && served !== undefined) {
          return { verdict: "OK", detail: `answered ${code}; a normal client was served after` };
        }
        return { verdict: "FAILED", detail: `answered ${code ?? "nothing"}` };
      },
    },
    {
      id: "R.5",
      title: "a frame declaring 2^62 bytes",
      memory: 32 * MiB,
      run: () => failure(port, frame({ opcode: 2, payload: "x", length: 2 ** 62 }), [1009, 1002]),
    },
    {
      id: "R.6",
      title: `a message in ${tiny} one-byte continuation frames`,
      memory: 256 * MiB,
      async run() {
        const { session } = await openClient(port, "/echo");
        try {
          await session.send(tinyFragments(tiny, true), 64 * 1024);
          await session.until(() => session.events.length > 0, 30_000);
          const event = session.events[0];
          if (event?.type === "binary" && event.data.length === tiny) {
            return { verdict: "OK", detail: "echoed whole" };
          }
          if (event?.type === "close" && [1008, 1009].includes(event.code ?? 0)) {
            return { verdict: "OK", detail: `refused with ${event.code}` };
          }
          return { verdict: "FAILED", detail: event ? event.type : "no answer" };
        } finally {
          session.destroy();
        }
      },
    },
    {
      id: "R.7",
      title: "a compressed message that inflates to 64 MiB (limit 32 MiB)",
      memory: 96 * MiB,
      run() {
        if (engine === "deno") {
          return Promise.resolve({
            verdict: "INFORMATIONAL" as Verdict,
            detail: "the deno engine does not compress",
          });
        }
        const bytes = frame({ opcode: 2, rsv: 4, payload: bomb });
        return failure(port, bytes, [1009], "permessage-deflate");
      },
    },
    {
      id: "R.8",
      title: "200 slowloris upgrades while a normal client is served",
      memory: 64 * MiB,
      async run() {
        const sockets: Socket[] = [];
        const head = encoder.encode(upgradeHead("X-Slow: yes\r\n\r\n"));
        const timers: ReturnType<typeof setInterval>[] = [];
        for (let i = 0; i < 200; i++) {
          const socket = connect(port, "127.0.0.1");
          socket.on("error", () => {});
          sockets.push(socket);
          let offset = 0;
          timers.push(setInterval(() => {
            if (offset < head.length - 1) socket.write(head.subarray(offset, ++offset));
          }, 50));
        }
        try {
          const served = await echoTime(port);
          return served !== undefined && served < 1000
            ? { verdict: "OK", detail: `a normal client got its echo in ${served.toFixed(1)} ms` }
            : { verdict: "FAILED", detail: "the normal client was not served within a second" };
        } finally {
          for (const timer of timers) clearInterval(timer);
          for (const socket of sockets) socket.destroy();
        }
      },
    },
    {
      id: "R.9",
      title: "cross-origin upgrades against an allow-list",
      memory: 32 * MiB,
      async run() {
        const ask = async (origin: string) =>
          status(
            (await rawExchange(
              port,
              encoder.encode(
                upgradeHead(`Origin: ${origin}\r\n\r\n`).replace("GET /echo", "GET /origin"),
              ),
              0,
              2000,
            )).answer,
          );
        const refused = await ask("https://evil.example");
        const allowed = await ask("https://app.example");
        return refused === 403 && allowed === 101
          ? { verdict: "OK", detail: "403 for another origin, 101 for the listed one" }
          : { verdict: "FAILED", detail: `got ${refused} and ${allowed}` };
      },
    },
  ];
}

/** The cases against our client, fed by a raw suite server. */
function clientCases(scale: Scale): RobustCase[] {
  const tiny = scale.roundTrips >= 1000 ? 1_000_000 : 100_000;
  const bomb = inflationBomb();
  /** Connects our client to a raw server that answers the upgrade with `response`. */
  const handshake = async (response: string) => {
    const { createServer } = await import("node:net");
    const server = createServer((socket) => {
      socket.on("error", () => {});
      socket.once("data", () => socket.write(response));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const port = (server.address() as { port: number }).port;
    try {
      await Client.connect(`ws://127.0.0.1:${port}/`, { handShakeTimeout: 2 });
      return { verdict: "FAILED" as Verdict, detail: "the client accepted the response" };
    } catch (error) {
      const name = (error as Error).name;
      return name === "InvalidHandshakeError"
        ? { verdict: "OK" as Verdict, detail: `refused: ${(error as Error).message}` }
        : { verdict: "FAILED" as Verdict, detail: `${name}: ${(error as Error).message}` };
    } finally {
      server.close();
    }
  };
  /** Our client against a suite server that sends `bytes` once connected. */
  const fed = async (bytes: Uint8Array, codes: number[], deflate = false): Promise<Outcome> => {
    const server = await SuiteServer.start(deflate ? "permessage-deflate" : undefined);
    try {
      const opened = server.next();
      const client = await Client.connect(`ws://127.0.0.1:${server.port}/`, {
        maxMessageSize: LIMIT,
      });
      const reading = client.readMessage().then(() => "message", (error: Error) => error.message);
      const session = await opened;
      await session.send(bytes, 64 * 1024);
      await session.until(() => session.events.some((e) => e.type === "close"), 30_000);
      const close = session.events.find((e) => e.type === "close");
      await reading;
      if (close?.type === "close" && codes.includes(close.code ?? 0)) {
        return { verdict: "OK", detail: `failed with ${close.code}` };
      }
      return {
        verdict: "FAILED",
        detail: close ? `closed with ${(close as { code?: number }).code}` : "no close",
      };
    } finally {
      await server.close();
    }
  };
  const ok101 = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
  return [
    {
      id: "R.1",
      title: "a 101 response with 5000 headers",
      memory: 64 * MiB,
      run: () =>
        handshake(
          ok101 + Array.from({ length: 5000 }, (_, i) => `X-Flood-${i}: ${i}\r\n`).join("") +
            "\r\n",
        ),
    },
    {
      id: "R.2",
      title: "non-ASCII bytes in a 101 response",
      memory: 32 * MiB,
      run: () => handshake(ok101 + "X-Name: caf\u00e9\u0000\r\n\r\n"),
    },
    {
      id: "R.3",
      title: "CR/LF in a custom header value",
      memory: 32 * MiB,
      async run() {
        try {
          await Client.connect("ws://127.0.0.1:1/", {
            customHeaders: { "x-note": "a\r\nInjected: yes" },
          });
          return { verdict: "FAILED", detail: "the client sent it" };
        } catch (error) {
          return error instanceof TypeError
            ? { verdict: "OK", detail: "refused before connecting" }
            : { verdict: "FAILED", detail: String(error) };
        }
      },
    },
    {
      id: "R.5",
      title: "a frame declaring 2^62 bytes",
      memory: 32 * MiB,
      run: () =>
        fed(frame({ opcode: 2, payload: "x", length: 2 ** 62, mask: false }), [1009, 1002]),
    },
    {
      id: "R.6",
      title: `a message in ${tiny} one-byte continuation frames`,
      memory: 256 * MiB,
      async run() {
        const server = await SuiteServer.start();
        try {
          const opened = server.next();
          const client = await Client.connect(`ws://127.0.0.1:${server.port}/`);
          const session = await opened;
          // Settled into an outcome at once, so that no rejection is ever left unhandled.
          const reading = client.readMessage().then(
            (message) =>
              message instanceof Uint8Array && message.length === tiny
                ? { verdict: "OK" as Verdict, detail: "received whole" }
                : { verdict: "FAILED" as Verdict, detail: "received something else" },
            async () => {
              await session.until(() => session.events.some((e) => e.type === "close"), 2000);
              const close = session.events.find((e) => e.type === "close") as
                | { code?: number }
                | undefined;
              return close && [1008, 1009].includes(close.code ?? 0)
                ? { verdict: "OK" as Verdict, detail: `refused with ${close.code}` }
                : { verdict: "FAILED" as Verdict, detail: "failed without 1008/1009" };
            },
          );
          await session.send(tinyFragments(tiny, false), 64 * 1024);
          const outcome = await reading;
          client.close().catch(() => {});
          return outcome;
        } finally {
          await server.close();
        }
      },
    },
    {
      id: "R.7",
      title: "a compressed message that inflates to 64 MiB (limit 32 MiB)",
      memory: 96 * MiB,
      run() {
        return fed(
          frame({ opcode: 2, rsv: 4, payload: bomb, mask: false }),
          [1009],
          true,
        );
      },
    },
  ];
}

/** Runs family R against `name`: a server engine, or "client". */
export async function robustnessSuite(name: string, scale: Scale): Promise<CaseResult[]> {
  if (name === "client") return runCases(clientCases(scale));
  const engine = name as EngineName;
  const listener = new Listener(0, { host: "127.0.0.1", engine, timeout: 5 });
  listener.attach("/echo", {
    onTextMessage: (_caller: unknown, text: string) => text,
    onBinaryMessage: (_caller: unknown, data: Uint8Array) => data,
  }, { maxFrameSize: LIMIT, maxMessageSize: LIMIT, writeBufferLimit: 4 * LIMIT });
  listener.attach("/origin", { onTextMessage: (_caller: unknown, text: string) => text }, {
    allowedOrigins: ["https://app.example"],
  });
  await listener.start();
  try {
    return await runCases(serverCases(listener.port, engine, scale));
  } finally {
    await listener.immediateStop();
  }
}
