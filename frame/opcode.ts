/**
 * Frame opcodes of RFC 6455 section 5.2.
 *
 * @example
 * ```ts
 * import { Opcode } from "@tether/websocket";
 * console.log(Opcode.Text); // 1
 * ```
 */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;

/**
 * One of the opcode values defined by RFC 6455.
 *
 * @example
 * ```ts
 * import { Opcode } from "@tether/websocket";
 * const opcode: Opcode = Opcode.Binary;
 * ```
 */
export type Opcode = typeof Opcode[keyof typeof Opcode];

/**
 * Whether `opcode` is a control frame's (close, ping, pong): those have the high bit set.
 *
 * @example
 * ```ts
 * import { isControlOpcode, Opcode } from "@tether/websocket";
 * console.log(isControlOpcode(Opcode.Ping), isControlOpcode(Opcode.Text)); // true false
 * ```
 */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/**
 * Whether RFC 6455 defines `opcode`; every other value is reserved.
 *
 * @example
 * ```ts
 * import { isKnownOpcode } from "@tether/websocket";
 * console.log(isKnownOpcode(0x2), isKnownOpcode(0x3)); // true false
 * ```
 */
export function isKnownOpcode(opcode: number): boolean {
  return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xa);
}
