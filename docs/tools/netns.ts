/**
 * A small private network for the loss lesson (docs/14-loss.md): three network namespaces,
 * the client's, the network's and the server's, joined by two veth pairs, with the
 * network losing a share of what it forwards to the server.
 *
 *     client 10.0.1.1 (c0) ─── (r0) 10.0.1.254  network  10.0.2.254 (r1) ─── (s0) 10.0.2.1 server
 *
 * The loss is the kernel's: `tc qdisc add dev r1 root netem loss P%`, or, on a kernel built
 * without netem (CONFIG_NET_SCH_NETEM), an nftables rule that drops the same share at
 * random (`numgen random mod 100 < P drop`). It starts off, so that a connection can open
 * first, and `lose()` turns it on. Nothing touches this machine's own network: every device
 * lives in a namespace, and deleting the namespaces removes them all. `teardown()` does it,
 * and so does the end of the process however it ends; namespaces left by a process that was
 * killed outright are removed by the next one.
 *
 * Needs root, `ip` and `tc` (Debian's iproute2) or `nft` (nftables), and tcpdump to watch.
 *
 * @example
 * ```ts
 * import { LossyNetwork } from "./netns.ts";
 * const why = LossyNetwork.problem(); // undefined, or why it cannot run here
 * const net = LossyNetwork.create(20);
 * spawn(...net.inside("server", ["tcpdump", "-i", "s0"])); // what reaches the server
 * net.lose(true); // from now on 20% of what goes to the server is lost
 * net.teardown();
 * ```
 * @module
 */
import { execFileSync, spawnSync } from "node:child_process";
import { haveTool, installHint } from "../../harness/tools.ts";

export type Place = "client" | "network" | "server";

/** The addresses of the two ends. */
export const CLIENT_IP = "10.0.1.1";
export const SERVER_IP = "10.0.2.1";

const PREFIX = "tcp-udp-chat-";

/** Run `ip` or another tool; its output, or an error naming the command and what it said. */
function run(command: string[], input?: string): string {
  const [program, ...args] = command;
  const done = spawnSync(program as string, args, { encoding: "utf8", input });
  if (done.status !== 0) {
    const said = `${done.stderr ?? ""}${done.error?.message ?? ""}`.trim().split("\n")[0];
    throw new Error(`${command.join(" ")}: ${said}`);
  }
  return done.stdout;
}

/** Namespaces of ours whose process is gone (killed before it could tidy up): remove them. */
function sweep(): void {
  for (const line of run(["ip", "netns", "list"]).split("\n")) {
    const name = line.split(" ")[0] ?? "";
    const pid = Number(new RegExp(`^${PREFIX}(\\d+)-`).exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      spawnSync("ip", ["netns", "del", name]);
    }
  }
}

/** The nftables rule that stands in for netem: drop `percent`% of what goes to the server. */
function nftLoss(percent: number): string {
  return `table ip loss {
  chain forward {
    type filter hook forward priority 0; policy accept;
    ip daddr ${SERVER_IP} numgen random mod 100 < ${percent} counter drop
  }
}
`;
}

/** The nftables rule that drops every SYN going to the server. */
export function nftSynDrop(): string {
  return `table ip syn {
  chain forward {
    type filter hook forward priority 0; policy accept;
    ${SYN_DROP} counter drop
  }
}
`;
}

/** The match of that rule, as a reader would type it after `nft add rule ... forward`. */
export const SYN_DROP = `ip daddr ${SERVER_IP} tcp flags & (syn | ack) == syn`;

export class LossyNetwork {
  readonly percent: number;
  /** How the loss is made: "netem", or "nftables" where the kernel has no netem. */
  readonly how: "netem" | "nftables";
  /** The namespaces' common name: `<base>-client`, `<base>-network`, `<base>-server`. */
  readonly base: string;
  readonly #names: Record<Place, string>;
  #up = true;

  /**
   * Why the lossy network cannot be built here, or `undefined`: not root, a tool missing,
   * or a kernel with neither netem nor nftables (tried in a namespace of its own).
   */
  static problem(): string | undefined {
    if (process.getuid?.() !== 0) return "it needs root: network namespaces and tc";
    const missing = ["ip", "tcpdump"].filter((tool) => !haveTool(tool));
    if (!haveTool("tc") && !haveTool("nft")) missing.push("tc");
    if (missing.length > 0) return installHint(missing);
    try {
      LossyNetwork.create(1).teardown();
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }

  /** Build the three namespaces and their links; the loss is ready but off. */
  static create(percent: number): LossyNetwork {
    sweep();
    return new LossyNetwork(percent);
  }

  private constructor(percent: number) {
    this.percent = percent;
    const base = `${PREFIX}${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
    this.#names = {
      client: `${base}-client`,
      network: `${base}-network`,
      server: `${base}-server`,
    };
    this.base = base;
    process.once("exit", () => this.teardown()); // also after Ctrl-C: the kit exits by process.exit
    const { client, network, server } = this.#names;
    try {
      // one `ip -batch` for the namespaces and the cables, one per namespace inside it: a
      // network is built in a fifth of the time the same commands take one process each
      run(
        ["ip", "-batch", "-"],
        [
          ...[client, network, server].map((name) => `netns add ${name}`),
          `link add c0 netns ${client} type veth peer name r0 netns ${network}`, // the client's cable
          `link add r1 netns ${network} type veth peer name s0 netns ${server}`, // the server's
        ].join("\n"),
      );
      const inside: Record<Place, string[]> = {
        client: [
          `addr add ${CLIENT_IP}/24 dev c0`,
          "link set c0 up",
          "route add default via 10.0.1.254",
        ],
        network: [
          "addr add 10.0.1.254/24 dev r0",
          "link set r0 up",
          "addr add 10.0.2.254/24 dev r1",
          "link set r1 up",
        ],
        server: [
          `addr add ${SERVER_IP}/24 dev s0`,
          "link set s0 up",
          "route add default via 10.0.2.254",
        ],
      };
      for (const [place, commands] of Object.entries(inside) as [Place, string[]][]) {
        const name = this.#names[place];
        run(["ip", "-n", name, "-batch", "-"], ["link set lo up", ...commands].join("\n"));
        // no IPv6: its neighbour and router solicitations would be lost too, and counted;
        // the network forwards what it gets from one cable to the other
        const off =
          "for f in all default; do echo 1 > /proc/sys/net/ipv6/conf/$f/disable_ipv6; done";
        const forward = place === "network" ? "echo 1 > /proc/sys/net/ipv4/ip_forward; " : "";
        spawnSync("ip", ["netns", "exec", name, "sh", "-c", `${forward}${off} 2>/dev/null`]);
      }
      if (this.sysctlValue("network", "net.ipv4.ip_forward") !== "1")
        throw new Error("the network namespace does not forward (net.ipv4.ip_forward)");
      this.how = this.#canNetem() ? "netem" : "nftables";
      if (this.how === "nftables" && !haveTool("nft")) {
        throw new Error(
          "this kernel has no netem (CONFIG_NET_SCH_NETEM), and nft is not installed to " +
            "stand in for it: sudo apt-get install -y nftables",
        );
      }
    } catch (err) {
      this.teardown();
      throw err;
    }
  }

  /** Whether `tc` can add a netem qdisc here (added with no loss, to be changed by `lose`). */
  #canNetem(): boolean {
    if (!haveTool("tc")) return false;
    const added = ["tc", "-n", this.#names.network, "qdisc", "add", "dev", "r1", "root"];
    return spawnSync(added[0] as string, [...added.slice(1), "netem", "loss", "0%"]).status === 0;
  }

  /** The command line that runs `command` inside `place`'s namespace. */
  inside(place: Place, command: string[]): string[] {
    return ["ip", "netns", "exec", this.#names[place], ...command];
  }

  /** Turn the loss on (`percent`% of what goes to the server is lost from now on) or off. */
  lose(on: boolean): void {
    const network = this.#names.network;
    if (this.how === "netem") {
      const loss = `${on ? this.percent : 0}%`;
      run(["tc", "-n", network, "qdisc", "change", "dev", "r1", "root", "netem", "loss", loss]);
    } else if (on) {
      run(this.inside("network", ["nft", "-f", "-"]), nftLoss(this.percent));
    } else {
      spawnSync("ip", ["netns", "exec", network, "nft", "delete", "table", "ip", "loss"]);
    }
  }

  /**
   * Drop every SYN that goes to the server (a SYN without ACK: the first segment of a
   * handshake), whatever `lose` says: no connection can open. Needs nft.
   */
  dropSyns(): void {
    if (!haveTool("nft")) throw new Error(`dropping SYNs needs nft: ${installHint(["nft"])}`);
    run(this.inside("network", ["nft", "-f", "-"]), nftSynDrop());
  }

  /**
   * Set the sysctl `key` (`net.ipv4.tcp_syn_linear_timeouts`) in `place`'s namespace only;
   * false when this kernel has no such setting.
   */
  sysctl(place: Place, key: string, value: string): boolean {
    const file = `/proc/sys/${key.replaceAll(".", "/")}`;
    const write = `[ -e ${file} ] && echo ${value} > ${file}`;
    return spawnSync("ip", ["netns", "exec", this.#names[place], "sh", "-c", write]).status === 0;
  }

  /** The value of the sysctl `key` in `place`'s namespace, or undefined where it does not exist. */
  sysctlValue(place: Place, key: string): string | undefined {
    const file = `/proc/sys/${key.replaceAll(".", "/")}`;
    const read = spawnSync("ip", ["netns", "exec", this.#names[place], "cat", file], {
      encoding: "utf8",
    });
    return read.status === 0 ? read.stdout.trim() : undefined;
  }

  /** How many packets the loss has dropped so far (since it was last turned on, for nftables). */
  dropped(): number {
    const network = this.#names.network;
    if (this.how === "netem") {
      const stats = run(["tc", "-s", "-n", network, "qdisc", "show", "dev", "r1"]);
      return Number(/dropped (\d+)/.exec(stats)?.[1] ?? 0);
    }
    const list = ["ip", "netns", "exec", network, "nft", "list", "chain", "ip", "loss", "forward"];
    const rules = spawnSync(list[0] as string, list.slice(1), { encoding: "utf8" }).stdout ?? "";
    return Number(/counter packets (\d+)/.exec(rules)?.[1] ?? 0); // 0 while the loss is off
  }

  /**
   * The TCP counters of `place`'s kernel, as `nstat -az` names them (`TcpExtTCPLossProbes`,
   * `TcpRetransSegs`, …), read from its /proc/net/netstat and /proc/net/snmp. Each
   * namespace counts for itself: the client's counters are its connection's alone.
   */
  counters(place: Place): Map<string, number> {
    const text = run(this.inside(place, ["cat", "/proc/net/netstat", "/proc/net/snmp"]));
    return tcpCounters(text);
  }

  /** The command that makes the loss, as a reader would type it. */
  command(): string {
    return this.how === "netem"
      ? `tc qdisc change dev r1 root netem loss ${this.percent}%`
      : `nft: ip daddr ${SERVER_IP} numgen random mod 100 < ${this.percent} drop`;
  }

  /** Remove the namespaces, and with them every device and rule. Safe to call twice. */
  teardown(): void {
    if (!this.#up) return;
    this.#up = false;
    for (const name of Object.values(this.#names)) spawnSync("ip", ["netns", "del", name]);
  }
}

/**
 * The counters of /proc/net/netstat and /proc/net/snmp (a line of names, then a line of
 * values, for each group), named as nstat names them: the group, then the counter.
 */
export function tcpCounters(text: string): Map<string, number> {
  const counters = new Map<string, number>();
  const lines = text.split("\n");
  for (let i = 0; i + 1 < lines.length; i++) {
    const [group, ...names] = (lines[i] as string).split(/\s+/);
    const [again, ...values] = (lines[i + 1] as string).split(/\s+/);
    if (!group?.endsWith(":") || group !== again || !/^\d/.test(values[0] ?? "")) continue;
    names.forEach((name, n) => {
      counters.set(`${group.slice(0, -1)}${name}`, Number(values[n]));
    });
    i += 1;
  }
  return counters;
}

/** Our namespaces that exist now (a test checks that none is left behind). */
export function ourNamespaces(): string[] {
  return execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((name) => name.startsWith(PREFIX));
}
