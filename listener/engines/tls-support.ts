import type { ServerTlsSettings } from "../../connection/tls-settings.ts";
import type { EngineName } from "../config.ts";

/**
 * Refuses TLS settings an engine's runtime API cannot honour, naming the engine that can:
 * the frames engine serves TLS through `node:tls`, which has every option.
 */
export function checkEngineTls(engine: EngineName, tls: ServerTlsSettings): void {
  const refuse = (option: string, why: string) => {
    throw new TypeError(
      `secureSocket.${option} cannot be honoured by the ${engine} engine (${why}); ` +
        'use engine: "frames"',
    );
  };
  if (engine === "deno") {
    if (tls.verifyClient !== undefined) {
      refuse("mutualSsl", "Deno.serve cannot ask for client certificates");
    }
    if (tls.minVersion !== undefined) {
      refuse("protocol", "Deno.serve has no protocol versions option");
    }
    if (tls.handshakeTimeoutMs > 0) refuse("handshakeTimeout", "Deno.serve has no such option");
  }
  if (engine === "bun") {
    if (tls.verifyClient === "OPTIONAL") {
      refuse("mutualSsl.verifyClient OPTIONAL", "Bun.serve would let a failing certificate in");
    }
    if (tls.handshakeTimeoutMs > 0) refuse("handshakeTimeout", "Bun.serve has no such option");
  }
}
