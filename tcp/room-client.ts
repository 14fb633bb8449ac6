// tcp-udp-chat: the chat room's client (docs/09-chat-room.md). Unlike the mirrors it is
// full duplex: lines from the room appear as they arrive, while you type.
//
// Run:  make room-client            (or, on Node >= 22.18: node tcp/room-client.ts [--nick NAME])
// First start the room (make room-server). /quit or Ctrl-D leaves; /help lists commands.
import { Socket } from "node:net";
import { chatArgs, text } from "../shared/args.ts";
import { LineFramer } from "../shared/line-framer.ts";
import { safeText } from "../shared/safe-text.ts";
import { note, setNoteSink } from "../shared/stderr.ts";
import { connect } from "../shared/tcp-connect.ts";
import { close, send } from "../shared/tcp-send.ts";
import { LivePrompt } from "./room/live-prompt.ts";
import { NameBook } from "./room/names.ts";

const args = chatArgs({
  script: "tcp/room-client.ts",
  about: "TCP chat room client",
  port: 8003,
  server: false,
  options: { nick: text("NAME", "the name to take on joining") },
});
const MAX_LINE = 64 * 1024; // bytes in one line from the room; a longer one is not shown
const MAX_UNSHOWN = 1024 * 1024; // past this much waiting for the screen, stop reading the room

const problem = args.nick === undefined ? undefined : new NameBook().problem(args.nick);
if (problem) {
  process.stderr.write(`tcp/room-client.ts: --nick '${safeText(args.nick ?? "")}': ${problem}\n`);
  process.exit(2);
}

const client = new Socket();
await connect(client, { host: args.host, port: args.port });
// The name goes first, in the join itself: the room announces us once, by that name, or
// refuses it before we are in.
if (args.nick !== undefined) send(client, `/nick ${args.nick}\n`);

// What you type goes to the room, one line at a time; Ctrl-D closes our side (FIN).
let leaving = false;
let joined = false;
const prompt = new LivePrompt(
  "> ",
  MAX_UNSHOWN,
  (line) => {
    leaving ||= line.trim() === "/quit";
    send(client, `${line}\n`);
  },
  () => {
    leaving = true;
    close(client);
  },
);
setNoteSink((line) => prompt.note(line));

// What the room sends is cut into lines and shown as it comes, escaped. If the screen
// falls behind, we stop reading: the room then sees a slow reader, and nothing is lost here.
const framer = new LineFramer(MAX_LINE);
client.on("data", (chunk: Buffer) => {
  const { lines, tooLong } = framer.push(chunk);
  joined ||= lines.some((line) => line.startsWith("* welcome, "));
  if (lines.length > 0) prompt.show(`${lines.map(safeText).join("\n")}\n`);
  for (let i = 0; i < tooLong; i++)
    note(`(a line from the room over ${MAX_LINE / 1024} KiB was not shown)`);
  if (prompt.out.waiting > MAX_UNSHOWN) client.pause();
});
prompt.out.onDrain = () => client.resume();
client.on("error", () => {}); // a reset shows as the close below
client.on("close", () => {
  prompt.close();
  if (!leaving) note("the room closed the connection");
  if (!joined) process.exitCode = 1; // refused: the room is full, or the name was not taken
});
