/**
 * The chat-room benchmarks, each run against `tcp/room-server.ts` and `ncat --chat` alike:
 *
 * - `capacity`: saturation throughput. N members join; at "go" each sends L lines as fast
 *   as it can; the time until every member has every other member's lines, in order, gives
 *   deliveries a second. The members live in load-generator processes of their own
 *   (bench/room-worker.ts), and the CPU each process used is measured beside the server's,
 *   so a run shows which side was the bottleneck.
 * - `joinRace`: the same burst begun before the server has taken every member in (the
 *   500-client stall of issue 10): what a load generator that does not wait sees.
 * - `latency`: p50/p99 from send to receipt at a fixed offered load, below both capacities.
 * - `slowReader`: one member stops reading while another sends as fast as the server takes.
 * - `flood`: the latency of ordinary chat while one member floods.
 * - `idleMemory`: the server's memory per member, with many members joined and quiet;
 *   `liveMemory`: what each member keeps alive on the room's JavaScript heap.
 *
 * @example
 * ```ts
 * const r = await capacity(ROOM, 200, 20);
 * console.log(r.perSecond, r.serverCpu, r.generatorCpu);
 * ```
 * @module
 */
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { freePort } from "../harness/ports.ts";
import {
  atReap,
  cpuMs,
  type Proc,
  ROOT,
  reapAll,
  spawnProgram,
  spawnScript,
  startServer,
} from "../harness/procs.ts";
import { builtScript } from "../harness/root.ts";
import { Waker } from "../harness/waker.ts";

/** A chat server to measure: how to start it on a free port. */
export interface ChatServer {
  name: string;
  start(extra?: string[], env?: NodeJS.ProcessEnv): Promise<{ proc: Proc; port: number }>;
}

const MANY = ["--max-clients", "1100", "--per-address", "1100"];

export const ROOM: ChatServer = {
  name: "tcp/room-server.ts",
  start: (extra = [], env = {}) =>
    startServer("tcp/room-server.ts", [...MANY, ...extra], "room", { env }),
};

export const NCAT: ChatServer = {
  name: "ncat --chat",
  async start() {
    const port = await freePort(); // ncat reports port 0 as 0
    // -v for its "Listening on" line: a probe connection would do, but ncat may die of the
    // SIGPIPE that writing its greeting to a probe already gone brings
    const args = ["-l", "--chat", "--max-conns", "1100", "-v", "127.0.0.1", String(port)];
    const proc = spawnProgram("ncat", ["ncat", ...args]);
    await proc.waitFor("stderr", "Listening on");
    return { proc, port };
  },
};

export interface WorkerReport {
  done: number;
  goAt: number;
  sent: number;
  received: number;
  expected: number;
  problem?: string;
  greetedLate: number;
  lastGreetedMs: number;
  cpuMs: number;
  latency: Record<string, number>;
  /** With several servers: the latencies of lines from another server's members. */
  latencyAcross: Record<string, number>;
}

/**
 * Start `workers` load-generator processes for `clients` members, wait for all to join;
 * with several ports (one room on several servers), member i joins the server on port i mod n.
 */
export async function generators(
  port: number | number[],
  clients: number,
  workers: number,
  args: string[],
) {
  const procs: Proc[] = [];
  for (let w = 0; w < workers; w++) {
    const from = Math.floor((clients * w) / workers);
    const to = Math.floor((clients * (w + 1)) / workers);
    const where = Array.isArray(port) ? ["--ports", port.join(",")] : ["--port", String(port)];
    const range = [...where, "--clients", String(clients)];
    procs.push(
      spawnScript(
        "bench/room-worker.ts",
        [...range, "--from", String(from), "--to", String(to), ...args],
        `load ${w}`,
      ),
    );
  }
  for (const p of procs)
    await p.out.until(() => p.stdout.includes('"joined"'), `${p.name} to join`, false, 60_000);
  return procs;
}

/** Say go to every generator; wait for each one's report of that round (the first is 1). */
export async function run(procs: Proc[], deadlineS: number, round = 1): Promise<WorkerReport[]> {
  for (const p of procs) p.child.stdin?.write("go\n");
  const reports: WorkerReport[] = [];
  const mine = (line: string) => line.includes('"done"') && line.includes(`"round":${round}}`);
  for (const p of procs) {
    await p.out.until(
      () => p.stdout.split("\n").some(mine),
      `${p.name}'s report of round ${round}`,
      false,
      deadlineS * 2000,
    );
    reports.push(JSON.parse(p.stdout.split("\n").find(mine) ?? "{}"));
  }
  return reports;
}

export interface CapacityResult {
  server: string;
  clients: number;
  lines: number;
  /** Deliveries a second: every line to every other member. */
  perSecond: number;
  lost: number;
  problem: string | undefined;
  /** Share of one core the server used while the load ran. */
  serverCpu: number;
  /** Share of one core the busiest load-generator process used. */
  generatorCpu: number;
  /** Deliveries a second in the first burst, on a server just started (not measured above). */
  coldPerSecond: number;
}

/** Deliveries a second of one round, from the generators' reports. */
export function rate(reports: WorkerReport[]): {
  received: number;
  seconds: number;
  perSecond: number;
} {
  const seconds =
    (Math.max(...reports.map((r) => r.done)) - Math.min(...reports.map((r) => r.goAt))) / 1000;
  const received = reports.reduce((n, r) => n + r.received, 0);
  return { received, seconds, perSecond: received / seconds };
}

/**
 * Saturation throughput: `clients` members each send `lines` lines at once, twice. The first
 * burst warms the server up (a JIT compiles its hot paths while it runs; ncat has none) and
 * is reported apart, as `coldPerSecond`; the second one is measured.
 */
export async function capacity(
  server: ChatServer,
  clients: number,
  lines: number,
  workers = 2,
): Promise<CapacityResult> {
  try {
    const { proc, port } = await server.start();
    const deadline = 30;
    const procs = await generators(port, clients, workers, [
      "--lines",
      String(lines),
      "--deadline",
      String(deadline),
      "--rounds",
      "2",
    ]);
    const all = clients * (clients - 1) * lines;
    const first = await run(procs, deadline, 1);
    const cold = rate(first);
    const result = (reports: WorkerReport[], cpu: number) => {
      const { received, seconds, perSecond } = rate(reports);
      return {
        server: server.name,
        clients,
        lines,
        perSecond,
        lost: all - received,
        problem: reports.find((r) => r.problem)?.problem,
        serverCpu: cpu / 1000 / seconds,
        generatorCpu: Math.max(...reports.map((r) => r.cpuMs)) / 1000 / seconds,
        coldPerSecond: cold.perSecond,
      };
    };
    // a first round cut short by its deadline is the result: the generators have ended
    if (cold.received < all || first.some((r) => r.problem)) return result(first, Number.NaN);
    const cpuBefore = cpuMs(proc.child.pid);
    const reports = await run(procs, deadline, 2);
    return result(reports, cpuMs(proc.child.pid) - cpuBefore);
  } finally {
    await reapAll();
  }
}

export interface JoinRaceResult {
  server: string;
  /** Share of the N × (N − 1) × L deliveries that arrived before the deadline. */
  delivered: number;
  /** Members the server first greeted after the burst had begun. */
  greetedLate: number;
  /** When it greeted the last member, ms after the burst began (0: before it). */
  lastGreetedMs: number;
  /** The run ended at its deadline, deliveries still missing. */
  cutShort: boolean;
  /**
   * Handshakes the kernel dropped because a listening socket's accept queue was full
   * (TcpExt ListenOverflows, this network namespace, over the run): the client retries.
   */
  listenOverflows: number;
}

/** The kernel's count of handshakes dropped at a full accept queue, or NaN without /proc. */
function listenOverflows(): number {
  try {
    const [names, values] = readFileSync("/proc/net/netstat", "latin1")
      .split("\n")
      .filter((line) => line.startsWith("TcpExt:"))
      .map((line) => line.split(" "));
    return Number(values?.[names?.indexOf("ListenOverflows") ?? -1] ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

/**
 * The 500-client stall: the burst of `capacity`, begun when every member's connect() has
 * returned instead of when the server has greeted every member. A returned connect() only
 * means the kernel finished the handshake; the connection may still wait in the listening
 * socket's accept queue, or for its first line, and a chat server sends a line only to the
 * members it had taken in when the line was said. Lines said before then never reach a
 * latecomer: the run ends at its deadline with nothing queued anywhere, both sides idle.
 */
export async function joinRace(
  server: ChatServer,
  clients: number,
  lines: number,
  deadlineS: number,
): Promise<JoinRaceResult> {
  try {
    const { port } = await server.start();
    const overflowsBefore = listenOverflows();
    const args = ["--lines", String(lines), "--deadline", String(deadlineS)];
    const procs = await generators(port, clients, 2, [...args, "--start", "connected"]);
    const reports = await run(procs, deadlineS);
    return {
      server: server.name,
      delivered: rate(reports).received / (clients * (clients - 1) * lines),
      greetedLate: reports.reduce((n, r) => n + r.greetedLate, 0),
      lastGreetedMs: Math.max(...reports.map((r) => r.lastGreetedMs)),
      cutShort: reports.some((r) => r.received < r.expected),
      listenOverflows: listenOverflows() - overflowsBefore,
    };
  } finally {
    await reapAll();
  }
}

export interface LatencyResult {
  server: string;
  /** Deliveries a second offered: clients × pace × (clients - 1). */
  offered: number;
  p50: number;
  p99: number;
  lost: number;
}

/** Latency at a fixed load: `clients` members each send `pace` lines a second for `seconds`. */
export async function latency(
  server: ChatServer,
  clients: number,
  pace: number,
  seconds: number,
): Promise<LatencyResult> {
  try {
    const { port } = await server.start();
    const args = [
      "--pace",
      String(pace),
      "--seconds",
      String(seconds),
      "--deadline",
      String(seconds + 10),
    ];
    const procs = await generators(port, clients, 2, args);
    const reports = await run(procs, seconds + 10);
    const at = percentileOf(reports.map((r) => r.latency));
    return {
      server: server.name,
      offered: clients * pace * (clients - 1),
      p50: at(50),
      p99: at(99),
      lost: reports.reduce((n, r) => n + r.expected - r.received, 0),
    };
  } finally {
    await reapAll();
  }
}

/** The `p`th percentile, in ms, of the workers' latency histograms (0.1 ms steps) put together. */
export function percentileOf(histograms: Record<string, number>[]): (p: number) => number {
  const counts = new Map<number, number>();
  for (const h of histograms) {
    for (const [tenths, n] of Object.entries(h)) {
      counts.set(Number(tenths), (counts.get(Number(tenths)) ?? 0) + n);
    }
  }
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const sorted = [...counts].sort((a, b) => a[0] - b[0]);
  return (p: number) => {
    let seen = 0;
    for (const [tenths, n] of sorted) {
      seen += n;
      if (seen >= (p / 100) * total) return tenths / 10;
    }
    return Number.NaN;
  };
}

/** A raw member for the slow-reader, flood and memory runs: what it receives, and delays. */
class Listener {
  static count = 0;
  readonly sock: Socket;
  bytes = 0;
  /** Milliseconds from send to receipt of each `said <i> <ms since the epoch>` line. */
  readonly delays: number[] = [];
  #rest = "";

  /** `hello`: a first line, so that the room takes the member in at once (it waits half a second for a name). */
  constructor(port: number, onData: () => void, hello = "") {
    // from 4 loopback addresses: the room lets one address hold at most half of it
    const from = `127.0.0.${1 + (Listener.count++ % 4)}`;
    this.sock = connect({ host: "127.0.0.1", port, localAddress: from });
    if (hello) this.sock.write(`${hello}\n`);
    this.sock.setEncoding("utf8");
    this.sock.on("error", () => {});
    this.sock.on("data", (text: string) => {
      const now = performance.timeOrigin + performance.now();
      this.bytes += text.length;
      const parts = (this.#rest + text).split("\n");
      this.#rest = parts.pop() ?? "";
      for (const line of parts) {
        // ncat prefixes a read, not a line, so a said line may come bare or glued to the
        // end of another member's line (`<user4> flood fl<user5> said 1 123`)
        const sent = /said \d+ ([\d.]+)$/.exec(line)?.[1];
        if (sent !== undefined) this.delays.push(now - Number(sent));
      }
      onData();
    });
    atReap(() => this.sock.destroy());
  }

  /** Resolve once the server has said something to this member (it has joined). */
  async greeted(waker: Waker): Promise<void> {
    await waker.until(() => this.bytes > 0, 10_000, "a greeting");
  }
}

export interface SlowReaderResult {
  server: string;
  /** MB a reading member received while one member did not read. */
  watcherMB: number;
  /** MB the sender got into the server in that time (it blocks when the server stops reading it). */
  senderMB: number;
  /** What became of the member that did not read. */
  sleepy: string;
}

/**
 * One member stops reading; another sends 4 KB lines at 6.4 MB/s (16 lines every 10 ms)
 * for `seconds`, or until the server stops taking them; a third member reads everything.
 */
export async function slowReader(
  server: ChatServer,
  seconds: number,
  /** How long the sleepy member, reading again, waits to learn that the server closed it. */
  closeWaitMs = 1000,
): Promise<SlowReaderResult> {
  try {
    // the room's rate limit is lifted here: this measures the slow reader alone
    const { port } = await server.start(["--rate", "1000000", "--burst", "1000000"]);
    const waker = new Waker();
    const sleepy = new Listener(port, () => waker.wake(), "/nick sleepy");
    await sleepy.greeted(waker);
    sleepy.sock.pause();
    const watcher = new Listener(port, () => waker.wake(), "/nick watcher");
    await watcher.greeted(waker);
    const sender = new Listener(port, () => waker.wake(), "/nick sender");
    await sender.greeted(waker);
    const lines = `${"x".repeat(4000)}\n`.repeat(16);
    let sent = 0;
    const until = performance.now() + seconds * 1000;
    while (performance.now() < until && sender.sock.writableLength < 1e6) {
      sender.sock.write(lines);
      sent += lines.length;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const senderMB = (sent - sender.sock.writableLength) / 1e6;
    const watcherMB = watcher.bytes / 1e6;
    // A paused socket does not see its end: read now, and see whether the server had closed it.
    let closed = false;
    sleepy.sock.on("close", () => {
      closed = true;
    });
    sleepy.sock.resume();
    await waker.until(() => closed, closeWaitMs, "").catch(() => {});
    return {
      server: server.name,
      watcherMB,
      senderMB,
      sleepy: closed
        ? "cut off"
        : watcherMB < 0.9 * senderMB
          ? "still connected: the others stalled behind it"
          : "still connected (the run ended before the server had to choose)",
    };
  } finally {
    await reapAll();
  }
}

export interface FloodResult {
  server: string;
  p50: number;
  p99: number;
  /** Honest lines that did not arrive within the run. */
  lost: number;
  /** Honest members the server disconnected. */
  cutOff: number;
}

/** Latency of ordinary chat (`honest` members, a line a second each) while one member floods. */
export async function flood(
  server: ChatServer,
  honest: number,
  seconds: number,
  /** How long the honest lines may take to arrive after the flood, before they count as lost. */
  graceMs = 3000,
): Promise<FloodResult> {
  try {
    const { port } = await server.start();
    const waker = new Waker();
    const people = Array.from(
      { length: honest },
      (_, i) => new Listener(port, () => waker.wake(), `/nick h${i}`),
    );
    for (const p of people) await p.greeted(waker);
    const flooder = new Listener(port, () => waker.wake(), "/nick flooder");
    await flooder.greeted(waker);
    let cutOff = 0;
    for (const p of people) p.sock.on("close", () => (cutOff += 1));
    const burst = "flood flood flood flood flood flood flood flood\n".repeat(200);
    const end = performance.now() + seconds * 1000;
    const floodOn = async () => {
      while (performance.now() < end && !flooder.sock.destroyed) {
        if (!flooder.sock.write(burst)) {
          const late = new Promise((resolve) => setTimeout(resolve, end - performance.now()));
          await Promise.race([once(flooder.sock, "drain").catch(() => {}), late]);
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
    };
    let said = 0;
    const speak = async () => {
      while (performance.now() < end) {
        people.forEach((p, i) => {
          p.sock.write(`said ${i} ${(performance.timeOrigin + performance.now()).toFixed(3)}\n`);
          said += 1;
        });
        await new Promise((resolve) =>
          setTimeout(resolve, Math.min(1000, end - performance.now())),
        );
      }
    };
    await Promise.all([floodOn(), speak()]);
    const expected = said * (honest - 1);
    const heard = () => people.reduce((n, p) => n + p.delays.length, 0);
    await waker.until(() => heard() >= expected, graceMs, "the honest lines").catch(() => {}); // lost: counted
    const ms = people.flatMap((p) => p.delays).sort((a, b) => a - b);
    return {
      server: server.name,
      p50: ms[Math.floor(ms.length / 2)] ?? Number.NaN,
      p99: ms[Math.floor(ms.length * 0.99)] ?? Number.NaN,
      lost: expected - heard(),
      cutOff,
    };
  } finally {
    await reapAll();
  }
}

/** The JavaScript heap `proc` keeps alive, in bytes, when it runs with bench/heap-probe.ts. */
async function liveHeap(proc: Proc): Promise<number> {
  const seen = (proc.stderr.match(/heap-probe: live/g) ?? []).length;
  proc.child.kill("SIGUSR2");
  await proc.waitFor("stderr", "heap-probe: live", seen + 1);
  return Number(
    proc.stderr
      .match(/heap-probe: live (\d+)/g)
      ?.at(-1)
      ?.split(" ")[2],
  );
}

/**
 * Wait until `kib()` has not fallen for a second (V8 hands freed pages back from a
 * thread of its own, a moment after the collection), at most 10 s.
 */
async function settled(kib: () => number): Promise<void> {
  let [low, lowAt] = [kib(), performance.now()];
  // the waker re-checks every 100 ms
  await new Waker().until(
    () => {
      const now = kib();
      if (now < low * 0.99) [low, lowAt] = [now, performance.now()];
      return performance.now() - lowAt >= 1000;
    },
    10_000,
    "memory to settle",
  );
}

/** `count` more members join the server at `port`, a few at a time, each greeted. */
async function joinMore(port: number, all: Listener[], count: number): Promise<void> {
  const waker = new Waker();
  const target = all.length + count;
  while (all.length < target) {
    // a few at a time: a storm of connects would overflow the server's accept queue
    for (let i = 0; i < 8 && all.length < target; i++) {
      all.push(new Listener(port, () => waker.wake(), `/nick m${all.length}`));
    }
    await waker.until(() => all.every((m) => m.bytes > 0), 20_000, "greetings");
  }
}

/** The server's memory per idle member, in KiB: private anonymous memory, and all it has resident. */
export interface IdleMemory {
  anon: number;
  rss: number;
  /** How long the room took to fall quiet and give back its garbage, in ms (ncat: 0). */
  quietMs: number;
}

/**
 * The server's memory per member with `members` joined and quiet: its memory then, less
 * its memory empty, ÷ `members`. The room is measured once it has fallen quiet and given
 * back the garbage of the join storm (tcp/room/quiet-gc.ts, seen in its `--trace`); ncat
 * frees each object as it dies and is measured at once. Private anonymous memory is
 * what the process wrote (heap, stacks, buffers); RSS adds the pages of the program's own
 * file it has read, shared with any other copy that runs. Without `waitQuiet` (a quick
 * run, whose few members may not grow the heap enough to be collected), at once.
 */
export async function idleMemory(
  server: ChatServer,
  members: number,
  waitQuiet = true,
): Promise<IdleMemory> {
  try {
    const { proc, port } = await server.start(server === ROOM ? ["--trace"] : []);
    const [anon0, rss0] = [proc.anonKiB(), proc.rssKiB()];
    const collected = () => (proc.stderr.match(/quiet: garbage collected/g) ?? []).length;
    const before = collected();
    const quiet = server === ROOM && waitQuiet; // ncat frees as it goes: nothing to wait for
    await joinMore(port, [], members);
    let quietMs = 0;
    if (quiet) {
      const joined = performance.now();
      // a collection 1.5-3 s into the quiet, the second and its report 6 s later: about
      // 9 s; 30 s is three times that
      await proc.err.until(
        () => collected() > before,
        "the room's quiet collection",
        false,
        30_000,
      );
      quietMs = performance.now() - joined;
      await settled(() => proc.anonKiB());
    }
    return {
      anon: (proc.anonKiB() - anon0) / members,
      rss: (proc.rssKiB() - rss0) / members,
      quietMs,
    };
  } finally {
    await reapAll();
  }
}

/**
 * What each member keeps alive on the room's JavaScript heap, in KiB, after a full
 * collection (bench/heap-probe.ts in the room's process): what `members` more members
 * add to a room that already holds `members`.
 */
export async function liveMemory(members: number): Promise<number> {
  try {
    const probe = `--expose-gc --import ${pathToFileURL(join(ROOT, builtScript("bench/heap-probe.ts")))}`;
    const { proc, port } = await ROOM.start([], { NODE_OPTIONS: probe });
    const all: Listener[] = [];
    await joinMore(port, all, members);
    const first = await liveHeap(proc);
    await joinMore(port, all, members);
    return ((await liveHeap(proc)) - first) / 1024 / members;
  } finally {
    await reapAll();
  }
}
