// tcp-udp-chat: a chat room over TCP, the lesson after the mirrors (docs/09-chat-room.md).
// The article calls its programs 多人聊天版, "multi-user chat", yet its TCP server talks to
// one client at a time. This one holds every member at once on one event loop: it never
// waits for one member, it reacts to whichever socket has something to say.
//
// Run:  make room-server           (or: node --import tsx tcp/room-server.ts [--port N])
// Join: make room-client           in other terminals, or: nc 127.0.0.1 8003
// A line you type goes to every other member as "<name> line". Commands: /nick NAME, /who,
// /quit, /help. Defaults: 127.0.0.1:8003, at most 100 members (--max-clients N).
import { createServer, type Socket } from "node:net";
import { chatArgs } from "../shared/args.ts";
import { hostPort } from "../shared/host-port.ts";
import { LineFramer } from "../shared/line-framer.ts";
import { print } from "../shared/print.ts";
import { safeText } from "../shared/safe-text.ts";
import { onExitSignal } from "../shared/signals.ts";
import { note, trace } from "../shared/stderr.ts";
import { listen } from "../shared/tcp-listen.ts";

const args = chatArgs({
  script: "tcp/room-server.ts",
  about: "TCP chat room: every member at once, each line sent to all the others",
  port: 8003,
  server: true,
  maxClients: 100,
});

const MAX_LINE = 4096; // bytes in one line; a longer one is refused
const MAX_WAITING = 1024 * 1024; // bytes queued for a member who does not read; past it, out
const NAME = /^[\p{L}\p{N}_-]{1,16}$/u;
const HELP = "commands: /nick NAME (letters, digits, _ or -, up to 16), /who, /quit, /help";

interface Member {
  name: string;
  sock: Socket;
  framer: LineFramer;
}

const members = new Set<Member>();
let joinedEver = 0;

/** Send one line to one member; cut off a member who lets too much pile up unread. */
function tell(member: Member, line: string): void {
  if (member.sock.destroyed) return;
  member.sock.write(`${line}\n`);
  if (member.sock.writableLength > MAX_WAITING) {
    note(`${member.name} reads too slowly: more than 1 MiB waits for it; disconnecting`);
    member.sock.destroy(); // its close event announces the departure
  }
}

/** Send a line to every member but `from`, and show it on the server's stdout. */
function broadcast(from: Member | undefined, line: string): void {
  print(line);
  trace(`broadcast ${Buffer.byteLength(line) + 1} bytes to ${members.size - (from ? 1 : 0)}`);
  for (const member of members) if (member !== from) tell(member, line);
}

function nameTaken(name: string): boolean {
  return [...members].some((m) => m.name.toLowerCase() === name.toLowerCase());
}

function freeName(): string {
  let name: string;
  do name = `user${++joinedEver}`;
  while (nameTaken(name));
  return name;
}

/** A command from `member`: a line that starts with `/`. */
function command(member: Member, line: string): void {
  const [verb = "", ...rest] = line.split(" ");
  const arg = rest.join(" ").trim();
  if (verb === "/nick" && !NAME.test(arg)) {
    tell(member, `* error: '${safeText(arg)}' is not a name here. ${HELP}`);
  } else if (verb === "/nick" && nameTaken(arg) && arg !== member.name) {
    tell(member, `* error: ${arg} is taken: pick another name`);
  } else if (verb === "/nick") {
    const old = member.name;
    member.name = arg;
    broadcast(undefined, `* ${old} is now ${arg}`);
  } else if (verb === "/who") {
    tell(member, `* ${members.size} here: ${[...members].map((m) => m.name).join(", ")}`);
  } else if (verb === "/quit") {
    tell(member, "* bye");
    member.sock.end();
  } else if (verb === "/help") {
    tell(member, `* ${HELP}`);
  } else {
    tell(member, `* error: unknown command ${safeText(verb)}. ${HELP}`);
  }
}

/** One complete line from `member`: a command, or a message for everyone else. */
function hear(member: Member, line: string): void {
  if (line === "") return;
  if (line.startsWith("/")) command(member, line);
  else broadcast(member, `<${member.name}> ${safeText(line)}`);
}

function join(sock: Socket): void {
  const peer = hostPort(sock.remoteAddress ?? "?", sock.remotePort);
  if (members.size >= args.maxClients) {
    note(`turned away ${peer}: the room is full (${args.maxClients} members)`);
    sock.on("error", () => {});
    sock.end(`* the room is full (${args.maxClients} members): try again later\n`);
    return;
  }
  const member: Member = { name: freeName(), sock, framer: new LineFramer(MAX_LINE) };
  const others = [...members].map((m) => m.name);
  members.add(member);
  trace(`join ${peer} as ${member.name}`);
  tell(
    member,
    `* welcome, ${member.name}. Here: ${others.join(", ") || "nobody yet"}. /help for commands`,
  );
  broadcast(member, `* ${member.name} joined`);

  sock.on("data", (chunk: Buffer) => {
    const { lines, tooLong } = member.framer.push(chunk);
    for (let i = 0; i < tooLong; i++) {
      tell(member, `* error: a line over ${MAX_LINE} bytes was not sent`);
    }
    for (const line of lines) hear(member, line);
  });
  sock.on("error", (err: NodeJS.ErrnoException) => trace(`error ${err.code} from ${member.name}`));
  sock.on("close", (hadError) => {
    const unfinished = member.framer.end();
    if (unfinished !== undefined) hear(member, unfinished);
    members.delete(member);
    trace(`close ${peer} (${member.name})`);
    const how = hadError ? " (connection lost)" : unfinished !== undefined ? " (mid-line)" : "";
    broadcast(undefined, `* ${member.name} left${how}`);
  });
}

const server = createServer(join);
await listen(server, { host: args.host, port: args.port }, 511);

onExitSignal(() => {
  broadcast(undefined, "* the room is closing");
  for (const member of members) member.sock.end();
});
