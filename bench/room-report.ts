/**
 * The chat-room part of docs/benchmarks.md: every measure of bench/room.ts run against
 * the room and `ncat --chat` side by side (room then ncat in each run, so that both meet
 * the same machine), each figure with its ratio, the ratios taken run by run.
 *
 * @example
 * ```ts
 * const markdown = await roomSection({ quick: false, log: console.error });
 * ```
 * @module
 */
import { haveTool } from "../harness/tools.ts";
import {
  type CapacityResult,
  type ChatServer,
  capacity,
  flood,
  type IdleMemory,
  idleMemory,
  type JoinRaceResult,
  joinRace,
  latency,
  liveMemory,
  NCAT,
  ROOM,
  slowReader,
} from "./room.ts";
import { manyServersSection } from "./room-redis-report.ts";
import { type Summary, show, summary } from "./stats.ts";

interface Options {
  quick: boolean;
  log: (text: string) => void;
}

const fixed = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "n/a");
const ratioOf = (a: number, b: number) => (b > 0 ? a / b : Number.NaN);

/** `f` on the room and on ncat (when installed), one after the other, `runs` times. */
async function sideBySide<T>(runs: number, f: (server: ChatServer) => Promise<T>) {
  const servers = haveTool("ncat") ? [ROOM, NCAT] : [ROOM];
  const results: { room: T; ncat: T | undefined }[] = [];
  for (let i = 0; i < runs; i++) {
    const [room, ncat] = [await f(ROOM), servers.includes(NCAT) ? await f(NCAT) : undefined];
    results.push({ room, ncat });
  }
  return results;
}

/** A table's rows for results taken side by side: `row` of the room's, then of ncat's if it ran. */
function rowsOf<T>(
  runs: { room: T; ncat: T | undefined }[],
  row: (server: string, results: T[]) => string,
): string {
  const ncat = runs.flatMap((r) => (r.ncat === undefined ? [] : [r.ncat]));
  const rows = [
    row(
      ROOM.name,
      runs.map((r) => r.room),
    ),
  ];
  if (ncat.length > 0) rows.push(row(NCAT.name, ncat));
  return rows.join("\n");
}

export async function roomSection({ quick, log }: Options): Promise<string> {
  const ncatThere = haveTool("ncat");
  if (!ncatThere)
    log("ncat not installed: the room is measured alone (sudo apt-get install -y ncat)");
  const sizes = quick
    ? [{ clients: 20, lines: 5 }]
    : [
        { clients: 200, lines: 20 },
        { clients: 500, lines: 10 },
      ];
  const capRuns = quick ? 1 : 10;
  const cap = [];
  for (const { clients, lines } of sizes) {
    log(`room capacity: ${clients} × ${lines}, ${capRuns} runs side by side`);
    cap.push({
      clients,
      lines,
      runs: await sideBySide(capRuns, (s) => capacity(s, clients, lines)),
    });
  }
  const race = quick ? { clients: 20, lines: 5, runs: 1 } : { clients: 500, lines: 10, runs: 3 };
  const raceDeadline = quick ? 2 : 5; // a burst not cut short ends within 1 s (0.03 s quick)
  log(`room join race: ${race.clients} × ${race.lines}, ${race.runs} runs side by side`);
  const races = await sideBySide(race.runs, (s) =>
    joinRace(s, race.clients, race.lines, raceDeadline),
  );
  const pace = { clients: quick ? 10 : 200, pace: 5, seconds: quick ? 0.4 : 4 };
  log(`room latency: ${pace.clients} clients × ${pace.pace} lines/s`);
  const lat = await sideBySide(quick ? 1 : 3, (s) =>
    latency(s, pace.clients, pace.pace, pace.seconds),
  );
  const slowSeconds = quick ? 0.2 : 3;
  log("room slow reader");
  const slow = await sideBySide(1, (s) => slowReader(s, slowSeconds, quick ? 300 : 1000));
  const floodShape = { honest: quick ? 4 : 20, seconds: quick ? 0.3 : 4 };
  log("room flood");
  const floods = await sideBySide(quick ? 1 : 2, (s) =>
    flood(s, floodShape.honest, floodShape.seconds, quick ? 1000 : 3000),
  );
  const idle = quick ? 40 : 1000;
  const memRuns = quick ? 1 : 3;
  log(`room memory: ${idle} idle members, ${memRuns} runs side by side`);
  const memory = await sideBySide(memRuns, (s) => idleMemory(s, idle, !quick));
  log("room memory: what its members keep alive");
  const live = await liveMemory(idle / 2);
  // the same room on three servers through Redis (bench/room-redis-report.ts)
  const many = await manyServersSection({ quick, log });

  const capRow = (name: string, rs: CapacityResult[], clients: number, lines: number) => {
    const lost = rs.reduce((n, r) => n + r.lost, 0);
    const problems = rs.filter((r) => r.problem).length;
    const per = summary(rs.map((r) => r.perSecond / 1e6));
    return `| ${clients} × ${lines} | ${name} | ${show(per, 2)} | ${lost} | ${problems} | ${show(summary(rs.map((r) => r.serverCpu * 100)), 0)} | ${show(summary(rs.map((r) => r.generatorCpu * 100)), 0)} |`;
  };
  const capTable = cap
    .flatMap(({ clients, lines, runs }) => [
      capRow(
        ROOM.name,
        runs.map((r) => r.room),
        clients,
        lines,
      ),
      ...(ncatThere
        ? [
            capRow(
              NCAT.name,
              runs.map((r) => r.ncat as CapacityResult),
              clients,
              lines,
            ),
          ]
        : []),
    ])
    .join("\n");
  const capRatio = (runs: { room: CapacityResult; ncat: CapacityResult | undefined }[]): Summary =>
    summary(runs.map((r) => ratioOf(r.room.perSecond, r.ncat?.perSecond ?? 0)));
  const ratioTable = cap
    .map(({ clients, lines, runs }) => {
      const r = capRatio(runs);
      const atLeast = runs.filter(
        (x) => ratioOf(x.room.perSecond, x.ncat?.perSecond ?? 0) >= 1.5,
      ).length;
      const clean = runs.filter((x) => x.room.lost === 0 && !x.room.problem).length;
      const cold = summary(
        runs.map((x) => ratioOf(x.room.coldPerSecond, x.ncat?.coldPerSecond ?? 0)),
      );
      return `| ${clients} × ${lines} | ${show(r, 2)} | ${atLeast} of ${runs.length} | ${clean} of ${runs.length} | ${show(cold, 2)} |`;
    })
    .join("\n");
  const capChart = [
    "```mermaid",
    "xychart-beta",
    '  title "Room capacity: million deliveries per second"',
    `  x-axis [${cap.map((c) => `"${c.clients} × ${c.lines}"`).join(", ")}]`,
    '  y-axis "million deliveries / s"',
    `  bar [${cap.map((c) => fixed(summary(c.runs.map((r) => r.room.perSecond / 1e6)).median)).join(", ")}]`,
    ...(ncatThere
      ? [
          `  line [${cap.map((c) => fixed(summary(c.runs.map((r) => (r.ncat?.perSecond ?? 0) / 1e6)).median)).join(", ")}]`,
        ]
      : []),
    "```",
  ].join("\n");

  const raceRow = (name: string, rs: JoinRaceResult[]) =>
    `| ${name} | ${show(summary(rs.map((r) => r.delivered * 100)), 1)} | ${show(summary(rs.map((r) => r.greetedLate)), 0)} | ${show(summary(rs.map((r) => r.lastGreetedMs)), 0)} | ${show(summary(rs.map((r) => r.listenOverflows)), 0)} | ${rs.filter((r) => r.cutShort).length} of ${rs.length} |`;

  const latRow = (name: string, rs: Awaited<ReturnType<typeof latency>>[]) =>
    `| ${name} | ${show(summary(rs.map((r) => r.p50)), 2)} | ${show(summary(rs.map((r) => r.p99)), 2)} | ${rs.reduce((n, r) => n + r.lost, 0)} |`;
  const latRatio = ncatThere
    ? `Room ÷ ncat, run by run: p50 ${show(summary(lat.map((r) => ratioOf(r.room.p50, r.ncat?.p50 ?? 0))), 2)}, p99 ${show(summary(lat.map((r) => ratioOf(r.room.p99, r.ncat?.p99 ?? 0))), 2)}.`
    : "";
  const slowRow = (r: Awaited<ReturnType<typeof slowReader>> | undefined) =>
    r ? `| ${r.server} | ${fixed(r.watcherMB, 1)} | ${fixed(r.senderMB, 1)} | ${r.sleepy} |` : "";
  const s0 = slow[0];
  const slowRatio =
    s0?.ncat && s0.ncat.watcherMB > 0
      ? `The reading member got ${fixed(ratioOf(s0.room.watcherMB, s0.ncat.watcherMB), 1)}× as much from the room as from ncat.`
      : "";
  const floodRow = (name: string, rs: Awaited<ReturnType<typeof flood>>[]) =>
    `| ${name} | ${show(summary(rs.map((r) => r.p50)), 1)} | ${show(summary(rs.map((r) => r.p99)), 1)} | ${rs.reduce((n, r) => n + r.lost, 0)} | ${rs.reduce((n, r) => n + r.cutOff, 0)} |`;
  const floodRatio = floods.some((r) => r.ncat)
    ? `Room ÷ ncat, run by run: p99 ${show(summary(floods.map((r) => ratioOf(r.room.p99, r.ncat?.p99 ?? 0))), 3)}.`
    : "";
  const memRow = (name: string, ms: IdleMemory[]) =>
    `| ${name} | ${show(summary(ms.map((m) => m.anon)), 1)} | ${show(summary(ms.map((m) => m.rss)), 1)} |`;
  const memRatio = memory.some((r) => r.ncat)
    ? `\n\nRoom ÷ ncat, run by run, private memory: ${show(summary(memory.map((r) => ratioOf(r.room.anon, r.ncat?.anon ?? 0))), 1)}.`
    : "";
  const quietS = summary(memory.map((r) => r.room.quietMs / 1000));
  const waitedQuiet = !quick;

  return `## Room capacity

Saturation throughput. N members join; at a signal each writes its L lines at once, one
write per line, as a chat client sends each line its user types. The time until every
member has every other member's lines gives deliveries a second (N × (N − 1) × L of them).
Each run has two such bursts, the second after the first has arrived everywhere: the
first warms the server up (Node's JIT compiles the room's hot paths while that burst
runs; ncat, compiled C, has nothing to warm, though its load generators do) and the
second is measured. The first burst's ratio is in the last column of the ratio table.
Every member checks each sender's lines arrive in order, none lost or doubled; a line
still missing 30 s after the signal counts as lost, and the run ends there. The members
live in two load-generator processes of their own (bench/room-worker.ts); the CPU each
used is measured beside the server's (share of one core over the run): a generator far
from 100% is not what limits the run. ${capRuns} runs per size, the room and ncat
side by side in each run.

| members × lines | server | million deliveries / s | lost | runs with an order problem | server CPU % | busiest generator CPU % |
|---|---|---|---|---|---|---|
${capTable}

${
  ncatThere
    ? `Room ÷ ncat, the ratio taken in each run:

| members × lines | room ÷ ncat | runs at 1.5× or more | room runs with 0 lost, order kept | first burst: room ÷ ncat |
|---|---|---|---|---|
${ratioTable}`
    : "ncat was not installed: no ratio in this run."
}

ncat prefixes each *read* with its sender's name, not each line: when several of a
member's lines arrive in one read, all but the first reach the others bare. The benchmark
counts them anyway (the room prefixes every line).

Bars: tcp/room-server.ts.${ncatThere ? " Line: ncat --chat." : ""}

${capChart}

## The 500-client stall: a burst begun before everyone was taken in

The issue that asked for these benchmarks saw the room stall at 500 × 10: 64-72% of the
deliveries made, then nothing, both processes idle and no byte queued in the kernel,
while ncat always finished. This is how that happens. Here the burst above begins as
soon as every member's \`connect()\` has returned (bench/room-worker.ts \`--start
connected\`), not once the server has greeted every member. A returned \`connect()\`
only means the kernel finished the handshake: the connection may still wait in the
listening socket's accept queue, and, in the room, for its first line (its name). A chat
server sends a line to the members it has taken in when the line is said, so the lines
said before a member was taken in never reach it, and the run ends at its ${raceDeadline} s
deadline. ${race.clients} × ${race.lines}, ${races.length} run(s) side by side; overflows: handshakes the
kernel dropped at a full accept queue (\`ListenOverflows\` in /proc/net/netstat):

| server | deliveries made, % | members greeted after the burst began | last greeting, ms after the burst began | accept-queue overflows | runs ended by the deadline |
|---|---|---|---|---|---|
${rowsOf(races, raceRow)}

The room listens with a backlog of 511 and overflows nothing: its latecomers wait in the
accept queue, and for their name line, while it takes the others in, each join announced
to every member already there, one write each. ncat listens with a backlog of 10
(\`strace\` shows \`listen(3, 10)\`): the kernel drops the handshakes that overflow it and
the clients retry, so its members mostly arrive one by one, each taken in at once; only
a connection that the kernel's SYN cookies completed on the client's side alone waits
for a retransmission (200 ms, then 400), and it too can miss lines. The capacity runs
above begin only once every member has been greeted, and never stall.

## Room latency at a fixed load

${pace.clients} members each send ${pace.pace} lines a second for ${pace.seconds} s, spread
evenly: ${(pace.clients * pace.pace * (pace.clients - 1)).toLocaleString("en")} deliveries a second offered, below
both servers' capacity. Milliseconds from send to receipt (one clock: both ends on one
machine), over every delivery; ${lat.length} runs.

| server | p50 ms | p99 ms | lost |
|---|---|---|---|
${rowsOf(lat, latRow)}

${latRatio}

## One member stops reading

One member stops reading; another sends 4 KB lines at 6.4 MB/s for ${slowSeconds} s, or until
the server stops taking them; a third reads everything. (The room's rate limit is lifted
for this run, to measure the slow reader alone.)

| server | MB the reading member got | MB the sender got in | the member that stopped reading |
|---|---|---|---|
${[slowRow(s0?.room), slowRow(s0?.ncat)].filter(Boolean).join("\n")}

${slowRatio}

## Chat during a flood

${floodShape.honest} members each say a line a second while one member sends as fast as the
server takes its lines, for ${floodShape.seconds} s. Milliseconds from an honest line's send to
its receipt by the others; lost: honest lines that never arrived; cut off: honest
members the server disconnected. The room's defaults (10 lines a second, bursts of 60).

| server | p50 ms | p99 ms | honest lines lost | honest members cut off |
|---|---|---|---|---|
${rowsOf(floods, floodRow)}

${floodRatio}

## Room memory per idle member

The server's memory with ${idle} members joined (8 at a time, each greeted) and quiet, less
its memory when it had just started, ÷ ${idle}, in KiB; ${memory.length} run(s) side by side.
Private memory is what the process itself wrote (heap, stacks, buffers:
\`Anonymous\` in /proc/PID/smaps_rollup); resident memory (RSS) adds the pages of the
program's file it has read since, which any other copy running shares.

| server | private KiB / member | resident KiB / member |
| --- | --- | --- |
${rowsOf(memory, memRow)}${memRatio}

Every join is announced to every member, so a storm of ${idle} joins leaves V8's heap grown
and full of dead announcements, and a quiet room allocates nothing that would make V8
collect them. The room collects once it falls quiet, and again 6 s later so that V8 also
shrinks its young generation (tcp/room/quiet-gc.ts; its \`--trace\` says so). It is measured
after that, once its memory has settled: ${
    waitedQuiet ? `${show(quietS, 1)} s after the last join` : "not in a quick run"
  }.

What each member keeps alive on the JavaScript heap, measured in a second room after a
full collection (bench/heap-probe.ts), ${idle / 2} members more in a room of ${idle / 2}: ${fixed(live, 1)} KiB.

${many}`;
}
