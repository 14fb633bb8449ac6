// tcp-udp-chat: a scripted conversation through the real scripts, both sides shown on one
// clock, in the order things happened, with their --trace events, paced so a class can follow.
// Run:  make demo                   (the TCP pair)
//       make demo-udp               (the UDP pair)
//       make demo ARGS=--step       (Enter advances, one typed line at a time)
//       make demo ARGS=--fast       (no pauses; the tests run it this way)
//
// Each script's stdout and stderr share one pipe here, so the order of its lines is the
// order of its writes; the two scripts' lines are merged in the order things happened: a
// trace line at the time it is stamped with (one wall clock for every process), any other
// line when it came (no later than the trace written after it). The time column is that
// moment, in ms since the demo began. Lines wait 300 ms to be put in order (with --fast, to
// the end). Stream labels: │ stdout, ┆ stderr, ⌨ typed.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { freePort, isBound } from "../../harness/ports.ts";
import { ROOT, reapAll, scriptCommand } from "../../harness/procs.ts";
import { toolArgs } from "../../harness/tool-args.ts";

const USAGE = `usage: make demo [ARGS="--udp --fast --step"]
  a scripted conversation between the two scripts, both sides on one clock
  --udp    the UDP pair instead of the TCP pair
  --fast   no pauses between the lines typed
  --step   wait for Enter before each line typed, for a teacher
  --help   print this help and exit
`;

const options = toolArgs("demo", USAGE, {
  udp: { type: "boolean" },
  fast: { type: "boolean" },
  step: { type: "boolean" },
});
const udp = options.udp === true;
const kind = udp ? "udp" : "tcp";
const PROMPTS = udp
  ? { client: "客户端说:", server: "服务端说;" }
  : { client: "宝宝说:", server: "高望>>>" };
const pause = options.fast || options.step ? 0 : 1500;

process.stdout.on("error", () => process.exit(0)); // the reader left (| head): nothing to show

const began = Date.now();
/** How long a line waits to be put in time order with the other script's. */
const REORDER_MS = options.fast ? Number.POSITIVE_INFINITY : 300;

type Party = "server" | "client";
type Mark = "│" | "┆" | "⌨";

/** A line to show: its party, its label, its text, when it came, and when it happened if stamped. */
interface Entry {
  who: Party;
  mark: Mark;
  text: string;
  came: number;
  stamped?: number;
  at?: number;
}

/** Each party's lines not shown yet, in the order that party wrote them. */
const queues: Record<Party, Entry[]> = { server: [], client: [] };
/** When the last line shown of each party happened: a party's times never go back. */
const lastAt: Record<Party, number> = { server: 0, client: 0 };
let flushTimer: NodeJS.Timeout | undefined;

/** The wall-clock time a trace line is stamped with (`[trace 12:11:28.603]`), if it is one. */
function stampOf(text: string): number | undefined {
  const m = /^\[trace (\d{2}):(\d{2}):(\d{2})\.(\d{3})\]/.exec(text);
  if (!m) return undefined;
  const midnight = new Date(began);
  midnight.setHours(0, 0, 0, 0);
  const [h, min, s, ms] = m.slice(1).map(Number) as [number, number, number, number];
  return midnight.getTime() + ((h * 60 + min) * 60 + s) * 1000 + ms;
}

/** Show one line of `who`'s, labelled, once it can be put in order. */
function show(who: Party, mark: Mark, text: string): void {
  queues[who].push({ who, mark, text, came: Date.now(), stamped: stampOf(text) });
  clearTimeout(flushTimer);
  if (Number.isFinite(REORDER_MS)) flushTimer = setTimeout(() => flush(false), REORDER_MS);
}

/** When `e` happened: its stamp, or when it came, kept between its party's neighbours. */
function when(e: Entry, queue: Entry[], i: number): number {
  if (e.at !== undefined) return e.at;
  const previous = i === 0 ? lastAt[e.who] : (queue[i - 1]?.at ?? lastAt[e.who]);
  const next = queue.slice(i + 1).find((n) => n.stamped !== undefined)?.stamped;
  e.at = Math.max(previous, Math.min(e.stamped ?? e.came, next ?? Number.POSITIVE_INFINITY));
  return e.at;
}

/** Print the lines that have waited long enough (or all), earliest first. */
function flush(all: boolean): void {
  for (;;) {
    const heads = (["server", "client"] as const).flatMap((who) => {
      const head = queues[who][0];
      return head && (all || Date.now() - head.came >= REORDER_MS)
        ? [[when(head, queues[who], 0), head] as const]
        : [];
    });
    if (heads.length === 0) return;
    // the earliest; in the same millisecond (the stamps' grain), a cause before its effect:
    // a line typed, then a send, then the rest, each in the order it came
    const rank = (e: Entry) =>
      e.mark === "⌨" ? 0 : /\] (send|sendto|connected|FIN to) /.test(e.text) ? 1 : 2;
    const before = (a: readonly [number, Entry], b: readonly [number, Entry]) =>
      a[0] - b[0] || rank(a[1]) - rank(b[1]) || a[1].came - b[1].came;
    const [at, e] = heads.reduce((a, b) => (before(b, a) < 0 ? b : a));
    queues[e.who].shift();
    lastAt[e.who] = at;
    const ms = (at - began).toFixed(1).padStart(7);
    process.stdout.write(`${ms} ms  ${e.who.padEnd(6)} ${e.mark} ${e.text}\n`);
  }
}

/** One script, its stdout and stderr in one pipe; each line shown as it comes. */
function start(party: Party, args: string[]) {
  // sh makes stderr the same pipe as stdout (2>&1), then becomes the script (exec)
  const command = [
    "sh",
    "-c",
    'exec "$@" 2>&1',
    "sh",
    ...scriptCommand(`${kind}/${party}.ts`, args),
  ];
  const child = spawn(command[0] as string, command.slice(1), {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "ignore"],
  });
  const prompt = PROMPTS[party];
  let prompts = 0;
  let rest = "";
  const take = (chunk: Buffer) => {
    rest += chunk.toString("utf8");
    // a prompt has no newline: it is a line of its own as soon as it is complete
    for (;;) {
      const at = rest.indexOf(prompt);
      const nl = rest.indexOf("\n");
      if (at !== -1 && (nl === -1 || at < nl)) {
        if (at > 0) line(rest.slice(0, at));
        show(party, "│", prompt);
        prompts += 1;
        for (const wake of waiters) wake();
        rest = rest.slice(at + prompt.length);
      } else if (nl !== -1) {
        line(rest.slice(0, nl));
        rest = rest.slice(nl + 1);
      } else {
        break;
      }
    }
  };
  // a line on stdout is the conversation; the scripts' stderr lines are notes and traces
  const seen: string[] = [];
  const line = (text: string) => {
    if (text === "") return;
    show(party, isConversation(text) ? "│" : "┆", text);
    seen.push(text);
    for (const wake of waiters) wake();
  };
  child.stdout.on("data", take);
  const waiters = new Set<() => void>();
  const until = (done: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (done()) {
          waiters.delete(check);
          resolve();
        }
      };
      waiters.add(check);
      check();
    });
  return {
    child,
    type(text: string) {
      show(party, "⌨", text);
      child.stdin.write(`${text}\n`);
    },
    /** Resolve once this script has shown its `n`th prompt. */
    prompted: (n: number) => until(() => prompts >= n),
    /** Resolve once this script has shown a line matching `pattern`. */
    shown: (pattern: RegExp) => until(() => seen.some((l) => pattern.test(l))),
    exited: new Promise<number | null>((resolve) => child.on("close", resolve)),
  };
}

/** Whether a line is what the article's programs print (stdout), not a note or a trace. */
function isConversation(text: string): boolean {
  return udp ? /\('[^']*', \d+(, 0, 0)?\)$/.test(text) : /^来自(宝宝|高望)的消息: /.test(text);
}

const stepper = options.step ? createInterface({ input: process.stdin }) : undefined;
const nextStep = stepper?.[Symbol.asyncIterator]();

/**
 * Before a line is typed: the pause, or in step mode, the teacher's Enter. Both sides wait at
 * a prompt then: once nothing more has come for REORDER_MS (a trace written from a callback
 * comes a moment late), everything so far is shown, in order, before anything is typed.
 */
async function beat(what: string): Promise<void> {
  if (options.fast) return; // shown in order at the end
  while (
    Date.now() -
      Math.max(
        0,
        ...Object.values(queues)
          .flat()
          .map((e) => e.came),
      ) <
    REORDER_MS
  ) {
    await new Promise((resolve) => setTimeout(resolve, REORDER_MS / 3));
  }
  flush(true);
  if (nextStep) {
    process.stderr.write(`  (Enter: ${what})\n`);
    const step = await nextStep.next();
    if (step.done) stepper?.close(); // no more Enter to wait for: go on by itself
  } else if (pause > 0) {
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

process.stdout.write(
  `demo: ${kind.toUpperCase()} pair, on one clock (ms since the demo began). ` +
    "│ stdout (the conversation), ┆ stderr (notes, --trace), ⌨ typed\n\n",
);
try {
  const port = await freePort();
  const server = start("server", ["--port", String(port), "--trace"]);
  const deadline = Date.now() + 10_000;
  while (!isBound(port, kind) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const client = start("client", ["--port", String(port), "--trace"]);
  await client.prompted(1);
  const turns: [typeof client, string][] = udp
    ? [
        [client, "你好 udp"],
        [server, "hi udp"],
        [client, "再见"],
        [server, "再见!"],
      ]
    : [
        [client, "你好 hello"],
        [server, "hi baby"],
        [client, "byebye"],
      ];
  const typed = new Map([
    [client, 0],
    [server, 0],
  ]);
  for (const [party, text] of turns) {
    const n = (typed.get(party) ?? 0) + 1;
    typed.set(party, n);
    await party.prompted(n);
    await beat(`${party === client ? "client" : "server"} types ${text}`);
    party.type(text);
  }
  if (udp) {
    await client.prompted(3);
    client.child.stdin.end();
  }
  await client.exited;
  if (!udp) await server.shown(/\] close \S+:\d+/); // the server's side of the teardown
  server.child.kill("SIGTERM");
  await server.exited;
  stepper?.close();
} finally {
  await reapAll();
  clearTimeout(flushTimer);
  flush(true);
}
