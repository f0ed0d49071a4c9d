/**
 * The chat demo: a page at `/` and a WebSocket service at `/chat/:room` on one port.
 * `main.ts` runs it from the command line; the browser test starts it in-process.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignJWT } from "jose";
import {
  type Caller,
  CloseFrame,
  type EngineName,
  hashPassword,
  Listener,
  type ListenerAuthConfig,
  type Service,
} from "../../mod.ts";
import { Chat, type ChatMessage, Join, type JoinMessage, Leave, Typing } from "./messages.ts";

/** How the demo asks people to log in: not at all, HTTP Basic, or a bearer JWT. */
export type Login = "none" | "basic" | "jwt";

export interface ChatOptions {
  /** Default 9090; 0 picks a free port. */
  port?: number;
  /** Default "127.0.0.1". */
  host?: string;
  login?: Login;
  /** Seconds of silence before a ping; a second silent period without a pong closes. */
  heartbeat?: number;
  engine?: EngineName;
}

export interface RunningChat {
  listener: Listener;
  /** The page to open. */
  url: string;
  /** Demo accounts, for Basic login. */
  users: { name: string; password: string }[];
  /** A bearer token per demo account, for JWT login. */
  tokens: Record<string, string>;
  /** Closes every connection with 1001 and releases the port. */
  stop(): Promise<void>;
}

const DEMO_USERS = [
  { name: "alice", password: "wonderland" },
  { name: "bob", password: "builder" },
];
const ISSUER = "tether-chat-demo";
const HEARTBEAT = new TextEncoder().encode("heartbeat");

const page = readFileSync(new URL("./page.html", import.meta.url), "utf8");

/** Who is in each room: name to caller. Empty rooms are forgotten. */
type Rooms = Map<string, Map<string, Caller>>;

function broadcast(room: Map<string, Caller>, message: object, except?: Caller): void {
  for (const caller of room.values()) {
    // A member that cannot keep up is dropped by its write buffer limit; the rest go on.
    if (caller !== except) caller.writeMessage(message).catch(() => {});
  }
}

function refused(_caller: Caller, error: Error) {
  return { type: "error", message: error.message };
}

/** One connection's part in a room. `account` is who logged in, when login is on. */
function member(rooms: Rooms, roomName: string, account: string | undefined): Service {
  let name: string | undefined;
  let awaitingPong = false;
  const room = () => {
    let members = rooms.get(roomName);
    if (members === undefined) rooms.set(roomName, members = new Map());
    return members;
  };
  const leave = (caller: Caller) => {
    const members = rooms.get(roomName);
    if (name === undefined || members?.get(name) !== caller) return;
    members.delete(name);
    if (members.size === 0) rooms.delete(roomName);
    else broadcast(members, { type: "left", name });
    name = undefined;
  };
  return {
    onJoin(caller: Caller, join: JoinMessage) {
      if (name !== undefined) return { type: "error", message: `already joined as ${name}` };
      const wanted = account ?? join.name;
      if (wanted === undefined) return { type: "error", message: "a name is needed to join" };
      const members = room();
      if (members.has(wanted)) return { type: "error", message: `${wanted} is taken` };
      name = wanted;
      members.set(name, caller);
      broadcast(members, { type: "joined", name }, caller);
      return { type: "welcome", room: roomName, name, members: [...members.keys()] };
    },
    onChat(caller: Caller, chat: ChatMessage) {
      if (name === undefined) return { type: "error", message: "join first" };
      broadcast(room(), { type: "chat", name, text: chat.text, at: Date.now() }, caller);
      return { type: "sent", at: Date.now() };
    },
    onTyping(caller: Caller) {
      if (name !== undefined) broadcast(room(), { type: "typing", name }, caller);
    },
    onLeave(caller: Caller) {
      leave(caller);
      return new CloseFrame(1000, "left the room");
    },
    // A message that fails its schema is answered, and the connection stays open.
    onJoinError: refused,
    onChatError: refused,
    onTypingError: refused,
    onLeaveError: refused,
    onIdleTimeout(caller: Caller) {
      if (awaitingPong) return new CloseFrame(1008, "no answer to the heartbeat");
      awaitingPong = true;
      return caller.ping(HEARTBEAT);
    },
    onPong() {
      awaitingPong = false;
    },
    onClose: (caller: Caller) => leave(caller),
    onError(caller: Caller, error: Error) {
      leave(caller);
      console.warn(`[chat] ${roomName}: ${error.message}`);
    },
  };
}

async function authFor(login: Login, secret: string): Promise<ListenerAuthConfig[]> {
  if (login === "basic") {
    const users = await Promise.all(DEMO_USERS.map(async ({ name, password }) => ({
      username: name,
      password: await hashPassword(password),
      scopes: ["chat"],
    })));
    // The listener reads the user file when the service is attached; it is removed then.
    const path = join(mkdtempSync(join(tmpdir(), "tether-chat-")), "users.json");
    writeFileSync(path, JSON.stringify({ users }));
    return [{ fileUserStoreConfig: { path }, scopes: ["chat"] }];
  }
  if (login === "jwt") {
    return [{
      jwtValidatorConfig: { issuer: ISSUER, audience: "chat", signatureConfig: { secret } },
      scopes: ["chat"],
    }];
  }
  return [];
}

async function issueTokens(secret: string): Promise<Record<string, string>> {
  const key = new TextEncoder().encode(secret);
  const tokens: Record<string, string> = {};
  for (const { name } of DEMO_USERS) {
    tokens[name] = await new SignJWT({ scope: "chat" })
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(ISSUER)
      .setAudience("chat")
      .setSubject(name)
      .setExpirationTime("1h")
      .sign(key);
  }
  return tokens;
}

/** The page, with a Basic challenge in front of it when Basic login is on. */
function pages(login: Login): (request: Request) => Response {
  const html = page.replace("{{login}}", login);
  return (request) => {
    if (new URL(request.url).pathname !== "/") return new Response("not found", { status: 404 });
    if (login === "basic" && !request.headers.has("authorization")) {
      // Browsers ask for the password here and send it again on the WebSocket upgrade,
      // where the service checks it.
      return new Response("log in to chat", {
        status: 401,
        headers: { "www-authenticate": 'Basic realm="tether chat"' },
      });
    }
    return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
  };
}

/** Starts the demo and resolves once it is listening. */
export async function startChat(options: ChatOptions = {}): Promise<RunningChat> {
  const login = options.login ?? "none";
  const secret = crypto.randomUUID() + crypto.randomUUID();
  const auth = await authFor(login, secret);
  const rooms: Rooms = new Map();
  const listener = new Listener(options.port ?? 9090, {
    host: options.host ?? "127.0.0.1",
    engine: options.engine,
    fetch: pages(login),
  });
  try {
    listener.attach(
      "/chat/:room",
      (_request, context) => member(rooms, context.params.room, context.auth?.subject),
      {
        dispatcherKey: "type",
        dispatcherStreamId: "id",
        bindings: { onJoin: Join, onChat: Chat, onTyping: Typing, onLeave: Leave },
        idleTimeout: options.heartbeat ?? 20,
        maxFrameSize: 16 * 1024,
        auth: auth.length > 0 ? auth : undefined,
      },
    );
  } finally {
    for (const entry of auth) {
      if ("fileUserStoreConfig" in entry) {
        rmSync(join(entry.fileUserStoreConfig.path, ".."), { recursive: true });
      }
    }
  }
  await listener.start();
  return {
    listener,
    url: `http://${options.host ?? "localhost"}:${listener.port}/`,
    users: login === "basic" ? DEMO_USERS : [],
    tokens: login === "jwt" ? await issueTokens(secret) : {},
    stop: () => listener.gracefulStop(5),
  };
}
