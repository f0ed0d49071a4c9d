/**
 * A tour of the wire layer: a client and a server that talk through an in-memory byte
 * pipe instead of a socket. The client negotiates permessage-deflate, sends a compressed
 * text message, a fragmented message with a ping between its fragments (delivered to the
 * server one byte at a time), and a close frame; then two broken inputs show the fail-fast
 * checks. Run it with `npm start`, `deno task start` or `bun run start`.
 */
import {
  acceptDeflateOffer,
  acceptDeflateResponse,
  computeAcceptKey,
  createDeflateOffer,
  encodeClosePayload,
  encodeFragments,
  encodeFrame,
  FrameError,
  FrameParser,
  generateClientKey,
  Opcode,
  PerMessageDeflate,
} from "../mod.ts";

const encoder = new TextEncoder();
const log = (side: string, text: string) => console.log(`${side.padEnd(6)} ${text}`);

// 1. Handshake values and extension negotiation, as both ends would compute them.
const key = generateClientKey();
log("client", `Sec-WebSocket-Key: ${key}`);
log("server", `Sec-WebSocket-Accept: ${await computeAcceptKey(key)}`);
const offer = createDeflateOffer();
log("client", `Sec-WebSocket-Extensions: ${offer}`);
const agreement = acceptDeflateOffer(offer, { serverMaxWindowBits: 12 });
if (agreement === undefined) throw new Error("the server declined compression");
log("server", `Sec-WebSocket-Extensions: ${agreement.response}`);
const clientParams = acceptDeflateResponse(agreement.response, {});
if (clientParams === undefined || clientParams instanceof Error) throw new Error("bad response");

const clientCodec = new PerMessageDeflate(clientParams, { role: "client" });
const serverCodec = new PerMessageDeflate(agreement.params, { role: "server" });

// 2. The server's parser. Compressed messages are inflated before they are shown.
const pending: Promise<void>[] = [];
const server = new FrameParser({ role: "server", compression: true, maxMessageSize: 1 << 20 }, {
  text: (text) => log("server", `text message: ${JSON.stringify(text)}`),
  binary: (data) => log("server", `binary message of ${data.length} bytes`),
  compressed: (isText, data) => {
    pending.push(
      serverCodec.decompress(data).then((plain) => {
        if (plain instanceof FrameError) throw plain;
        const shown = isText
          ? JSON.stringify(new TextDecoder().decode(plain))
          : `${plain.length} bytes`;
        log("server", `compressed message (${data.length} bytes on the wire): ${shown}`);
      }),
    );
  },
  ping: (data) =>
    log("server", `ping ${JSON.stringify(new TextDecoder().decode(data))}: answer with a pong`),
  pong: () => log("server", "pong"),
  close: (code, reason) =>
    log("server", `close ${code} ${JSON.stringify(reason)}: echo it and hang up`),
  error: (error) => log("server", `fail the connection: ${error.closeCode} ${error.message}`),
});

// 3. What the client sends.
const greeting = "hello, hello, hello, permessage-deflate!";
const compressed = await clientCodec.compress(encoder.encode(greeting));
if (compressed instanceof FrameError) throw compressed;
log("client", `sends ${greeting.length} characters compressed to ${compressed.length} bytes`);
server.push(encodeFrame(Opcode.Text, compressed, true, true, true));
await Promise.all(pending);

const story = encoder.encode("A message in fragments: ünïcödé is never cut inside a character.");
const fragments = encodeFragments(Opcode.Text, story, 16, true);
log("client", `sends a text message in ${fragments.length} fragments, a ping after the first`);
const wire = [
  fragments[0],
  encodeFrame(Opcode.Ping, encoder.encode("still there?"), true),
  ...fragments.slice(1),
];
for (const frame of wire) {
  for (let i = 0; i < frame.length; i++) server.push(frame.slice(i, i + 1));
}

log("client", "closes with 1000");
server.push(encodeFrame(Opcode.Close, encodeClosePayload(1000, "done"), true));

// 4. Broken input is refused at the first byte that gives it away.
const strict = (name: string, maxFrameSize?: number) =>
  new FrameParser({ role: "server", maxFrameSize }, {
    text: () => {},
    binary: () => {},
    compressed: () => {},
    ping: () => {},
    pong: () => {},
    close: () => {},
    error: (error) => log(name, `refused: ${error.closeCode} ${error.message}`),
  });
const badText = encodeFrame(Opcode.Text, Uint8Array.of(0x68, 0x69, 0xed, 0xa0, 0x80, 0x21), true);
log("client", "sends text with an encoded surrogate; only the first 10 bytes arrive");
strict("server").push(badText.subarray(0, 10));
log("client", "announces a 1 GiB frame to a server that takes 64 KiB");
const hugeHeader = Uint8Array.of(0x82, 0xff, 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4);
strict("server", 64 * 1024).push(hugeHeader);

clientCodec.close();
serverCodec.close();
