// tcp-udp-chat: one load-generator process for the chat-room benchmarks (bench/room.ts
// starts several). It plays the members with ids --from to --to - 1 of a room of --clients,
// reads orders on stdin and reports on stdout, one JSON object a line. With --ports A,B,C
// (one room on several servers, bench/room-redis.ts) member i joins the server on port
// i mod 3, and latencies are kept apart: between members of one server, and across servers.
//
//   joined                 every member of this process has been greeted by the server;
//                          with --start connected, once every member's connect() has
//                          returned, which only means the kernel finished the handshake:
//                          the server may not have taken the member in yet (the race
//                          behind the 500-client stall, bench/room.ts joinRace)
//   go   (stdin)           burst: each member writes --lines lines at once, "m<id> <seq>";
//                          with --rounds R, R bursts, each after the last one's report,
//                          the sequence numbers running on (the first warms the server up)
//                          paced: each member sends one line every 1/--pace s for --seconds,
//                          "t <id> <seq> <sent at, ms since the epoch>"
//   done                   every member has every other member's lines (or the deadline
//                          passed): counts, order problems, latencies, this process's CPU,
//                          how many members the server greeted only after go, and when
//                          it greeted the last one (ms after go)
//
// Each member checks that each sender's lines arrive in order, none lost or doubled.
import { connect, type Socket } from "node:net";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    ports: { type: "string" },
    clients: { type: "string" },
    from: { type: "string" },
    to: { type: "string" },
    lines: { type: "string", default: "0" },
    pace: { type: "string", default: "0" },
    seconds: { type: "string", default: "0" },
    deadline: { type: "string", default: "60" },
    rounds: { type: "string", default: "1" },
    start: { type: "string", default: "greeted" },
  },
});
const PORTS = (values.ports ?? String(values.port)).split(",").map(Number);
const N = Number(values.clients);
const [FROM, TO] = [Number(values.from), Number(values.to)];
const LINES = Number(values.lines);
const PACE = Number(values.pace);
const SECONDS = Number(values.seconds);
const DEADLINE_MS = Number(values.deadline) * 1000;
const ROUNDS = Number(values.rounds);
const ON_CONNECT = values.start === "connected";

const now = () => performance.timeOrigin + performance.now();
const report = (what: object) => process.stdout.write(`${JSON.stringify(what)}\n`);

/** Latencies in 0.1 ms steps up to 10 s: a histogram, so that a million receipts stay small. */
const latency = new Uint32Array(100_001);
/** The same, for lines from a member of another server (through Redis), with --ports. */
const latencyAcross = new Uint32Array(100_001);
let problem: string | undefined;
let complete = 0;
let expected = Number.POSITIVE_INFINITY; // per member, once the senders' counts are known
let round = 0; // orders begun

class Member {
  readonly id: number;
  readonly sock: Socket;
  readonly next = new Int32Array(N);
  received = 0;
  /** When the server first said something to this member: it had taken it in. */
  greetedAt = Number.POSITIVE_INFINITY;
  complete = false;
  #rest = "";

  constructor(id: number) {
    this.id = id;
    // from 4 loopback addresses: the room lets one address hold at most half of it
    const port = PORTS[id % PORTS.length] as number;
    this.sock = connect({ host: "127.0.0.1", port, localAddress: `127.0.0.${1 + (id % 4)}` });
    this.sock.setEncoding("latin1");
    this.sock.setNoDelay(true);
    this.sock.on("error", (err) => {
      problem ??= `member ${id}: ${err.message}`;
    });
    this.sock.on("data", (text: string) => this.#read(text));
    // A first line joins at once (the room would otherwise wait half a second for a name;
    // ncat relays it to everyone, as it would any line), and it gets a connection that only
    // our side believes established (a SYN cookie met a full accept queue) accepted.
    this.sock.write(`/nick c${id}\n`);
  }

  #read(chunk: string): void {
    const text = this.#rest + chunk;
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      this.#line(text, start, nl);
      start = nl + 1;
    }
    this.#rest = text.slice(start);
    if (this.greetedAt === Number.POSITIVE_INFINITY) {
      this.greetedAt = now();
      if (!ON_CONNECT) joined();
    }
    if (!this.complete && this.received >= expected) {
      this.complete = true;
      complete += 1;
      if (complete === TO - FROM) finish();
    }
  }

  /**
   * `<name> m<id> <seq>` or `<name> t <id> <seq> <stamp>`; anything else is not ours. The
   * `<name> ` prefix may be missing: ncat prefixes each read, not each line, so a member's
   * second line in the same read arrives bare.
   */
  #line(text: string, start: number, end: number): void {
    let i = start;
    if (text.charCodeAt(start) === 0x3c /* < */) {
      const at = text.indexOf("> ", start);
      if (at === -1 || at > end) return;
      i = at + 2;
    }
    const kind = text.charCodeAt(i);
    if (kind === 0x6d /* m */) i += 1;
    else if (kind === 0x74 /* t */ && text.charCodeAt(i + 1) === 0x20) i += 2;
    else return;
    let from = 0;
    for (let c = text.charCodeAt(i); c >= 48 && c <= 57; c = text.charCodeAt(++i))
      from = from * 10 + c - 48;
    let seq = 0;
    for (let c = text.charCodeAt(++i); c >= 48 && c <= 57; c = text.charCodeAt(++i))
      seq = seq * 10 + c - 48;
    if (kind === 0x74) {
      const ms = now() - Number(text.slice(i + 1, end));
      const across = from % PORTS.length !== this.id % PORTS.length;
      const histogram = across ? latencyAcross : latency;
      histogram[Math.min(histogram.length - 1, Math.max(0, Math.round(ms * 10)))] += 1;
    }
    if (from === this.id) problem ??= `member ${this.id} got its own line back`;
    if (seq !== this.next[from]) {
      problem ??= `member ${this.id} got line ${seq} of ${from}, expected ${this.next[from]}`;
    }
    this.next[from] = seq + 1;
    this.received += 1;
  }
}

// Members connect a few at a time: a burst of hundreds of SYNs at once would overflow the
// server's accept queue, and the kernel's retries (1 s, 3 s, ...) would be measured instead.
const members: Member[] = [];
const CONNECTING = 8;
let connecting = 0;
function connectMore(): void {
  while (connecting < CONNECTING && FROM + members.length < TO) {
    const m = new Member(FROM + members.length);
    members.push(m);
    connecting += 1;
    m.sock.once("connect", () => {
      connecting -= 1;
      if (ON_CONNECT) joined();
      connectMore();
    });
  }
}
connectMore();
let joinedCount = 0;
function joined(): void {
  joinedCount += 1;
  if (joinedCount === TO - FROM) report({ joined: true });
}

let cpuAtGo = process.cpuUsage();
let goAt = 0;
let sent = 0;
let deadline: ReturnType<typeof setTimeout> | undefined;
process.stdin.setEncoding("utf8");
process.stdin.on("data", (order: string) => {
  if (!order.includes("go")) return;
  cpuAtGo = process.cpuUsage();
  goAt = now();
  deadline = setTimeout(finish, DEADLINE_MS).unref();
  round += 1;
  if (PACE === 0) burst();
  else paced();
});

function burst(): void {
  const first = (round - 1) * LINES;
  complete = 0;
  for (const m of members) m.complete = false;
  expected = (N - 1) * LINES * round;
  // One write per line, as a chat client sends each line its user types; TCP may still
  // carry several in one segment when they queue up.
  for (let seq = first; seq < first + LINES; seq++) {
    for (const m of members) m.sock.write(`m${m.id} ${seq}\n`);
  }
  sent = LINES * members.length;
}

/** Each member sends one line every 1/PACE s for SECONDS, spread evenly over the interval. */
function paced(): void {
  const interval = 1000 / PACE;
  const count = Math.floor(SECONDS * PACE);
  expected = (N - 1) * count;
  members.forEach((m, i) => {
    let seq = 0;
    const tick = () => {
      m.sock.write(`t ${m.id} ${seq} ${now().toFixed(3)}\n`);
      sent += 1;
      seq += 1;
      if (seq < count) setTimeout(tick, goAt + seq * interval + offset - now());
    };
    const offset = (interval * (i + FROM)) / N;
    setTimeout(tick, offset);
  });
}

let finished = false;
let receivedBefore = 0; // by the earlier rounds
function finish(): void {
  if (finished) return;
  clearTimeout(deadline);
  const last = round >= ROUNDS || PACE > 0 || complete < TO - FROM;
  finished = last;
  const cpu = process.cpuUsage(cpuAtGo);
  const all = members.reduce((n, m) => n + m.received, 0);
  const received = all - receivedBefore;
  receivedBefore = all;
  const spreadOf = (histogram: Uint32Array) => {
    const spread: Record<number, number> = {};
    histogram.forEach((count, tenths) => {
      if (count > 0) spread[tenths] = count;
    });
    return spread;
  };
  report({
    done: now(),
    goAt,
    sent,
    received,
    expected: (PACE > 0 ? expected : (N - 1) * LINES) * members.length,
    problem,
    greetedLate: members.filter((m) => m.greetedAt > goAt).length,
    lastGreetedMs: Math.max(
      0,
      ...members.filter((m) => Number.isFinite(m.greetedAt)).map((m) => m.greetedAt - goAt),
    ),
    cpuMs: (cpu.user + cpu.system) / 1000,
    latency: spreadOf(latency),
    latencyAcross: spreadOf(latencyAcross),
    round,
  });
  if (!last) return;
  for (const m of members) m.sock.destroy();
  process.exit(0);
}
