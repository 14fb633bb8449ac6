// tcp-udp-chat: the chat room's client (docs/09-chat-room.md). Unlike the mirrors it is
// full duplex: lines from the room appear as they arrive, while you type.
//
// Run:  make room-client            (or: node --import tsx tcp/room-client.ts [--nick NAME])
// First start the room (make room-server). /quit or Ctrl-D leaves; /help lists commands.
import { Socket } from "node:net";
import { chatArgs } from "../shared/args.ts";
import { LineFramer } from "../shared/line-framer.ts";
import { LivePrompt } from "../shared/live-prompt.ts";
import { safeText } from "../shared/safe-text.ts";
import { note } from "../shared/stderr.ts";
import { connect } from "../shared/tcp-connect.ts";
import { close, send } from "../shared/tcp-send.ts";

const args = chatArgs({
  script: "tcp/room-client.ts",
  about: "TCP chat room client",
  port: 8003,
  server: false,
  nick: true,
});

const client = new Socket();
await connect(client, { host: args.host, port: args.port });

// What you type goes to the room, one line at a time; Ctrl-D closes our side (FIN).
let leaving = false;
const prompt = new LivePrompt(
  "> ",
  (line) => {
    leaving ||= line.trim() === "/quit";
    send(client, `${line}\n`);
  },
  () => {
    leaving = true;
    close(client);
  },
);
if (args.nick !== undefined) send(client, `/nick ${args.nick}\n`);

// What the room sends is cut into lines and shown as it comes, escaped.
const framer = new LineFramer(64 * 1024);
client.on("data", (chunk: Buffer) => {
  for (const line of framer.push(chunk).lines) prompt.show(safeText(line));
});
client.on("error", () => {}); // a reset shows as the close below
client.on("close", () => {
  if (!leaving) note("the room closed the connection");
  prompt.close();
});
