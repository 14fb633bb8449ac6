/**
 * tcpdump on one device of one network namespace of a {@linkcode LossyNetwork}
 * (lab/capture.ts does the capturing), its packets kept as they come: the loss lesson's
 * eyes on the wire (docs/14-loss.md). A wait for a packet has a deadline and shows the
 * transcripts of every process when it runs out.
 *
 * @example
 * ```ts
 * import { Tap } from "./tap.ts";
 * const sent = await Tap.open(net, "network", "r0", "tcp port 8001"); // what left the client
 * await sent.carrying("message 1"); // the packet, once tcpdump has seen it
 * writeFileSync("sent.pcap", await sent.stop());
 * ```
 * @module
 */
import { transcripts } from "../../harness/procs.ts";
import { Recorder } from "../../harness/recorder.ts";
import { Capture } from "../../lab/capture.ts";
import type { Packet } from "../../lab/pcap.ts";
import { type LossyNetwork, type Place, SERVER_IP } from "./netns.ts";

export class Tap {
  readonly packets: Packet[] = [];
  /** Called with each packet as it is captured. */
  readonly listeners: ((p: Packet) => void)[] = [];
  readonly name: string;
  readonly #wire = new Recorder("tcpdump", transcripts);
  #capture: Capture | undefined;

  private constructor(dev: string) {
    this.name = `tcpdump on ${dev}`;
  }

  /** tcpdump on `dev` inside `place`, listening for what `filter` matches. */
  static async open(net: LossyNetwork, place: Place, dev: string, filter: string): Promise<Tap> {
    const tap = new Tap(dev);
    const on = { device: dev, prefix: net.inside(place, []), immediate: true };
    const capture = await Capture.start(
      filter,
      (p) => {
        tap.packets.push(p);
        for (const listener of tap.listeners) listener(p);
        tap.#wire.wake();
      },
      on,
    );
    if (typeof capture === "string") throw new Error(`${tap.name}: ${capture}`);
    tap.#capture = capture;
    return tap;
  }

  /** Stop tcpdump once it has written its last packet; what it captured, as a .pcap file. */
  async stop(): Promise<Buffer> {
    await this.#capture?.stop();
    return this.#capture?.bytes() ?? Buffer.alloc(0);
  }

  /** Wait until a packet from the client carries `text`; that packet. */
  async carrying(text: string): Promise<Packet> {
    const find = () => this.packets.find((p) => p.src !== SERVER_IP && p.payload.includes(text));
    await this.#wire.until(() => find() !== undefined, `"${text}" on ${this.name}`);
    return find() as Packet;
  }

  /** Wait until `done(packets)` holds, `what` naming it for the error when it never does. */
  async until(done: (packets: Packet[]) => boolean, what: string, deadlineMs?: number) {
    await this.#wire.until(() => done(this.packets), `${what} on ${this.name}`, false, deadlineMs);
  }

  has(text: string): boolean {
    return this.packets.some((p) => p.src !== SERVER_IP && p.payload.includes(text));
  }
}
