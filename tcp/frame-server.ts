// tcp-udp-chat: a server that finds the messages in a TCP byte stream, the lesson on 粘包
// (docs/15-framing.md). Not in the article: its server takes whatever one recv(1024)
// returns as one message, and TCP never promised that one send is one read.
//
// Run:  make frame-server                  (or, on Node >= 22.18: node tcp/frame-server.ts [--frame K])
// Then: printf '你好\nhello\nbyebye\n' | make frame-client     in another terminal.
//
// For every read it prints how many bytes came, then the messages they completed, found
// the way both sides agreed (--frame): none, as the article (each read is "a message");
// line, each message ends with \n (the chat room's way); length, 4 bytes of length come
// first. It tells the client what each read held, and closes when the client has sent all.
import { createServer, type Socket } from "node:net";
import { chatArgs } from "../shared/args.ts";
import { LineFramer } from "../shared/line-framer.ts";
import { print } from "../shared/print.ts";
import { safeText } from "../shared/safe-text.ts";
import { closedNormally, closeOnExit } from "../shared/signals.ts";
import { note } from "../shared/stderr.ts";
import { listenOn } from "../shared/tcp-listen.ts";
import { type Frame, frameFlag } from "./frame/frame.ts";
import { LengthPrefixFramer } from "./frame/length-prefix.ts";

const args = chatArgs({
  script: "tcp/frame-server.ts",
  about: "TCP server that shows each read and the messages found in it",
  port: 8004,
  server: true,
  options: { frame: frameFlag },
});

const MAX_MESSAGE = 4096; // bytes in one message; a longer one is refused

/** What a read completed: the whole messages in it, and how many were refused as too long. */
interface Found {
  messages: string[];
  tooLong: number;
}

/** A cutter for one connection: what a read completes, as messages, by the agreed framing. */
function framing(frame: Frame): (chunk: Buffer) => Found {
  if (frame === "line") {
    const lines = new LineFramer(MAX_MESSAGE);
    return (chunk) => {
      const { lines: messages, tooLong } = lines.push(chunk);
      return { messages, tooLong };
    };
  }
  if (frame === "length") {
    const lengths = new LengthPrefixFramer(MAX_MESSAGE);
    return (chunk) => lengths.push(chunk);
  }
  const decoder = new TextDecoder("utf-8"); // none: each read is taken as one message
  return (chunk) => ({ messages: [decoder.decode(chunk, { stream: true })], tooLong: 0 });
}

function serve(conn: Socket): void {
  closeOnExit(conn);
  const messagesIn = framing(args.frame);
  let reads = 0;
  let messages = 0;
  conn.on("data", (chunk: Buffer) => {
    reads += 1; // one 'data' event: what one read from the kernel returned
    const found = messagesIn(chunk);
    const count = `${found.messages.length} whole message${found.messages.length === 1 ? "" : "s"}`;
    const whole = args.frame === "none" ? "" : `, ${count}`;
    print(`read ${reads}: ${chunk.length} bytes${whole}`);
    for (const message of found.messages) print(`message ${++messages}: ${safeText(message)}`);
    for (let n = 0; n < found.tooLong; n++) note(`(refused: a message over ${MAX_MESSAGE} bytes)`);
    conn.write(`read ${reads}: ${chunk.length} bytes${whole}\n`); // the client learns it too
  });
  conn.on("end", () => conn.end()); // the client has sent everything: we close our side too
  conn.on("error", () => {}); // a reset: the close below is all there is to do
  conn.on("close", () => closedNormally(conn));
}

const server = createServer({ allowHalfOpen: true }, serve);
await listenOn(server, { host: args.host, port: args.port }, 3);
