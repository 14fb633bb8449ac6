/**
 * A lost handshake, measured (docs/14-loss.md, `make capture-loss ARGS=--syn`): the network
 * of {@linkcode LossyNetwork} drops every SYN that goes to the server, so `tcp/client.ts`'s
 * connect() cannot complete, and its kernel sends the SYN again and again. tcpdump on the
 * network's side of the client's cable times each copy.
 *
 * Two clients run at once, each in a network of its own: one with this kernel's own
 * setting of `net.ipv4.tcp_syn_linear_timeouts` (Linux 6.5 and later: the first SYNs are
 * resent a fixed 1 s apart, then the wait doubles; commit ccce324dabfe, "tcp: make the first
 * N SYN RTO backoffs linear"), and one with it set to 0 in its namespace, which is how
 * every kernel before 6.5 behaved: the wait doubles from the first resend. On a kernel
 * without the setting, only the first runs, and the text says so.
 *
 * @example
 * ```ts
 * import { lostSyns } from "./syn-loss.ts";
 * process.stdout.write(await lostSyns(10, (net) => console.error(net.base)));
 * ```
 * @module
 */
import { release } from "node:os";
import { scriptCommand, spawnProgram } from "../../harness/procs.ts";
import type { Packet } from "../../lab/pcap.ts";
import { LossyNetwork, SERVER_IP, SYN_DROP } from "./netns.ts";
import { Tap } from "./tap.ts";

export const LINEAR = "net.ipv4.tcp_syn_linear_timeouts";

/** The first SYN of each connection attempt and every copy, as tcpdump on r0 saw them. */
const SYNS = "tcp dst port 8001 and tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn";

interface Run {
  net: LossyNetwork;
  /** The setting in the client's namespace, as the kernel reports it. */
  linear: string | undefined;
  tap: Tap;
}

/**
 * Each client tries until it has sent a SYN at least `seconds` after its first; the SYNs of
 * both, side by side, with the time of each since the first and the wait before it.
 * `created` is told of each network as soon as it exists (its namespaces' names).
 */
export async function lostSyns(
  seconds: number,
  created: (net: LossyNetwork) => void,
  nets: LossyNetwork[],
): Promise<string> {
  const make = (): LossyNetwork => {
    const net = LossyNetwork.create(1);
    nets.push(net);
    created(net);
    return net;
  };
  const first = make();
  const ours = first.sysctlValue("client", LINEAR);
  const setups: LossyNetwork[] = [first];
  if (ours !== undefined && ours !== "0") {
    const before = make();
    before.sysctl("client", LINEAR, "0");
    setups.push(before);
  }
  const runs: Run[] = [];
  try {
    for (const net of setups) {
      net.dropSyns();
      const tap = await Tap.open(net, "network", "r0", SYNS);
      runs.push({ net, linear: net.sysctlValue("client", LINEAR), tap });
    }
    for (const { net } of runs) {
      const client = scriptCommand("tcp/client.ts", ["--host", SERVER_IP]);
      spawnProgram("tcp/client.ts", net.inside("client", client));
    }
    const lastSince = (packets: Packet[]) =>
      packets.length === 0 ? 0 : (packets.at(-1) as Packet).time - (packets[0] as Packet).time;
    await Promise.all(
      runs.map(({ tap }) =>
        tap.until(
          (packets) => lastSince(packets) >= seconds,
          `a SYN ${seconds} s after the first`,
          (seconds * 2 + 10) * 1000, // the doubling can leave a wait of up to twice the span
        ),
      ),
    );
  } finally {
    await Promise.all(runs.map(({ tap }) => tap.stop()));
  }
  return table(runs, seconds);
}

/** The SYNs of each run side by side: time since its first, and the wait before it. */
function table(runs: Run[], seconds: number): string {
  const heads = runs.map(({ linear }) =>
    linear === undefined
      ? "this kernel (no tcp_syn_linear_timeouts)"
      : `tcp_syn_linear_timeouts = ${linear}`,
  );
  const width = 32;
  const rows = [`  SYN  ${heads.map((h) => h.padEnd(width)).join("")}`.trimEnd()];
  const shown = runs.map(({ tap }) => {
    const all = tap.packets;
    const last = all.findIndex((p) => p.time - (all[0] as Packet).time >= seconds);
    return all.slice(0, last + 1);
  });
  const most = Math.max(...shown.map((p) => p.length));
  for (let n = 0; n < most; n++) {
    const cells = shown.map((p) => {
      const at = p[n];
      if (!at) return "".padEnd(width);
      const since = at.time - (p[0] as Packet).time;
      const wait = n === 0 ? "" : `  (${(at.time - (p[n - 1] as Packet).time).toFixed(3)} s later)`;
      return `${since.toFixed(3).padStart(7)} s${wait}`.padEnd(width);
    });
    rows.push(`${String(n + 1).padStart(5)}  ${cells.join("")}`.trimEnd());
  }
  const [ours, before] = runs;
  const kernel = `this kernel (Linux ${release()})`;
  const which = before
    ? `Two clients at once, each in a network of its own: on the left, ${kernel} as it is ` +
      "set; on the right, the same kernel with tcp_syn_linear_timeouts set to 0 in the client's " +
      "namespace, as every kernel before Linux 6.5 behaves."
    : ours?.linear === undefined
      ? `The client runs on ${kernel}, which has no tcp_syn_linear_timeouts: it is older than 6.5.`
      : `The client runs on ${kernel}, with tcp_syn_linear_timeouts = ${ours.linear}.`;
  const prose =
    `SYN: tcp/client.ts connects to ${SERVER_IP}:8001 through a network that drops every SYN ` +
    `(nft: ${SYN_DROP} drop), so the handshake never completes, and the client's kernel ` +
    `sends its SYN again and again. ${which} Each column ends with the first SYN sent ` +
    `${seconds} s or more after the first one.`;
  return `${wrap(prose, 90)}\n\n${rows.join("\n")}\n`;
}

/** `text` cut into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join("\n");
}
