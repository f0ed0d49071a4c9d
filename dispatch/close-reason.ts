import { MAX_CLOSE_REASON_BYTES } from "../frame/close.ts";

const SHORTENED_AFTER = 100;
const SHORTENED_TO = 80;

/** A close reason cut to at most 123 bytes of UTF-8, never inside a character. */
export function fitReason(reason: string): string {
  if (reason.length <= MAX_CLOSE_REASON_BYTES / 3) return reason;
  let bytes = 0;
  let end = 0;
  for (const character of reason) {
    bytes += utf8Length(character.codePointAt(0)!);
    if (bytes > MAX_CLOSE_REASON_BYTES) break;
    end += character.length;
  }
  return reason.slice(0, end);
}

function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/**
 * The close reason for a message the service could not bind: past 100 characters it is
 * cut to 80 and marked with "...".
 */
export function bindingFailureReason(message: string): string {
  const reason = `data binding failed: ${message}`;
  const characters = [...reason];
  if (characters.length <= SHORTENED_AFTER) return fitReason(reason);
  return fitReason(characters.slice(0, SHORTENED_TO).join("") + "...");
}
