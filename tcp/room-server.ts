// tcp-udp-chat: a chat room over TCP, the lesson after the mirrors (docs/09-chat-room.md).
// The article calls its programs 多人聊天版, "multi-user chat", yet its TCP server talks to
// one client at a time. This one holds every member at once on one event loop: it never
// waits for one member, it reacts to whichever socket has something to say. And it stays
// fair when someone misbehaves: rate limits, bounded memory, deadlines, honest names.
//
// Run:  make room-server           (or, on Node >= 22.18: node tcp/room-server.ts [--port N])
// Join: make room-client           in other terminals, or: nc 127.0.0.1 8003
// A line you type goes to every other member as "<name> line". Commands: /nick NAME,
// /msg NAME text, /me action, /who, /quit, /help. The server's own terminal speaks as @room
// and can /kick. Defaults: 127.0.0.1:8003, at most 100 members (--max-clients N).
// With --redis URL, any number of these servers hold one room through Redis: a member of
// any of them hears every other member (docs/25-many-servers.md, tcp/room/broker.ts).
import { readFileSync } from "node:fs";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { chatArgs, text, whole } from "../shared/args.ts";
import { hostPort } from "../shared/host-port.ts";
import { LineFramer } from "../shared/line-framer.ts";
import { safeText } from "../shared/safe-text.ts";
import { onExitSignal } from "../shared/signals.ts";
import { note, setNoteSink, trace } from "../shared/stderr.ts";
import { listenOn } from "../shared/tcp-listen.ts";
import type { Broker, RoomSide } from "./room/broker.ts";
import { LivePrompt } from "./room/live-prompt.ts";
import { NAME_RULE, NameBook } from "./room/names.ts";
import { foreignBytes, foreignLine } from "./room/not-chat.ts";
import { atTurnEnd, flushAll, Outbox, toEveryone } from "./room/outbox.ts";
import { QuietCollector, quietReport } from "./room/quiet-gc.ts";
import { TokenBucket } from "./room/token-bucket.ts";

const args = chatArgs({
  script: "tcp/room-server.ts",
  about: "TCP chat room: every member at once, each line sent to all the others",
  port: 8003,
  server: true,
  options: {
    maxClients: whole(100, 1, "most members at once"),
    rate: whole(10, 1, "lines a second a member may send after a burst"),
    burst: whole(60, 1, "lines a member may send at once"),
    perAddress: whole(20, 1, "most members from one address (never more than half the room)"),
    lineTime: whole(30, 1, "seconds to finish a line once begun"),
    idle: whole(3600, 1, "seconds of silence before a member is let go"),
    redis: text("URL", "one room across servers, through Redis at URL (redis://127.0.0.1:6379)"),
  },
});
const { rate: RATE, burst: BURST, lineTime: LINE_TIME, idle: IDLE } = args;

const MAX_LINE = 4096; // bytes in one line; a longer one is refused
const MAX_HELD = 1024 * 1024; // memory a member's unread lines may hold; past it, out
const TURN_SHARE = 500; // lines one member is heard for in a turn of the event loop, at most
const JOIN_WAIT_MS = 500; // a client may name itself first (room-client --nick); nc users wait this long
const WHO_PER_LINE = 40; // names per line of /who
const HELP =
  "commands: /nick NAME, /msg NAME text, /me action, /who, /quit, /help" +
  ` (a name is ${NAME_RULE})`;

interface Member {
  name: string;
  joined: boolean;
  readonly sock: Socket;
  readonly peer: string;
  readonly framer: LineFramer;
  readonly outbox: Outbox;
  readonly lines: TokenBucket; // what the member may say
  readonly renames: TokenBucket;
  /** A line read but not yet heard: the rate limit holds it (the member is paused meanwhile). */
  held: string | undefined;
  wake: NodeJS.Timeout | undefined; // when the rate limit will hear it
  warned: boolean;
  leaving: boolean; // being let go: what it sends now is dropped
  heardAt: number; // when the last whole line came
  lineSince: number; // when the unfinished line began, or 0
  readonly since: number; // when it connected
  spoke: boolean; // whether a whole line has come from it yet (its /nick counts)
  busy: boolean; // waiting for the room's other servers: nothing more is heard from it meanwhile
}

const members = new Set<Member>();
const taken = new NameBook();
let joinedCount = 0;
const perAddress = new Map<string, number>();
let joinedEver = 0;
/** With --redis: the other servers of the room, through Redis (tcp/room/broker.ts). */
let broker: Broker | undefined;
const CUT_OFF = "the room's servers cannot reach each other just now (Redis is away)";
// A storm of joins leaves V8's heap grown and full of dead announcements; once the room
// falls quiet, two collections give that memory back (tcp/room/quiet-gc.ts).
const quiet = new QuietCollector((spell) => trace(quietReport(spell)));

// The server's own terminal: the room's traffic on stdout, notes on stderr, and a prompt
// for the operator. Nothing written there may stop the room (see tcp/room/out-queue.ts).
const shown: string[] = [];
const log = { flush: () => prompt.show(`${shown.splice(0).join("\n")}\n`, true) };

/** Queue `text` (lines ending in `\n`) for one member; cut off a member who holds too much unread. */
function send(member: Member, text: string, bytes: number, toAll = false): void {
  if (member.outbox.add(text, bytes, toAll) || member.sock.destroyed) return;
  note(`${member.name} reads too slowly: 1 MiB waits for it; disconnecting`);
  member.sock.destroy(); // its close event announces the departure
}

/** One line for one member. */
function tell(member: Member, line: string): void {
  const text = `${line}\n`;
  send(member, text, Buffer.byteLength(text));
}

/**
 * Send a line to every member but `from`, and show it on the server's stdout; with
 * `everywhere`, to the members of the room's other servers too.
 */
function broadcast(from: Member | undefined, line: string, everywhere = true): void {
  if (everywhere) broker?.say(line);
  shown.push(line);
  atTurnEnd(log, true);
  const text = `${line}\n`;
  const bytes = Buffer.byteLength(text);
  if (args.trace) trace(`broadcast ${bytes} bytes to ${members.size - (from ? 1 : 0)}`);
  toEveryone(text);
  for (const member of members)
    if (member !== from && member.joined) send(member, text, bytes, true);
}

function named(name: string): Member | undefined {
  for (const m of members) if (m.joined && m.name === name) return m;
  return undefined;
}

function names(): string[] {
  return [...members].filter((m) => m.joined).map((m) => m.name);
}

/** Who is here, in lines of at most WHO_PER_LINE names: a list of 1,000 still arrives whole. */
function who(all = names()): string[] {
  const lines: string[] = [];
  for (let i = 0; i < all.length; i += WHO_PER_LINE) {
    const part =
      all.length > WHO_PER_LINE ? ` (${i + 1}-${Math.min(i + WHO_PER_LINE, all.length)})` : "";
    lines.push(`* ${all.length} here${part}: ${all.slice(i, i + WHO_PER_LINE).join(", ")}`);
  }
  return lines;
}

function freeName(): string {
  let name: string;
  do name = `user${++joinedEver}`;
  while (taken.problem(name) !== undefined);
  return name;
}

/** A command from `member`: a line that starts with `/`. */
function command(member: Member, line: string): void {
  const [verb = "", target = "", ...rest] = line.split(" ");
  const arg = line.slice(verb.length + 1).trim();
  if (verb === "/nick") {
    const problem = taken.problem(arg, member.name);
    const name = arg.normalize("NFC");
    if (problem) tell(member, `* error: cannot take '${safeText(arg)}': ${problem}`);
    else if (!member.renames.take()) tell(member, "* error: too many renames: wait a little");
    else if (!broker) rename(member, name);
    else
      awaitBroker(member, async (b) => {
        const why = await b.presence.claim(name, member.name);
        if (why) tell(member, `* error: cannot take '${safeText(arg)}': ${why}`);
        else rename(member, name);
      });
  } else if (verb === "/msg") {
    const to = named(target);
    const text = safeText(rest.join(" "));
    const nobody = `* error: nobody here is called '${safeText(target)}'`;
    if (to === member || target === "") tell(member, nobody);
    else if (text === "") tell(member, "* error: /msg NAME text");
    else if (to) {
      trace(`private ${Buffer.byteLength(text)} bytes from ${member.name} to ${to.name}`);
      tell(to, `<${member.name} to you> ${text}`);
      tell(member, `<you to ${to.name}> ${text}`);
    } else if (!broker) tell(member, nobody);
    else
      awaitBroker(member, async (b) => {
        const found = await b.whisper(target, `<${member.name} to you> ${text}`);
        tell(member, found ? `<you to ${target}> ${text}` : nobody);
      });
  } else if (verb === "/me" && arg !== "") {
    const action = `• ${member.name} ${safeText(arg)}`;
    broadcast(member, action);
    tell(member, action); // the sender sees it too: it reads as a line of the room, not as typed
  } else if (verb === "/who") {
    if (broker?.up) awaitBroker(member, async (b) => tellAll(member, who(await b.presence.who())));
    else tellAll(member, broker ? [...who(), `* (this server only: ${CUT_OFF})`] : who());
  } else if (verb === "/quit") {
    tell(member, "* bye");
    flushAll();
    member.sock.end();
  } else if (verb === "/help") {
    tell(member, `* ${HELP}`);
  } else {
    tell(member, `* error: unknown command ${safeText(verb)}. ${HELP}`);
  }
}

function tellAll(member: Member, lines: string[]): void {
  for (const line of lines) tell(member, line);
}

/**
 * Ask the room's other servers something for `member` (a name, a private line, /who): it
 * is heard no further until the answer, so that its lines keep their order.
 */
function awaitBroker(member: Member, work: (b: Broker) => Promise<void>): void {
  const b = broker;
  if (!b?.up) {
    tell(member, `* error: ${CUT_OFF}: try again in a moment`);
    return;
  }
  member.busy = true;
  member.sock.pause();
  let done = false;
  const answered = (failed: boolean) => {
    if (done) return;
    done = true;
    clearTimeout(late);
    if (failed && member.joined) tell(member, `* error: ${CUT_OFF}: try again in a moment`);
    else if (failed && !member.leaving) {
      member.leaving = true; // not in yet: it cannot stay unnamed
      refuse(member.sock, `${CUT_OFF}: try again in a moment`);
    }
    member.busy = false;
    release(member);
  };
  // a Redis that does not answer (stopped, not closed) holds nobody for more than 3 s
  const late = setTimeout(() => answered(true), 3000);
  work(b).then(
    () => answered(false),
    () => answered(true),
  );
}

function rename(member: Member, name: string): void {
  const old = member.name;
  taken.delete(old);
  taken.add(name);
  member.name = name;
  broadcast(undefined, `* ${old} is now ${name}`);
}

/** One complete line from `member`: a command, or a message for everyone else. */
function hear(member: Member, line: string): void {
  member.heardAt = Date.now();
  if (line === "") return;
  if (line.startsWith("/")) command(member, line);
  else broadcast(member, `<${member.name}> ${safeText(line)}`);
}

/**
 * The rate limit: each line takes a token (one more per 256 characters) from the member's
 * bucket. When the bucket is empty the member's socket is paused and its lines wait, as
 * bytes, in its framer and then in the kernel: the sender slows down; nothing is lost.
 * Fairness: one member is heard for at most TURN_SHARE lines a turn, then the others.
 */
function release(member: Member): void {
  if (member.busy) return; // it waits for the room's other servers: heard once they answer
  for (let heard = 0; !member.sock.destroyed && !member.leaving; heard++) {
    for (; member.framer.tooLong > 0; member.framer.tooLong--) {
      tell(member, `* error: a line over ${MAX_LINE} bytes was not sent`);
    }
    const line = member.held ?? member.framer.next();
    if (line === undefined) break;
    member.held = line;
    const cost = 1 + Math.floor(line.length / 256);
    if (heard === TURN_SHARE || !member.lines.take(cost)) {
      member.sock.pause();
      if (heard < TURN_SHARE) slowDown(member, cost);
      else setImmediate(() => release(member));
      return;
    }
    member.held = undefined;
    hear(member, line);
    if (member.busy) return;
  }
  if (member.lines.full) member.warned = false;
  member.sock.resume();
}

/** The member's bucket is empty: tell it once, and hear it again when a line's tokens are back. */
function slowDown(member: Member, cost: number): void {
  if (!member.warned) {
    member.warned = true;
    tell(member, `* slow down: over ${RATE} lines a second; your lines now wait their turn`);
    note(`${member.name} sends too fast: slowed to ${RATE} lines a second`);
  }
  clearTimeout(member.wake);
  member.wake = setTimeout(() => release(member), member.lines.msUntil(cost));
}

/** `member` joins as `name`; `all`: everyone in the room now (across its servers too). */
function join(member: Member, name: string, all = names()): void {
  member.name = name;
  member.joined = true;
  taken.add(name);
  joinedCount += 1;
  trace(`join ${member.peer} as ${name}`);
  const others = all.filter((n) => n !== name);
  const here =
    others.length > WHO_PER_LINE ? `${others.length} others (/who lists them)` : others.join(", ");
  tell(member, `* welcome, ${name}. Here: ${here || "nobody yet"}. /help for commands`);
  broadcast(member, `* ${name} joined`);
}

/**
 * `member` joins as `nick` (or as userN): at once on a server of its own; with --redis,
 * once the name is claimed across the room.
 */
function startJoin(member: Member, nick: string | undefined): void {
  const cannot = (why: string) => {
    member.leaving = true;
    refuse(member.sock, why);
  };
  if (!broker) join(member, nick?.normalize("NFC") ?? freeName());
  else if (!broker.up) cannot(`${CUT_OFF}: try again in a moment`);
  else
    awaitBroker(member, async (b) => {
      try {
        const name = nick?.normalize("NFC") ?? (await b.presence.freeName());
        const why = nick === undefined ? undefined : await b.presence.claim(name);
        if (why !== undefined) return cannot(`cannot join as '${safeText(nick ?? "")}': ${why}`);
        const all = await b.presence.who();
        if (member.sock.destroyed || member.leaving) return b.presence.release(name); // gone meanwhile
        join(member, name, all);
      } catch {
        cannot(`${CUT_OFF}: try again in a moment`);
      }
    });
}

/** Tell a connection why it cannot stay, and close it at once, whatever it does next. */
function refuse(sock: Socket, why: string): void {
  turnedAway(hostPort(sock.remoteAddress ?? "?", sock.remotePort), why);
  sock.on("error", () => {});
  sock.end(`* ${why}\n`);
  closeSoon(sock);
}

/** Close `sock` once our last words are out, reading and dropping what it still sends (so
 * that closing does not reset them), or after 5 s if it does not even read them. */
function closeSoon(sock: Socket): void {
  sock.resume();
  sock.once("finish", () => sock.destroy());
  setTimeout(() => sock.destroy(), 5000).unref();
}

let refusedSinceNote = 0;
let lastRefusalNote = 0;
/** Note a refusal, at most once a second under a flood of them, with the count. */
function turnedAway(peer: string, why: string): void {
  if (Date.now() - lastRefusalNote < 1000) {
    refusedSinceNote += 1;
    return;
  }
  const more = refusedSinceNote > 0 ? ` (and ${refusedSinceNote} more since the last note)` : "";
  note(`turned away ${peer}: ${why}${more}`);
  lastRefusalNote = Date.now();
  refusedSinceNote = 0;
}

/**
 * The room is full: the connection that has waited longest without saying a whole line (a
 * silent one, or one dripping a line that never ends) makes way for a newcomer. Whether
 * there was one.
 */
function makeWay(): boolean {
  let quietest: Member | undefined;
  for (const m of members) {
    if (!m.spoke && !m.leaving && (!quietest || m.since < quietest.since)) quietest = m;
  }
  if (!quietest) return false;
  letGo(
    quietest,
    "the room is full and you have not said a line yet: your place goes to a newcomer",
  );
  return true;
}

/** Members who are not being let go. */
function staying(): number {
  let n = 0;
  for (const m of members) if (!m.leaving) n += 1;
  return n;
}

function arrive(sock: Socket): void {
  quiet.busy();
  const address = sock.remoteAddress ?? "?";
  const count = perAddress.get(address) ?? 0;
  if (count >= perAddressCap) {
    refuse(
      sock,
      `too many connections from ${address} (${count}): one address may hold ${perAddressCap} of the room's ${maxClients}`,
    );
    return;
  }
  if (staying() >= maxClients && !makeWay()) {
    refuse(sock, `the room is full (${maxClients} members): try again later`);
    return;
  }
  perAddress.set(address, count + 1);
  const member: Member = {
    name: "",
    joined: false,
    sock,
    peer: hostPort(address, sock.remotePort),
    framer: new LineFramer(MAX_LINE),
    outbox: new Outbox(sock, MAX_HELD),
    lines: new TokenBucket(RATE, BURST),
    renames: new TokenBucket(0.2, 3),
    held: undefined,
    wake: undefined,
    warned: false,
    leaving: false,
    heardAt: Date.now(),
    lineSince: 0,
    since: Date.now(),
    spoke: false,
    busy: false,
  };
  members.add(member);
  // When the wait ends, a name sent in time may still be unread (a loaded machine: timers run
  // before the loop reads its sockets): it is read first, and the name given only after.
  const joinWait = setTimeout(
    () =>
      setImmediate(() => {
        if (!member.spoke && !member.leaving && !member.sock.destroyed)
          startJoin(member, undefined);
      }),
    JOIN_WAIT_MS,
  );

  let firstChunk = true;
  sock.on("data", (chunk: Buffer) => {
    if (member.leaving) return;
    // what speaks another protocol (a web page's request, Redis, TLS) is closed unheard
    const tls = firstChunk ? foreignBytes(chunk) : undefined;
    firstChunk = false;
    if (tls) return goAway(member, tls);
    member.framer.add(chunk);
    quiet.busy();
    member.lineSince = member.framer.midLine ? member.lineSince || Date.now() : 0;
    if (!member.spoke) {
      const first = member.framer.next();
      if (first === undefined) return;
      member.spoke = true;
      const why = foreignLine(first);
      if (why) return goAway(member, why);
      if (member.joined || member.busy)
        member.held = first; // named already (it waited), or being named: a message, or a /nick
      else {
        clearTimeout(joinWait);
        const nick = first.startsWith("/nick ") ? first.slice(6).trim() : undefined;
        const problem = nick === undefined ? undefined : taken.problem(nick);
        if (problem) {
          member.leaving = true;
          refuse(sock, `cannot join as '${safeText(nick ?? "")}': ${problem}`);
          return;
        }
        if (nick === undefined) member.held = first;
        startJoin(member, nick);
      }
    }
    release(member);
  });
  sock.on("error", (err: NodeJS.ErrnoException) => trace(`error ${err.code} from ${member.name}`));
  sock.on("close", (hadError) => {
    clearTimeout(joinWait);
    clearTimeout(member.wake);
    const left = (perAddress.get(address) ?? 1) - 1;
    if (left > 0) perAddress.set(address, left);
    else perAddress.delete(address);
    members.delete(member);
    if (!member.joined) return;
    taken.delete(member.name);
    broker?.presence.release(member.name);
    joinedCount -= 1;
    const unfinished = member.framer.end();
    if (unfinished !== undefined) hear(member, unfinished);
    trace(`close ${member.peer} (${member.name})`);
    const how = hadError ? " (connection lost)" : unfinished !== undefined ? " (mid-line)" : "";
    broadcast(undefined, `* ${member.name} left${how}`);
  });
}

/** A connection that speaks another protocol: told why in one line, and closed unheard. */
function goAway(member: Member, why: string): void {
  member.leaving = true;
  clearTimeout(member.wake);
  refuse(member.sock, `this is a chat room: ${why}`);
}

/** Let go of `member` with a last word to it and a note here. */
function letGo(member: Member, why: string): void {
  note(`${member.name || member.peer}: ${why}; disconnecting`);
  tell(member, `* ${why}: goodbye`);
  flushAll();
  member.leaving = true;
  member.sock.end();
  closeSoon(member.sock);
}

// Once a second: a line begun must end within --line-time (a "slowloris" that sends a byte
// now and then would hold its slot for ever), and a member silent for --idle is let go.
setInterval(() => {
  const now = Date.now();
  for (const member of members) {
    if (member.lineSince && now - member.lineSince > LINE_TIME * 1000) {
      letGo(member, `a line must end within ${LINE_TIME} s`);
    } else if (now - member.heardAt > IDLE * 1000) {
      letGo(member, `silent for ${IDLE} s`);
    }
  }
}, 1000).unref();

function kick(member: Member): void {
  broadcast(member, `* ${member.name} was removed by the room's operator`);
  letGo(member, "removed by the room's operator");
}

/** The operator, at the server's own terminal: speaks as @room, and can /who and /kick. */
function operator(line: string): void {
  const [verb = "", target = ""] = line.trim().split(/\s+/);
  if (line.trim() === "") return;
  const nobody = () => prompt.note(`nobody here is called '${safeText(target)}'`);
  if (verb === "/who") {
    const show = (all?: string[]) => prompt.show(`${who(all).join("\n") || "* nobody here"}\n`);
    if (broker?.up) broker.presence.who().then(show, () => show());
    else show();
  } else if (verb === "/kick") {
    const member = named(target);
    if (member) kick(member);
    else if (broker?.up) broker.kick(target).then((found) => found || nobody(), nobody);
    else nobody();
  } else if (verb.startsWith("/"))
    prompt.note("room commands: /who, /kick NAME; any other line goes to everyone as @room");
  else broadcast(undefined, `<@room> ${safeText(line)}`);
}

const prompt = new LivePrompt("room> ", MAX_HELD, operator, () =>
  prompt.note("the room's terminal takes no more input (stdin ended); Ctrl-C closes the room"),
);
prompt.out.onDrain = () => {
  if (prompt.out.dropped === 0) return;
  note(
    `(${prompt.out.dropped} batches of the room's lines were not shown here: output was not taken)`,
  );
  prompt.out.dropped = 0;
};
setNoteSink((line) => prompt.note(line));

/** --max-clients, lowered to what the descriptor limit allows (a newcomer past it could not even be told). */
function fitDescriptors(wanted: number): number {
  let limit = Number.POSITIVE_INFINITY;
  try {
    limit = Number(/Max open files\s+(\d+)/.exec(readFileSync("/proc/self/limits", "utf8"))?.[1]);
  } catch {
    // not Linux: trust --max-clients
  }
  const room = limit - 32; // Node itself (about 20), the listener, refusals in flight
  if (wanted <= room) return wanted;
  note(
    `--max-clients ${wanted} lowered to ${room}: this process may open ${limit} files (ulimit -n)`,
  );
  return room;
}
const maxClients = fitDescriptors(args.maxClients);
/** One address may hold at most half the room, whatever --per-address says. */
const perAddressCap = Math.min(args.perAddress, Math.max(1, Math.floor(maxClients / 2)));

/**
 * What this server does with what the room's other servers say (with --redis). Their
 * lines were made safe by the server that heard them; made safe again here, in case
 * something else can publish to Redis.
 */
const otherServers: RoomSide = {
  heard: (lines) => {
    for (const line of lines) broadcast(undefined, safeText(line), false);
  },
  whisper: (name, line) => {
    const member = named(name);
    if (member) tell(member, safeText(line));
  },
  kicked: (name) => {
    const member = named(name);
    if (member) kick(member);
  },
  down: (why) => {
    note(`cut off from the room's other servers: ${why}`);
    const here = `you hear only the ${joinedCount} here, and they you`;
    broadcast(undefined, `* ${CUT_OFF}: ${why}. Until it is back, ${here}`, false);
  },
  up: (ms) => {
    const away = `after ${(ms / 1000).toFixed(1)} s`;
    note(`the room's servers reach each other again, ${away}`);
    broadcast(
      undefined,
      `* the room is whole again, ${away}: what was said on its other servers meanwhile is lost, and what was said here did not reach them`,
      false,
    );
  },
  taken: (takenMeanwhile) => {
    for (const name of takenMeanwhile) {
      const member = named(name);
      if (member) awaitBroker(member, (b) => renameTaken(b, member));
    }
  },
  names,
};

/** A name another server's member took while this server was counted out: ours gets a fresh one. */
async function renameTaken(b: Broker, member: Member): Promise<void> {
  const [old, name] = [member.name, await b.presence.freeName()];
  tell(member, `* another server's member took the name ${old} meanwhile: yours is now ${name}`);
  taken.delete(old);
  taken.add(name);
  member.name = name;
  broadcast(member, `* ${name} is back in the room (${old} was taken meanwhile)`);
}

/** Join the room's other servers through Redis at `url` (tcp/room/broker.ts, loaded only now). */
async function openBroker(url: string): Promise<Broker> {
  const ext = import.meta.url.endsWith(".ts") ? ".ts" : ".js"; // run as .ts, or built
  const { Broker } = (await import(`./room/broker${ext}`)) as typeof import("./room/broker.ts");
  return Broker.open(url, hostPort(args.host, args.port), otherServers);
}

const server = createServer(
  { keepAlive: true, keepAliveInitialDelay: 60_000, noDelay: true },
  arrive,
);
if (args.redis !== undefined) broker = await openBroker(args.redis);
await listenOn(server, { host: args.host, port: args.port }, 511);
server.on("error", (err: NodeJS.ErrnoException) => note(`cannot take a newcomer: ${err.code}`));
if (broker) {
  const { address, port } = server.address() as AddressInfo;
  broker.relabel(hostPort(address, port));
  prompt.note(`one of the room's servers, through Redis at ${args.redis}`);
}
prompt.note("type here to speak to the room as @room; /who, /kick NAME");

onExitSignal(() => {
  broadcast(
    undefined,
    broker
      ? "* this server is closing: the room goes on at its other servers"
      : "* the room is closing",
    false,
  );
  flushAll();
  broker?.close();
  for (const member of members) member.sock.end();
});
