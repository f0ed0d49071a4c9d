/**
 * What a chat client may send. Each message is a JSON object whose `type` picks the service
 * method (the listener's `dispatcherKey`); an optional `id` comes back on the reply
 * (`dispatcherStreamId`), so a client can tell which request was answered.
 */
import { z } from "zod";

const requestId = z.union([z.number(), z.string()]).optional();

/** `{"type":"join","name":"ann"}`: enter the room under a name (the account's, when logged in). */
export const Join = z.object({
  type: z.literal("join"),
  name: z.string().trim().min(1).max(32).optional(),
  id: requestId,
});

/** `{"type":"chat","text":"hello"}`: say something to the room. */
export const Chat = z.object({
  type: z.literal("chat"),
  text: z.string().trim().min(1).max(2000),
  id: requestId,
});

/** `{"type":"typing"}`: tell the others a message is being written. */
export const Typing = z.object({ type: z.literal("typing") });

/** `{"type":"leave"}`: leave the room; the server then closes the connection. */
export const Leave = z.object({ type: z.literal("leave"), id: requestId });

export type JoinMessage = z.infer<typeof Join>;
export type ChatMessage = z.infer<typeof Chat>;
