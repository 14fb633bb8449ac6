// tcp-udp-chat: TCP and UDP through a network that loses packets, watched on the wire.
// Run:  sudo make capture-loss                  (sudo make capture-loss ARGS="--loss 30")
//
// It builds a private network of three namespaces (docs/tools/netns.ts): the client's, the
// network's and the server's, the network losing a share of what goes to the server, and
// runs the article's pairs across it, tcpdump watching both sides of the loss: what left
// the client, and what reached the server. First UDP: udp/client.ts sends a datagram each
// round until one is lost, and then waits for ever, as the article's client would. Then
// TCP: tcp/client.ts and tcp/server.ts chat until the client's kernel has had to send a
// lost segment again; every message arrives, in order. The two captures are written as
// .pcap files too. Everything is removed at the end, even after a failure or Ctrl-C.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
  DEADLINE_MS,
  type Proc,
  ROOT,
  reapAll,
  scriptCommand,
  spawnProgram,
  transcripts,
} from "../../harness/procs.ts";
import { refuse, toolArgs } from "../../harness/tool-args.ts";
import { type Packet, SYN } from "../../lab/pcap.ts";
import { LossyNetwork, type Place, SERVER_IP } from "./netns.ts";
import { lostSyns } from "./syn-loss.ts";
import { Tap } from "./tap.ts";

const USAGE = `usage: make capture-loss ARGS="[--loss P] [--rounds N] | --syn [--seconds S]"   (as root)
  --loss P     the percentage of packets to the server that the network loses (default 20)
  --rounds N   TCP messages at least, more until one segment has been lost (default 6)
  --syn        instead, a network that drops every SYN: how often the client sends it again
  --seconds S  with --syn, watch until a SYN comes S seconds after the first (default 10)
  -h, --help   print this help and exit
`;
const MAX_ROUNDS = 60; // with 20% loss, 60 rounds without one loss would be a 1 in 600,000 run

const values = toolArgs("capture-loss", USAGE, {
  loss: { type: "string", default: "20" },
  rounds: { type: "string", default: "6" },
  syn: { type: "boolean", default: false },
  seconds: { type: "string", default: "10" },
});
const percent = Number(values.loss);
const rounds = Number(values.rounds);
if (!(Number.isInteger(percent) && percent >= 1 && percent <= 90)) {
  refuse("capture-loss", USAGE, "--loss must be a whole number from 1 to 90");
}
if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= MAX_ROUNDS)) {
  refuse("capture-loss", USAGE, `--rounds must be a whole number from 1 to ${MAX_ROUNDS}`);
}
const seconds = Number(values.seconds);
if (!(seconds > 0 && seconds <= 60)) {
  refuse("capture-loss", USAGE, "--seconds must be a number of seconds, more than 0, at most 60");
}
if (process.getuid?.() !== 0) {
  process.stderr.write(
    "make capture-loss needs root: it builds network namespaces. Try: sudo make capture-loss\n",
  );
  process.exit(1);
}

const FILTER = "tcp port 8001 or udp port 8002";

/** A chat script run inside `place`, talking to the server's address. */
function script(net: LossyNetwork, place: Place, path: string): Proc {
  return spawnProgram(path, net.inside(place, scriptCommand(path, ["--host", SERVER_IP])));
}

/** Wait until `done()` holds, asking every 10 ms (the network's counters cannot wake us). */
async function poll(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!done()) {
    if (Date.now() > deadline)
      throw new Error(`no ${what} after ${DEADLINE_MS} ms${transcripts()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const ms = (from: number, to: number) => `${((to - from) * 1000).toFixed(3).padStart(9)} ms`;
const quoted = (p: Packet) => JSON.stringify(p.payload.toString("utf8")).padEnd(14);

/** UDP: a datagram a round, until the network loses one; the client then waits for ever. */
async function udp(net: LossyNetwork, sent: Tap, arrived: Tap): Promise<string> {
  const server = script(net, "server", "udp/server.ts");
  await server.waitFor("stderr", `listening on ${SERVER_IP}:8002 (udp)`);
  const client = script(net, "client", "udp/client.ts");
  const rows: string[] = [];
  let first = 0;
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    await client.waitFor("stdout", "客户端说:", round);
    const before = net.dropped();
    const text = `datagram ${round}`;
    client.write(text);
    const out = await sent.carrying(text);
    first ||= out.time;
    // Arrived, or dropped: the server's tap, or the network's own count of what it dropped.
    let lost = false;
    await poll(() => {
      lost = !arrived.has(text) && net.dropped() > before;
      return lost || arrived.has(text);
    }, `datagram ${round} to arrive or be dropped`);
    if (lost) {
      rows.push(`${ms(first, out.time)}  ${quoted(out)}  lost on the way: nobody sends it again`);
      const summary =
        `UDP: ${round} datagrams sent, ${round - 1} arrived. udp/client.ts now waits in recvfrom for an\n` +
        `answer to datagram ${round} that will never come, as the article's client would: nothing\n` +
        "told it the datagram was lost, and nothing will send it again.";
      return `${rows.join("\n")}\n${summary}\n`;
    }
    await server.waitFor("stdout", "服务端说;", round);
    server.write(`ok ${round}`);
    const note = round === 1 ? " (the loss starts after this first exchange)" : "";
    rows.push(
      `${ms(first, out.time)}  ${quoted(out)}  arrived; the server answered "ok ${round}"${note}`,
    );
    if (round === 1) {
      await client.waitFor("stdout", `ok 1 ('${SERVER_IP}', 8002)`);
      net.lose(true); // each side knows its neighbour's link address now (ARP): only data is lost
    }
  }
  return `${rows.join("\n")}\nUDP: ${MAX_ROUNDS} datagrams sent; none was lost this time.\n`;
}

/** TCP: the mirrors chat until a segment has been lost and sent again; then byebye. */
async function tcp(net: LossyNetwork, sent: Tap, arrived: Tap): Promise<string> {
  const server = script(net, "server", "tcp/server.ts");
  await server.waitFor("stderr", `listening on ${SERVER_IP}:8001 (tcp)`);
  const client = script(net, "client", "tcp/client.ts");
  await client.waitFor("stdout", "宝宝说:");
  net.lose(true); // the connection is open: from now on its segments may be lost
  const resends = new Resends(net, sent);
  let round = 0;
  while (round < MAX_ROUNDS && (round < rounds || lostSegments(sent, arrived).length === 0)) {
    round += 1;
    resends.sending(`message ${round}`);
    client.write(`message ${round}`);
    await server.waitFor("stdout", "高望>>>", round);
    server.write(`ok ${round}`);
    await client.waitFor("stdout", "宝宝说:", round + 1);
    // the server has read it, so it is on the wire: wait for both taps to have printed it
    // too, or a segment tcpdump has not reported yet would look lost
    await sent.carrying(`message ${round}`);
    await arrived.carrying(`message ${round}`);
  }
  resends.sending("byebye");
  client.write("byebye");
  await server.waitFor("stdout", "来自宝宝的消息: byebye\n");
  await sent.carrying("byebye");
  await arrived.carrying("byebye");
  const expected = Array.from(
    { length: round },
    (_, i) => `来自宝宝的消息: message ${i + 1}\n高望>>>`,
  );
  const inOrder = server.stdout === `${expected.join("")}来自宝宝的消息: byebye\n`;
  const { rows, lost } = segmentRows(sent, arrived, resends);
  const arrivedAll = inOrder ? "all arrived at the server, in order" : "NOT all arrived in order";
  const summary =
    `TCP: ${round} messages and byebye sent; ${arrivedAll}. ${lost} segment${lost === 1 ? " was" : "s were"}\n` +
    "lost on the way; each time the client's kernel sent the bytes again by itself, unasked,\n" +
    "and the scripts never knew.";
  return `${rows.join("\n")}\n${summary}\n`;
}

/**
 * Which of its mechanisms the client's kernel used to send each lost segment again, read
 * from its own counters (nstat's names: the client's namespace counts for its connection
 * alone) the moment the copy is seen leaving: a tail loss probe, the retransmission timer,
 * or a fast retransmit that the server's SACKs asked for. And the connection's smoothed
 * round-trip time (`ss -ti`'s srtt) before each message, on which the probe's timer hangs.
 */
class Resends {
  static readonly MECHANISMS: [string, string][] = [
    ["TcpExtTCPLossProbes", "a tail loss probe"],
    ["TcpExtTCPTimeouts", "the retransmission timer"],
    ["TcpExtTCPFastRetrans", "a fast retransmit"],
  ];
  readonly #net: LossyNetwork;
  #before: Map<string, number>;
  readonly #seen = new Set<number>();
  readonly #by = new Map<Packet, string[]>();
  readonly #srtt = new Map<string, number>();

  constructor(net: LossyNetwork, sent: Tap) {
    this.#net = net;
    this.#before = net.counters("client");
    sent.listeners.push((p) => this.#look(p));
  }

  /** Each data segment from the client: a copy of one seen before is a resend; ask the counters why. */
  #look(p: Packet): void {
    if (p.proto !== "tcp" || p.dport !== 8001 || p.payload.length === 0) return;
    if (!this.#seen.has(p.seq)) {
      this.#seen.add(p.seq);
      return;
    }
    const now = this.#net.counters("client");
    const grown = ([name]: [string, string]) =>
      (now.get(name) ?? 0) > (this.#before.get(name) ?? 0);
    this.#by.set(
      p,
      Resends.MECHANISMS.filter(grown).map(([, what]) => what),
    );
    this.#before = now;
  }

  /** Before `text` is written: the connection's smoothed round-trip time (ss -ti's rtt:SRTT/RTTVAR). */
  sending(text: string): void {
    const ss = ["ss", "-tinH", "state", "established", "( dport = :8001 )"];
    const [program, ...args] = this.#net.inside("client", ss);
    const info = spawnSync(program as string, args, { encoding: "utf8" });
    const srtt = /\brtt:([\d.]+)\//.exec(info.stdout ?? "")?.[1];
    if (srtt) this.#srtt.set(text, Number(srtt));
  }

  /** How the copy `p` was sent, as a clause for its row ("" if the counters did not say). */
  how(p: Packet): string {
    const used = this.#by.get(p) ?? [];
    if (used.length === 0) return "";
    const srtt = this.#srtt.get(p.payload.toString("utf8"));
    return ` (${used.join(" and ")}${srtt === undefined ? "" : `; srtt ${srtt} ms`})`;
  }
}

/** The client's data segments seen leaving it that never reached the server. */
function lostSegments(sent: Tap, arrived: Tap): Packet[] {
  return match(sent, arrived)
    .filter(([, seen]) => !seen)
    .map(([p]) => p);
}

/**
 * Each data segment the client sent, paired with its arrival at the server, if it came: a
 * copy with the same bytes seen at the server after this one left and before the next copy.
 */
function match(sent: Tap, arrived: Tap): [Packet, Packet | undefined][] {
  const data = (tap: Tap) =>
    tap.packets.filter((p) => p.proto === "tcp" && p.dport === 8001 && p.payload.length > 0);
  const landed = data(arrived);
  const left = data(sent);
  return left.map((p, n) => {
    const next = left.slice(n + 1).find((q) => q.seq === p.seq)?.time ?? Number.POSITIVE_INFINITY;
    const copy = (q: Packet) =>
      q.seq === p.seq && q.payload.equals(p.payload) && q.time >= p.time && q.time < next;
    return [p, landed.find(copy)];
  });
}

function segmentRows(sent: Tap, arrived: Tap, resends: Resends): { rows: string[]; lost: number } {
  const syn = sent.packets.find((p) => p.proto === "tcp" && p.dport === 8001 && p.flags & SYN);
  const isn = syn?.seq ?? 0;
  const pairs = match(sent, arrived);
  const first = pairs[0]?.[0].time ?? 0;
  const rows = [
    `${"time".padStart(12)}  ${"seq".padStart(4)}  len  ${"what the client sent".padEnd(20)}  what became of it`,
  ];
  let lost = 0;
  const firstSent = new Map<number, number>();
  for (const [p, seen] of pairs) {
    const seq = (p.seq - isn) >>> 0;
    let fate = seen ? "arrived" : "lost on the way";
    if (!seen) lost += 1;
    const before = firstSent.get(seq);
    if (before === undefined) firstSent.set(seq, p.time);
    else {
      const later = ((p.time - before) * 1000).toFixed(1);
      const how = resends.how(p);
      fate = `sent again by the client's kernel, ${later} ms after the first${how}: ${fate}`;
    }
    const cells = `${String(seq).padStart(4)}  ${String(p.payload.length).padStart(3)}  ${quoted(p).padEnd(20)}`;
    rows.push(`${ms(first, p.time)}  ${cells}  ${fate}`);
  }
  return { rows, lost };
}

/** Say which namespaces a network has, as soon as they exist (a test removes them if we die). */
const announce = (net: LossyNetwork) =>
  process.stderr.write(`network namespaces: ${net.base}-client, -network, -server\n`);

/** UDP, then TCP, through the lossy network: the tables, and the two captures saved. */
async function lossy(nets: LossyNetwork[], taps: Tap[]): Promise<void> {
  const net = LossyNetwork.create(percent);
  nets.push(net);
  announce(net);
  const sent = await Tap.open(net, "network", "r0", FILTER); // everything the client sends, before the loss
  taps.push(sent);
  const arrived = await Tap.open(net, "server", "s0", FILTER); // what reaches the server
  taps.push(arrived);
  const udpPart = await udp(net, sent, arrived);
  net.lose(false);
  const tcpPart = await tcp(net, sent, arrived);
  const [sentPcap, arrivedPcap] = [await sent.stop(), await arrived.stop()];
  const how = net.command();
  process.stdout.write(
    "The network: three private namespaces, client ─ network ─ server, the network losing\n" +
      `${percent}% of what goes to the server (${how}).\n` +
      "tcpdump watches both sides of the loss: what left the client, what reached the server.\n\n" +
      `UDP: udp/client.ts → udp/server.ts\n${udpPart}\n` +
      `TCP: tcp/client.ts → tcp/server.ts (data segments only; relative seq)\n${tcpPart}`,
  );
  const dir = join(ROOT, ".cache/captures");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "loss-sent.pcap"), sentPcap);
  writeFileSync(join(dir, "loss-arrived.pcap"), arrivedPcap);
  const shown = relative(process.cwd(), dir);
  process.stderr.write(
    `the captures are in ${shown}/loss-sent.pcap (what left the client) and loss-arrived.pcap\n`,
  );
}

const nets: LossyNetwork[] = [];
const taps: Tap[] = [];
let status = 0;
try {
  if (values.syn) process.stdout.write(await lostSyns(seconds, announce, nets));
  else await lossy(nets, taps);
} catch (err) {
  process.stderr.write(`make capture-loss: ${(err as Error).message}\n`);
  status = 1;
} finally {
  await Promise.all(taps.map((tap) => tap.stop()));
  await reapAll();
  for (const net of nets) net.teardown();
}
process.exit(status);
