// tcp-udp-chat: watch the segments of one real conversation on the loopback interface.
// Run:  make capture        (TCP: handshake, data, ACKs, teardown)
//       make capture-udp    (UDP: datagrams and nothing else)
// It starts tcp/server.ts (or udp/server.ts) on a free port, runs tcpdump -i lo on that
// port, plays a short scripted exchange with the client, and prints each segment with
// its role. tcpdump needs root (it opens a raw socket on lo): run as root or with sudo.
import { reapAll, spawnProgram, spawnScript, startServer } from "../../harness/procs.ts";
import { haveTool } from "../../harness/tools.ts";
import { annotate, annotateUdp, type Segment, table, tornDown } from "./annotate.ts";

const udp = process.argv.includes("--udp");

if (!haveTool("tcpdump")) {
  process.stderr.write("make capture needs tcpdump: sudo apt-get install -y tcpdump\n");
  process.exit(1);
}
if (process.getuid?.() !== 0) {
  process.stderr.write(
    "make capture needs root: tcpdump opens a raw socket on lo. Try: sudo make capture\n",
  );
  process.exit(1);
}

try {
  const kind = udp ? "udp" : "tcp";
  const { proc: server, port } = await startServer(`${kind}/server.ts`, [], "server");
  const dump = spawnProgram("tcpdump", [
    "tcpdump",
    "-i",
    "lo",
    "-n",
    "-l",
    "-tt",
    `${kind} port ${port}`,
  ]);
  await dump.waitFor("stderr", "listening on lo");
  const client = spawnScript(`${kind}/client.ts`, ["--port", String(port)], "client");
  const lines = () => dump.stdout.split("\n");
  let segments: Segment[];
  if (udp) {
    client.write("你好 udp");
    await server.waitFor("stdout", "服务端说;");
    server.write("hi");
    await client.waitFor("stdout", "客户端说:", 2);
    await dump.out.until(() => annotateUdp(lines(), port).length >= 2, "two datagrams");
    segments = annotateUdp(lines(), port);
  } else {
    client.write("你好");
    await server.waitFor("stdout", "高望>>>");
    server.write("hi");
    await client.waitFor("stdout", "宝宝说:", 2);
    client.write("byebye");
    await dump.out.until(() => tornDown(annotate(lines(), port)), "the last ACK of the teardown");
    segments = annotate(lines(), port);
  }
  const clientPort = /127\.0\.0\.1\.(\d+) >/.exec(
    dump.stdout.split("\n").find((l) => !l.includes(`.${port} >`)) ?? "",
  )?.[1];
  process.stdout.write(
    `${kind.toUpperCase()} on lo: ${kind}/client.ts (port ${clientPort}) and ${kind}/server.ts (port ${port}), ` +
      `${segments.length} ${udp ? "datagrams" : "segments"}\n${table(segments)}`,
  );
} finally {
  await reapAll();
}
