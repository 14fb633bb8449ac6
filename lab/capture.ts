/**
 * tcpdump on the loopback interface, its packets read as they come: it writes the pcap
 * format on its stdout (`tcpdump -i lo -U -w - FILTER`, one packet at a time) and
 * {@linkcode PcapReader} takes each apart. The raw bytes go to a file (Wireshark and
 * `tcpdump -r` open it), not to memory: a long capture costs disk, up to
 * {@linkcode MAX_PCAP_BYTES}, never the memory of the process. The file has no name (it is
 * removed once opened): it goes when the process does, however it ends.
 *
 * tcpdump is started as {@linkcode captureCommand} says: with CAP_NET_RAW alone, and
 * killed by the kernel if its parent dies. Capturing needs root, or that capability:
 * where tcpdump cannot capture, {@linkcode Capture.start} says why instead.
 *
 * @example
 * ```ts
 * import { Capture } from "./capture.ts";
 * const capture = await Capture.start("tcp port 8001", (p) => console.log(p.flags, p.payload.length));
 * if (typeof capture === "string") console.log("no capture:", capture);
 * else { …; await capture.stop(); writeFileSync("tcp.pcap", capture.bytes()); capture.discard(); }
 * ```
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import {
  closeSync,
  createReadStream,
  mkdtempSync,
  openSync,
  readSync,
  rmdirSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { type Packet, PcapReader } from "./pcap.ts";
import { captureCommand } from "./run-as.ts";
import { installHint, toolPath } from "./tools.ts";

/** How long tcpdump may take to open the interface: it takes about 50 ms. */
const START_MS = 10_000;

/** The most of a capture kept on disk; later packets are still drawn, not kept. */
export const MAX_PCAP_BYTES = 256 * 1024 * 1024;

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
  readonly #closed: Promise<unknown>;
  /** The capture file, open, with no name. */
  #fd: number | undefined;
  #size = 0;
  /** Bytes not kept: the file had reached its limit. */
  dropped = 0;

  private constructor(child: ChildProcess, onPacket: (p: Packet) => void) {
    this.#child = child;
    this.#closed = once(child, "close");
    this.#fd = anonymousFile();
    const reader = new PcapReader();
    child.stdout?.on("data", (chunk: Buffer) => {
      this.#keep(chunk);
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
    if (!toolPath("tcpdump")) return installHint("tcpdump");
    const flags = ["-i", device, ...(immediate ? ["--immediate-mode"] : []), "-U", "-n", "-w", "-"];
    const [command = "tcpdump", ...args] = [
      ...prefix,
      ...captureCommand(),
      "tcpdump",
      ...flags,
      filter,
    ];
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
    capture.discard();
    return why.replace(/^tcpdump: /, "");
  }

  /** The process id of tcpdump. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The size of the capture so far, in bytes. */
  get size(): number {
    return this.#size;
  }

  /** Everything captured so far, as a .pcap file. */
  bytes(): Buffer {
    const bytes = Buffer.alloc(this.#size);
    if (this.#fd !== undefined) readSync(this.#fd, bytes, 0, this.#size, 0);
    return bytes;
  }

  /**
   * The capture so far as a stream, read from the file bit by bit (a download), through a
   * file descriptor of its own (the file has no name: /proc/self/fd opens it again).
   */
  stream(): Readable | undefined {
    if (this.#fd === undefined || this.#size === 0) return undefined;
    return createReadStream(`/proc/self/fd/${this.#fd}`, { start: 0, end: this.#size - 1 });
  }

  /** Stop tcpdump and wait until it has written its last packet. */
  async stop(): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null)
      this.#child.kill("SIGTERM");
    await this.#closed;
  }

  /** Give the file back: the capture is gone (after {@linkcode stop}). */
  discard(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  #keep(chunk: Buffer): void {
    if (this.#fd === undefined || this.#size + chunk.length > MAX_PCAP_BYTES) {
      this.dropped += chunk.length;
      return;
    }
    writeSync(this.#fd, chunk, 0, chunk.length, this.#size);
    this.#size += chunk.length;
  }
}

/** A new file, readable and writable by this process only, already removed from its folder. */
function anonymousFile(): number {
  const dir = mkdtempSync(join(tmpdir(), "tcp-udp-chat-pcap-"));
  const path = join(dir, "capture.pcap");
  const fd = openSync(path, "w+", 0o600);
  unlinkSync(path);
  rmdirSync(dir);
  return fd;
}
