import type { WireSession } from "./session.ts";
import { closePayload, frame, type FrameSpec } from "./wire.ts";

/**
 * The reference suite's verdicts: OK (as the RFC requires), NON-STRICT (acceptable, but not
 * the strictest reading, such as dropping TCP without a close frame), FAILED, and
 * INFORMATIONAL (measured, not judged).
 */
export type Verdict = "OK" | "NON-STRICT" | "FAILED" | "INFORMATIONAL";

export interface CaseResult {
  id: string;
  family: string;
  title: string;
  verdict: Verdict;
  detail: string;
  /** Milliseconds the case took, for the performance cases. */
  ms?: number;
}

/** What the party under test must send back before the case ends. */
export type Expected =
  | { type: "text"; data: string }
  | { type: "binary"; data: Uint8Array }
  | { type: "pong"; data: Uint8Array };

/** One write of a case: bytes at once or in chunks, optionally with a pause between. */
export interface Write {
  bytes: Uint8Array;
  chunk?: number;
  pauseMs?: number;
  /** The party must have failed the connection before this write. */
  failedBefore?: boolean;
}

/**
 * How a case ends: a clean closing handshake the suite starts, the party answering the
 * suite's close (already among the writes) with one of `closeReply`, or the party failing
 * the connection with one of `fail`.
 */
export type Ending =
  | { clean: true }
  | { closeReply: (number | undefined)[] }
  | { fail: number[] };

/** A case as a script of writes, with the answers and the ending it demands. */
export interface Script {
  writes: Write[];
  expect: Expected[];
  ending: Ending;
  /** Milliseconds to wait for the answers. Default 2000. */
  answerMs?: number;
}

/** Makes frames the suite's role sends: masked when the suite is the client. */
export type FrameMaker = (spec: FrameSpec) => Uint8Array;

/** Milliseconds a party has to fail the connection once it has what proves the failure. */
export const FAIL_WITHIN_MS = 1000;

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function describe(expected: Expected): string {
  const size = expected.type === "text" ? expected.data.length : expected.data.length;
  return `${expected.type} of ${size}`;
}

/** Whether the peer's answers so far (pings ignored) begin with `expect`; how many match. */
function answers(session: WireSession): Expected[] {
  const out: Expected[] = [];
  for (const event of session.events) {
    if (event.type === "text") out.push({ type: "text", data: event.data });
    else if (event.type === "binary") out.push({ type: "binary", data: event.data });
    else if (event.type === "pong") out.push({ type: "pong", data: event.data });
  }
  return out;
}

function matches(got: Expected, want: Expected): boolean {
  if (got.type !== want.type) return false;
  if (got.type === "text") return got.data === (want as { data: string }).data;
  return equalBytes(got.data, (want as { data: Uint8Array }).data);
}

/** The close frame or the violation that ended what the peer sent, if any. */
export function ending(session: WireSession) {
  return session.events.find((event) => event.type === "close" || event.type === "violation");
}

/** Runs a script on a session and judges it. */
export async function judge(session: WireSession, script: Script, make: FrameMaker) {
  for (const write of script.writes) {
    if (write.failedBefore) {
      const failed = await session.until(() => ending(session) !== undefined, FAIL_WITHIN_MS);
      if (!failed) {
        await session.send(write.bytes, write.chunk, write.pauseMs);
        const late = await session.until(() => ending(session) !== undefined, FAIL_WITHIN_MS);
        return {
          verdict: late ? "NON-STRICT" as const : "FAILED" as const,
          detail: late
            ? "failed only once the rest of the frame arrived"
            : "did not fail the connection",
        };
      }
      break;
    }
    await session.send(write.bytes, write.chunk, write.pauseMs);
  }
  const expect = script.expect;
  const closing = !("clean" in script.ending);
  const answered = () => answers(session).length >= expect.length;
  await session.until(
    () => closing ? ending(session) !== undefined : answered() || ending(session) !== undefined,
    closing ? Math.max(FAIL_WITHIN_MS, script.answerMs ?? 0) : script.answerMs ?? 2000,
  );
  const got = answers(session);
  for (let i = 0; i < expect.length; i++) {
    if (i >= got.length) {
      return { verdict: "FAILED" as const, detail: `no answer ${i + 1} (${describe(expect[i])})` };
    }
    if (!matches(got[i], expect[i])) {
      return {
        verdict: "FAILED" as const,
        detail: `answer ${i + 1} is not ${describe(expect[i])}`,
      };
    }
  }
  if (got.length > expect.length) {
    return {
      verdict: "FAILED" as const,
      detail: `${got.length - expect.length} unexpected answers`,
    };
  }
  const end = ending(session);
  if (end?.type === "violation") return { verdict: "FAILED" as const, detail: end.what };
  if ("closeReply" in script.ending) {
    const code = end?.type === "close" ? end.code : undefined;
    if (end !== undefined && script.ending.closeReply.includes(code)) {
      return { verdict: "OK" as const, detail: `replied with close ${code ?? "(no code)"}` };
    }
    return {
      verdict: "FAILED" as const,
      detail: end === undefined ? "no close frame in reply" : `replied with close ${code}`,
    };
  }
  if ("fail" in script.ending) {
    if (end === undefined) {
      return session.closedAt !== undefined
        ? { verdict: "NON-STRICT" as const, detail: "dropped TCP without a close frame" }
        : { verdict: "FAILED" as const, detail: `not failed within ${FAIL_WITHIN_MS} ms` };
    }
    const code = end.type === "close" ? end.code : undefined;
    if (code !== undefined && script.ending.fail.includes(code)) {
      return { verdict: "OK" as const, detail: `failed with ${code}` };
    }
    return {
      verdict: "FAILED" as const,
      detail: `closed with ${code}, not ${script.ending.fail.join("/")}`,
    };
  }
  if (end !== undefined) {
    return { verdict: "FAILED" as const, detail: `closed with ${end.code} instead of answering` };
  }
  await session.send(make({ opcode: 8, payload: closePayload(1000) }));
  await session.until(() => ending(session) !== undefined, FAIL_WITHIN_MS);
  const reply = ending(session);
  if (reply?.type !== "close") {
    return { verdict: "FAILED" as const, detail: "no close frame in reply to ours" };
  }
  if (reply.code !== 1000 && reply.code !== undefined) {
    return { verdict: "FAILED" as const, detail: `replied to our close with ${reply.code}` };
  }
  return { verdict: "OK" as const, detail: `${expect.length} answers, clean close` };
}

export { frame };
