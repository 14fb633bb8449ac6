// tcp-udp-chat: a client that sends framed messages, the lesson on 粘包 (docs/15-framing.md).
// Not in the article: its client sends each line with one send() and its server reads with
// one recv(1024), as if one send were one message. TCP carries a stream of bytes, no more.
//
// Run:  printf '你好\nhello\nbyebye\n' | make frame-client      (make frame-server first)
//       make frame-client ARGS="--frame length --split"        type lines, then Ctrl-D
//
// It reads every line of its stdin first, one message a line, then sends them all in one
// write, each framed as --frame says (none: the bytes alone, as the article; line: a \n
// after each; length: 4 bytes of length before each). So the server receives several
// messages in one read. With --split the bytes go in two parts, cut in the middle: the
// second once the server has read the first, as a slow network might deliver them.
import { Socket } from "node:net";
import { text } from "node:stream/consumers";
import { chatArgs, flag } from "../shared/args.ts";
import { hostPort } from "../shared/host-port.ts";
import { LineFramer } from "../shared/line-framer.ts";
import { print } from "../shared/print.ts";
import { safeText } from "../shared/safe-text.ts";
import { trace } from "../shared/stderr.ts";
import { connect } from "../shared/tcp-connect.ts";
import { frameFlag } from "./frame/frame.ts";
import { LengthPrefixFramer } from "./frame/length-prefix.ts";

const args = chatArgs({
  script: "tcp/frame-client.ts",
  about: "TCP client that sends every line of stdin as one framed message, all at once",
  port: 8004,
  server: false,
  options: {
    frame: frameFlag,
    split: flag("send the bytes in two parts, the second once the server has read the first"),
  },
});

/** One message as it goes on the wire, framed as both sides agreed. */
function framed(message: string): Buffer {
  if (args.frame === "line") return Buffer.from(`${message}\n`, "utf8");
  if (args.frame === "length") return LengthPrefixFramer.frame(message);
  return Buffer.from(message, "utf8"); // none: the bytes alone, as the article sends them
}

const typed = await text(process.stdin); // every line, until stdin ends (Ctrl-D)
const messages = typed.split("\n").map((line) => line.replace(/\r$/, ""));
if (messages.at(-1) === "") messages.pop(); // the last line's \n starts no new message
const bytes = Buffer.concat(messages.map(framed));

const client = new Socket({ allowHalfOpen: true });
const ipPort = { host: args.host, port: args.port };
await connect(client, ipPort);

const replies = new LineFramer(4096);
let heard: () => void = () => {};
client.on("data", (chunk: Buffer) => {
  for (const line of replies.push(chunk).lines) print(`server: ${safeText(line)}`);
  heard();
});
client.on("error", () => {}); // a reset: the close ends the script

function send(part: Buffer): void {
  trace(`send ${part.length} bytes to ${hostPort(args.host, args.port)}`);
  client.write(part);
}

if (args.split && bytes.length > 1) {
  const half = Math.floor(bytes.length / 2);
  const read = new Promise<void>((resolve) => {
    heard = resolve;
  });
  send(bytes.subarray(0, half));
  await read; // the server has read the first part: only now the rest
  send(bytes.subarray(half));
} else {
  send(bytes); // one write: TCP may put every message in one segment, and here it does
}
client.end(); // all is sent: a half-close; the server's answers still come, then its FIN
