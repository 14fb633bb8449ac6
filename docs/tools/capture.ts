// tcp-udp-chat: watch the segments of one real conversation on the loopback interface.
// Run:  make capture                        (TCP: handshake, data, ACKs, teardown)
//       make capture-udp                    (UDP: datagrams and nothing else)
//       make capture-udp ARGS=--no-server   (UDP to a port no program has: the kernel's reply)
//       make capture-frame                  (three framed messages in one segment: 粘包)
// It starts tcp/server.ts (or udp/server.ts) on a free port, runs tcpdump -i lo on that
// port, plays a short scripted exchange with the client, and prints each segment with its
// role and its relative sequence and acknowledgement numbers. It also writes what tcpdump
// captured as a .pcap file (Wireshark and `tcpdump -r` open it): in .cache/captures/, or
// where --pcap FILE says. tcpdump needs root (a packet socket on lo, which takes CAP_NET_RAW):
// run as root or with sudo.
import { createSocket } from "node:dgram";
import { once } from "node:events";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { ROOT, reapAll, spawnScript, startServer, transcripts } from "../../harness/procs.ts";
import { Recorder } from "../../harness/recorder.ts";
import { toolArgs } from "../../harness/tool-args.ts";
import { haveTool } from "../../harness/tools.ts";
import { annotate, type Segment, table, tornDown } from "../../lab/annotate.ts";
import { Capture, filterFor } from "../../lab/capture.ts";
import type { Packet } from "../../lab/pcap.ts";

const USAGE = `usage: make capture | make capture-udp | make capture-frame [ARGS="--no-server --pcap FILE"]
  one real conversation on lo under tcpdump, each segment named (needs root)
  --udp        the UDP pair instead of the TCP pair (make capture-udp)
  --no-server  UDP to a port no program has: the kernel's ICMP reply
  --frame      the framing pair, three messages in one segment (make capture-frame)
  --pcap FILE  where to write the capture (default .cache/captures/)
  -h, --help   print this help and exit
`;
const values = toolArgs("capture", USAGE, {
  udp: { type: "boolean", default: false },
  "no-server": { type: "boolean", default: false },
  frame: { type: "boolean", default: false },
  pcap: { type: "string" },
});
const kind = values.udp ? "udp" : "tcp";
const noServer = values["no-server"] === true;
const frame = values.frame === true; // the framing pair: tcp/frame-server.ts and tcp/frame-client.ts
const name = frame ? "frame" : `${kind}${noServer ? "-no-server" : ""}`;
const [serverScript, clientScript] = frame
  ? ["tcp/frame-server.ts", "tcp/frame-client.ts"]
  : [`${kind}/server.ts`, `${kind}/client.ts`];
const framing = frame ? ["--frame", "length"] : [];
const pcapFile = String(values.pcap ?? join(ROOT, ".cache/captures", `${name}.pcap`));

if (!haveTool("tcpdump")) {
  process.stderr.write("make capture needs tcpdump: sudo apt-get install -y tcpdump\n");
  process.exit(1);
}
if (process.getuid?.() !== 0) {
  process.stderr.write(
    "make capture needs root: tcpdump captures on lo through a packet socket (AF_PACKET), which needs CAP_NET_RAW. Try: sudo make capture\n",
  );
  process.exit(1);
}

let capture: Capture | string | undefined;
try {
  const server = noServer ? undefined : await startServer(serverScript, framing, "server");
  const port = server?.port ?? (await freeUdpPort());
  const packets: Packet[] = [];
  const wire = new Recorder("tcpdump", transcripts); // wakes a wait at each packet
  capture = await Capture.start(filterFor(kind, port), (p) => {
    packets.push(p);
    wire.wake();
  });
  if (typeof capture === "string") throw new Error(`tcpdump cannot capture: ${capture}`);
  const segments = () => annotate(packets, port);
  const until = (done: (s: Segment[]) => boolean, what: string) =>
    wire.until(() => done(segments()), what);
  const client = spawnScript(clientScript, ["--port", String(port), ...framing], "client");
  if (frame) {
    client.child.stdin?.end("你好\nhello\nbyebye\n"); // three messages, sent in one write
    await until(tornDown, "the last ACK of the teardown");
  } else if (noServer) {
    client.write("你好 udp");
    await until((s) => s.some((x) => x.flags === "ICMP"), "ICMP port unreachable");
  } else if (kind === "udp") {
    client.write("你好 udp");
    await server?.proc.waitFor("stdout", "服务端说;");
    server?.proc.write("hi");
    await client.waitFor("stdout", "客户端说:", 2);
    await until((s) => s.length >= 2, "two datagrams");
  } else {
    client.write("你好");
    await server?.proc.waitFor("stdout", "高望>>>");
    server?.proc.write("hi");
    await client.waitFor("stdout", "宝宝说:", 2);
    client.write("byebye");
    await until(tornDown, "the last ACK of the teardown");
  }
  await capture.stop(); // tcpdump writes its last packet
  const found = segments();
  const clientPort = found[0]?.clientPort;
  const datagrams = found.filter((s) => s.flags === "UDP").length;
  const count =
    kind === "tcp"
      ? `${found.length} segments`
      : `${datagrams} datagram${datagrams === 1 ? "" : "s"}${noServer ? " and the kernel's answer" : ""}`;
  const peer = noServer ? `no program on port ${port}` : `${serverScript} (port ${port})`;
  process.stdout.write(
    `${kind.toUpperCase()} on lo: ${clientScript} (port ${clientPort}) and ${peer}, ${count}\n` +
      table(found, noServer ? `port ${port}` : "server"),
  );
  mkdirSync(dirname(pcapFile), { recursive: true });
  writeFileSync(pcapFile, capture.bytes());
  const shown = relative(process.cwd(), pcapFile);
  process.stderr.write(
    `the capture is in ${shown}: open it in Wireshark, or: tcpdump -r ${shown}\n`,
  );
} finally {
  if (typeof capture === "object") await capture.stop();
  await reapAll();
}

/** A UDP port that no program had a moment ago. */
async function freeUdpPort(): Promise<number> {
  const probe = createSocket("udp4").bind(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address();
  probe.close();
  return port;
}
