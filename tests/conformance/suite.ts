import { Client, type EngineName, Listener } from "../../mod.ts";
import { type Case, type Scale, scriptedCases } from "./cases.ts";
import { openClient, SuiteServer, type WireSession } from "./session.ts";
import { type CaseResult, equalBytes, type FrameMaker, judge, type Verdict } from "./verdict.ts";
import { StreamCodec } from "./deflate.ts";
import { frame } from "./wire.ts";

const LIMIT = 32 * 1024 * 1024;

/** A party under test: a server engine, or the client. */
export interface Target {
  name: string;
  /** The role of the party under test. */
  role: "server" | "client";
  /** A new connection to it, seen from the suite's end. */
  open(extensions?: string): Promise<{ session: WireSession; response?: string }>;
  stop(): Promise<void>;
}

/** Our listener on `engine`, echoing every message on /echo. */
export async function serverTarget(engine: EngineName): Promise<Target> {
  const listener = new Listener(0, { host: "127.0.0.1", engine });
  listener.attach("/echo", {
    onTextMessage: (_caller: unknown, text: string) => text,
    onBinaryMessage: (_caller: unknown, data: Uint8Array) => data,
  }, { maxFrameSize: LIMIT, maxMessageSize: LIMIT, writeBufferLimit: 4 * LIMIT });
  await listener.start();
  return {
    name: engine,
    role: "server",
    open: (extensions) => openClient(listener.port, "/echo", extensions),
    stop: () => listener.immediateStop(),
  };
}

/** Our client (frames transport) echoing every message a raw suite server sends it. */
export async function clientTarget(): Promise<Target> {
  const server = await SuiteServer.start();
  const clients = new Set<Client>();
  return {
    name: "client",
    role: "client",
    async open(extensions) {
      server.respondWith = extensions;
      const sessionOpened = server.next();
      const client = await Client.connect(`ws://127.0.0.1:${server.port}/`, {
        maxFrameSize: LIMIT,
        maxMessageSize: LIMIT,
        writeBufferLimit: 4 * LIMIT,
        webSocketCompressionEnabled: extensions !== undefined,
      });
      clients.add(client);
      (async () => {
        try {
          for (;;) {
            const message = await client.readMessage();
            if (typeof message === "string") await client.writeTextMessage(message);
            else await client.writeBinaryMessage(message);
          }
        } catch {
          // The case closed or failed the connection; the echo loop ends with it.
        } finally {
          clients.delete(client);
        }
      })();
      const response = client.getHttpResponse()?.headers.get("sec-websocket-extensions");
      return {
        session: await sessionOpened,
        response: response ? `Sec-WebSocket-Extensions: ${response}\r\n` : "",
      };
    },
    async stop() {
      for (const client of clients) client.close().catch(() => {});
      await server.close();
    },
  };
}

function maker(target: Target): FrameMaker {
  // The suite masks as a client when it tests a server, and sends bare frames to a client.
  return target.role === "server" ? frame : (spec) => frame({ mask: false, ...spec });
}

async function runScripted(target: Target, testCase: Case): Promise<CaseResult> {
  const started = performance.now();
  const { session } = await target.open();
  try {
    const make = maker(target);
    const { verdict, detail } = await judge(session, testCase.script(make), make);
    return { ...testCase, verdict, detail, ms: performance.now() - started };
  } finally {
    session.destroy();
  }
}

/** 9.4: sequential round trips, each timed. */
async function roundTrips(target: Target, count: number): Promise<CaseResult> {
  const base = { id: "9.4.1", family: "9", title: `${count} sequential round trips of 32 bytes` };
  const { session } = await target.open();
  const make = maker(target);
  const times: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const message = `round trip ${i}`.padEnd(32, ".");
      const before = session.events.length;
      const started = performance.now();
      await session.send(make({ opcode: 1, payload: message }));
      const answered = await session.until(() => session.events.length > before, 2000);
      const event = session.events[before];
      if (!answered || event.type !== "text" || event.data !== message) {
        return { ...base, verdict: "FAILED", detail: `round trip ${i + 1} got no echo` };
      }
      times.push(performance.now() - started);
    }
  } finally {
    session.destroy();
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  const total = times.reduce((sum, t) => sum + t, 0);
  return {
    ...base,
    verdict: "OK",
    detail: `median ${at(0.5).toFixed(3)} ms, p99 ${at(0.99).toFixed(3)} ms, max ` +
      `${times[times.length - 1].toFixed(3)} ms`,
    ms: total,
  };
}

/** Parameter sets the suite offers a server and, as a server, answers our client with. */
const SHARED_PARAMS = [
  "",
  "; client_no_context_takeover",
  "; server_no_context_takeover",
  "; client_no_context_takeover; server_no_context_takeover",
  "; client_max_window_bits=9",
  "; server_max_window_bits=9",
  "; client_max_window_bits=15; server_max_window_bits=15",
].map((params) => `permessage-deflate${params}`);
/** What the suite offers a server: the shared sets and a fallback list. */
const CLIENT_OFFERS = [
  ...SHARED_PARAMS,
  "permessage-deflate; server_max_window_bits=8, permessage-deflate; client_max_window_bits",
];
/** What the suite answers our client's offer with: the shared sets and unequal windows. */
const SERVER_ANSWERS = [
  ...SHARED_PARAMS,
  "permessage-deflate; server_max_window_bits=10; client_max_window_bits=12",
];

const KINDS: [string, (size: number, seed: number) => { opcode: number; data: Uint8Array }][] = [
  ["repetitive text", (size, seed) => ({
    opcode: 1,
    data: new TextEncoder().encode(`message ${seed} `.repeat(size).slice(0, size)),
  })],
  ["JSON text", (size, seed) => ({
    opcode: 1,
    data: new TextEncoder().encode(
      JSON.stringify(Array.from({ length: size }, (_, i) => ({ id: i + seed, ok: i % 3 === 0 })))
        .slice(0, size),
    ),
  })],
  ["random binary", (size, seed) => {
    const data = new Uint8Array(size);
    let state = seed * 2654435761 + 1;
    for (let i = 0; i < size; i++) {
      state = (state * 1103515245 + 12345) >>> 0;
      data[i] = state >>> 24;
    }
    return { opcode: 2, data };
  }],
];

/** The parameters the server agreed to, from its Sec-WebSocket-Extensions header. */
function agreed(response: string): Map<string, string> | undefined {
  const line = /^sec-websocket-extensions:\s*(.*)$/im.exec(response)?.[1];
  if (line === undefined || !line.includes("permessage-deflate")) return undefined;
  const params = new Map<string, string>();
  for (const part of line.split(";").slice(1)) {
    const [name, value = ""] = part.trim().split("=");
    params.set(name.toLowerCase(), value.replace(/"/g, ""));
  }
  return params;
}

/** 12.x: compressed echoes under each offer, every kind and size, byte for byte. */
function deflateCases(
  target: Target,
  scale: Scale,
): { id: string; title: string; run: () => Promise<CaseResult> }[] {
  const sizes = [16, 1024, 65536];
  const cases: { id: string; title: string; run: () => Promise<CaseResult> }[] = [];
  // The suite compresses as the party under test's peer: with that side's parameters.
  const [own, offers] = target.role === "server"
    ? ["client", CLIENT_OFFERS]
    : ["server", SERVER_ANSWERS];
  offers.forEach((offer, o) => {
    KINDS.forEach(([kind, make], k) => {
      sizes.forEach((size, s) => {
        const id = `12.${o + 1}.${k * sizes.length + s + 1}`;
        const title = `${scale.deflateMessages} ${kind} messages of ${size} B; ${
          target.role === "server" ? "offer" : "answer"
        } "${offer}"`;
        cases.push({
          id,
          title,
          run: async () => {
            const base = { id, family: "12", title };
            const { session, response } = await target.open(offer);
            try {
              const params = agreed(response ?? "");
              if (params === undefined) {
                return {
                  ...base,
                  verdict: "INFORMATIONAL" as Verdict,
                  detail: "the offer was declined, as RFC 7692 allows",
                };
              }
              const resetContext = params.has(`${own}_no_context_takeover`);
              const windowBits = Number(params.get(`${own}_max_window_bits`) || 15);
              const deflater = StreamCodec.deflater(windowBits);
              try {
                for (let i = 0; i < scale.deflateMessages; i++) {
                  const message = make(size, i);
                  const compressed = await deflater.process(message.data, resetContext);
                  const before = session.events.length;
                  await session.send(
                    maker(target)({
                      opcode: message.opcode,
                      rsv: 4,
                      payload: compressed.subarray(0, -4),
                    }),
                  );
                  await session.until(() => session.events.length > before, 5000);
                  const event = session.events[before];
                  const got = event?.type === "text"
                    ? (event as { bytes: Uint8Array }).bytes
                    : event?.type === "binary"
                    ? event.data
                    : undefined;
                  if (got === undefined || !equalBytes(got, message.data)) {
                    return {
                      ...base,
                      verdict: "FAILED" as Verdict,
                      detail: `message ${i + 1}: ${
                        event?.type === "violation"
                          ? event.what
                          : event?.type === "close"
                          ? `closed with ${event.code} ${event.reason}`
                          : `no identical echo (${event?.type ?? "nothing"})`
                      }`,
                    };
                  }
                }
              } finally {
                deflater.close();
              }
              return {
                ...base,
                verdict: "OK" as Verdict,
                detail: `agreed: ${[...params.keys()].join(", ") || "defaults"}`,
              };
            } finally {
              session.destroy();
            }
          },
        });
      });
    });
  });
  return cases;
}

/** Runs the cases whose id `selects` accepts against `target`, one at a time. */
export async function runSuite(
  target: Target,
  scale: Scale,
  selects: (id: string) => boolean = () => true,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const guard = async (
    id: string,
    family: string,
    title: string,
    run: () => Promise<CaseResult>,
  ) => {
    if (!selects(id)) return;
    try {
      results.push(await run());
    } catch (error) {
      // A case that throws (the party refused the connection, say) is a failure to report.
      results.push({
        id,
        family,
        title,
        verdict: "FAILED",
        detail: String((error as Error)?.message ?? error),
      });
    }
  };
  for (const testCase of scriptedCases(scale, target.role)) {
    await guard(testCase.id, testCase.family, testCase.title, () => runScripted(target, testCase));
  }
  await guard("9.4.1", "9", "round trips", () => roundTrips(target, scale.roundTrips));
  for (const deflateCase of deflateCases(target, scale)) {
    await guard(deflateCase.id, "12", deflateCase.title, deflateCase.run);
  }
  return results;
}
