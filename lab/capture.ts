/**
 * tcpdump on the loopback interface, its packets read as they come: it writes the pcap
 * format on its stdout (`tcpdump -i lo -U -w - FILTER`, one packet at a time) and
 * {@linkcode PcapReader} takes each apart. The raw bytes are kept too: they are a .pcap
 * file that Wireshark and `tcpdump -r` open.
 *
 * Capturing needs root, or the CAP_NET_RAW capability: where tcpdump cannot capture,
 * {@linkcode Capture.start} says why instead.
 *
 * @example
 * ```ts
 * import { Capture } from "./capture.ts";
 * const capture = await Capture.start("tcp port 8001", (p) => console.log(p.flags, p.payload.length));
 * if (typeof capture === "string") console.log("no capture:", capture);
 * else { …; writeFileSync("tcp.pcap", capture.bytes()); await capture.stop(); }
 * ```
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { haveTool, installHint } from "../harness/tools.ts";
import { type Packet, PcapReader } from "./pcap.ts";

/** How long tcpdump may take to open the interface: it takes about 50 ms. */
const START_MS = 10_000;

/** The BPF filter of a conversation with the server on `port`, ICMP errors about it included. */
export function filterFor(kind: "tcp" | "udp", port: number): string {
  // an ICMP error quotes the datagram it answers: its destination port is 30 bytes in
  return `${kind} port ${port} or (icmp and icmp[30:2] = ${port})`;
}

/** Where {@linkcode Capture.start} listens, if not on lo in this network namespace. */
export interface CaptureOn {
  device?: string;
  prefix?: string[];
  immediate?: boolean;
}

export class Capture {
  readonly #child: ChildProcess;
  readonly #chunks: Buffer[] = [];
  readonly #closed: Promise<unknown>;

  private constructor(child: ChildProcess, onPacket: (p: Packet) => void) {
    this.#child = child;
    this.#closed = once(child, "close");
    const reader = new PcapReader();
    child.stdout?.on("data", (chunk: Buffer) => {
      this.#chunks.push(chunk);
      for (const packet of reader.push(chunk)) onPacket(packet);
    });
  }

  /**
   * Start tcpdump with `filter`; once it listens, the capture; or why it cannot capture here.
   * `on`: another device than lo, and a command that runs tcpdump (in a network namespace,
   * `["ip", "netns", "exec", NAME]`); `immediate`: each packet handed over as it comes.
   */
  static async start(
    filter: string,
    onPacket: (p: Packet) => void,
    { device = "lo", prefix = [], immediate = false }: CaptureOn = {},
  ): Promise<Capture | string> {
    if (!haveTool("tcpdump")) return installHint(["tcpdump"]);
    const flags = ["-i", device, ...(immediate ? ["--immediate-mode"] : []), "-U", "-n", "-w", "-"];
    const [command = "tcpdump", ...args] = [...prefix, "tcpdump", ...flags, filter];
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    child.on("error", () => {}); // shows as the exit below
    const capture = new Capture(child, onPacket);
    let stderr = "";
    const ready = new Promise<string | undefined>((resolve) => {
      child.stderr?.on("data", (b: Buffer) => {
        stderr += b;
        if (stderr.includes("listening on")) resolve(undefined);
      });
      child.once("close", () => resolve(stderr.trim().split("\n")[0] || "tcpdump ended"));
      setTimeout(
        () => resolve(`tcpdump did not start within ${START_MS / 1000} s`),
        START_MS,
      ).unref();
    });
    const why = await ready;
    if (why === undefined) return capture;
    await capture.stop();
    return why.replace(/^tcpdump: /, "");
  }

  /** Everything captured so far, as a .pcap file. */
  bytes(): Buffer {
    return Buffer.concat(this.#chunks);
  }

  /** Stop tcpdump and wait until it has written its last packet. */
  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null)
      this.#child.kill("SIGTERM");
    await this.#closed;
  }
}
