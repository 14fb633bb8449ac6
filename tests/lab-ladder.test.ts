// The lab's ladder from what the scripts say (--trace) and what the wire carries: the
// trace lines read by verb and numbers (lab/trace.ts), each arrow tied to the statement
// that sent it (lab/lines.ts, lab/source-line.ts), the ladder itself (lab/ladder.ts), its
// label (lab/label.ts) and its Mermaid text (lab/mermaid.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ROOT, transcripts } from "../harness/procs.ts";
import { Recorder } from "../harness/recorder.ts";
import type { Arrow, LabEvent, PartyName } from "../lab/events.ts";
import { arrowLabel, hex } from "../lab/label.ts";
import { Ladder } from "../lab/ladder.ts";
import { LineMatcher } from "../lab/lines.ts";
import { mermaid } from "../lab/mermaid.ts";
import { ACK, FIN, PSH, SYN } from "../lab/pcap.ts";
import { sourceLine } from "../lab/source-line.ts";
import { parseTrace, type TraceEvent } from "../lab/trace.ts";
import type { KernelSocket } from "../shared/socket-table.ts";
import { tcp } from "./packets.ts";

/** `script:N`, the line of `script` that holds `statement`: as the trace names it. */
function at(script: string, statement: string): string {
  const lines = readFileSync(join(ROOT, script), "utf8").split("\n");
  return `${script}:${lines.findIndex((l) => l.includes(statement)) + 1}`;
}
const esc = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const CLIENT_CONNECT = at("tcp/client.ts", "await connect(client, ipPort)");
const CLIENT_SEND = at("tcp/client.ts", "send(client, toServerMsg)");
const CLIENT_CLOSE = at("tcp/client.ts", "close(client); // 23");
const SERVER_ACCEPT = at("tcp/server.ts", "await accept(server)");
const SERVER_RECV = at("tcp/server.ts", "await recv(conn, 1024)");
const SERVER_SEND = at("tcp/server.ts", "send(conn, toClientMsg)");
const SERVER_CLOSE = at("tcp/server.ts", "close(conn); // 26");

test("parseTrace reads each event by its verb, numbers, addresses and script line", () => {
  const send = parseTrace("[trace 08:43:21.153] send 6 bytes to 127.0.0.1:8124 (tcp/client.ts:40)");
  assert.equal(send, {
    clock: "08:43:21.153",
    ms: ((8 * 60 + 43) * 60 + 21) * 1000 + 153,
    verb: "send",
    text: "send 6 bytes to 127.0.0.1:8124",
    bytes: 6,
    addresses: ["127.0.0.1:8124"],
    ports: [8124],
    state: undefined,
    line: "tcp/client.ts:40",
    code: undefined,
  });
  const lines: [string, string, Partial<TraceEvent>][] = [
    ["listen on 127.0.0.1:8001, backlog 3 (tcp/server.ts:31)", "listen", { ports: [8001] }],
    ["accept 127.0.0.1:5000 (tcp/server.ts:35)", "accept", { ports: [5000] }],
    ["queue 127.0.0.1:5001: waits for its turn (1 of 3)", "queue", { ports: [5001] }],
    [
      "connected 127.0.0.1:5000 -> 127.0.0.1:8001 (tcp/client.ts:32)",
      "connected",
      { ports: [5000, 8001] },
    ],
    ["recv 2 bytes from 127.0.0.1:8001 (tcp/client.ts:47)", "recv", { bytes: 2 }],
    [
      "FIN to 127.0.0.1:5000: we close first (now FIN-WAIT-1) (tcp/server.ts:54)",
      "fin-to",
      { state: "FIN-WAIT-1", line: "tcp/server.ts:54" },
    ],
    [
      "FIN from 127.0.0.1:5000: the peer closes first, a half-close: it will send no more (now CLOSE-WAIT)",
      "fin-from",
      { state: "CLOSE-WAIT", line: undefined },
    ],
    ["close 127.0.0.1:5000", "close", {}],
    ["error ECONNRESET on 127.0.0.1:5000", "error", { code: "ECONNRESET" }],
    ["bind 127.0.0.1:8002 (udp/server.ts:30)", "bind", { ports: [8002] }],
    ["datagram in: 10 bytes from 127.0.0.1:40000", "datagram-in", { bytes: 10 }],
    ["recvfrom 10 bytes from 127.0.0.1:40000 (udp/server.ts:34)", "recvfrom", { bytes: 10 }],
    [
      "sendto 10 bytes to 127.0.0.1:8002 from 0.0.0.0:40000 (udp/client.ts:35)",
      "sendto",
      { ports: [8002, 40000], bytes: 10 },
    ],
    ["close the UDP socket", "other", {}],
    ["SIGINT: closing 1 socket(s), exit 130", "other", {}],
    [
      "sendto 4 bytes to [::1]:8002 from [::]:40000",
      "sendto",
      { addresses: ["[::1]:8002", "[::]:40000"] },
    ],
  ];
  for (const [event, verb, fields] of lines) {
    const parsed = parseTrace(`[trace 10:00:00.000] ${event}`);
    assert.is(parsed?.verb, verb, event);
    for (const [key, value] of Object.entries(fields)) {
      assert.equal(parsed?.[key as keyof typeof parsed], value, `${event}: ${key}`);
    }
  }
  assert.is(parseTrace("listening on 127.0.0.1:8001 (tcp)"), undefined);
  assert.is(parseTrace("来自宝宝的消息: [trace 10:00:00.000] send 1 bytes"), undefined);
});

test("LineMatcher pairs arrows and script lines in order, whichever comes first", () => {
  const lines = new LineMatcher();
  assert.is(lines.arrow("client send", 1), undefined);
  assert.is(lines.arrow("client send", 2), undefined);
  assert.is(lines.line("client send", CLIENT_SEND), 1);
  assert.is(lines.line("server send", SERVER_SEND), undefined);
  assert.is(lines.arrow("server send", 3), SERVER_SEND);
  assert.is(lines.line("client send", CLIENT_SEND), 2);
});

test("sourceLine names the statement a script line holds, without its comment", () => {
  assert.is(sourceLine(CLIENT_SEND), `${CLIENT_SEND} send(client, toServerMsg)`);
  assert.is(sourceLine(SERVER_ACCEPT), `${SERVER_ACCEPT} accept(server)`);
  assert.is(sourceLine(CLIENT_CONNECT), `${CLIENT_CONNECT} connect(client, ipPort)`);
  assert.is(sourceLine("udp/nowhere.ts:1"), "udp/nowhere.ts:1");
});

/**
 * A ladder and what it emits; `until` waits (the trace mode holds events a moment). `table`
 * stands for the kernel's table of sockets (none unless given).
 */
function ladder(
  kind: "tcp" | "udp",
  source: "wire" | "trace",
  table: () => KernelSocket[] | undefined = () => undefined,
) {
  const events: LabEvent[] = [];
  const seen = new Recorder("ladder", transcripts);
  const l = new Ladder(
    kind,
    source,
    (e) => {
      events.push(e);
      seen.wake();
    },
    table,
  );
  const arrows = () => events.flatMap((e) => (e.kind === "arrow" ? [e.arrow] : []));
  const until = (n: number, deadlineMs = 2000) =>
    seen.until(() => arrows().length >= n, `${n} arrows`, false, deadlineMs);
  const states = () => events.flatMap((e) => (e.kind === "state" ? [`${e.party} ${e.state}`] : []));
  const trace = (party: PartyName, time: string, event: string) => {
    const parsed = parseTrace(`[trace 10:00:${time}] ${event}`);
    if (parsed) l.trace(party, parsed);
  };
  /** Wait until the states emitted include `want` (the table is read every 100 ms). */
  const stateSeen = (want: string) =>
    seen.until(() => states().includes(want), `the state ${want}`, false, 3000);
  return { l, events, arrows, until, trace, states, stateSeen };
}

const labels = (arrows: Arrow[]) => arrows.map((a) => a.label);

/** A row of the kernel's table, as socket-table.ts gives it. */
const row = (localPort: number, remotePort: number, state: string): KernelSocket => ({
  localPort,
  remotePort,
  state,
  recvQ: 0,
  sendQ: 0,
  timer: undefined,
  drops: 0,
});

test("Ladder without a capture: a script killed outright still has its FIN drawn (from its peer's report), and each pane's state follows the kernel's table after the script ends", async () => {
  let table = [row(8001, 0, "LISTEN")];
  const { l, arrows, until, trace, states, stateSeen } = ladder("tcp", "trace", () => table);
  l.listening(8001);
  l.clientStarted("client");
  trace("server", "01.000", `accept 127.0.0.1:5000 (${SERVER_ACCEPT})`);
  trace("client", "01.001", `connected 127.0.0.1:5000 -> 127.0.0.1:8001 (${CLIENT_CONNECT})`);
  table = [row(8001, 0, "LISTEN"), row(8001, 5000, "ESTABLISHED"), row(5000, 8001, "ESTABLISHED")];
  await until(3);
  // the server is killed (SIGKILL): it traces nothing; the client hears its FIN
  trace(
    "client",
    "02.000",
    "FIN from 127.0.0.1:8001: the peer closes first: it will send no more (now CLOSE-WAIT)",
  );
  table = [row(8001, 5000, "FIN-WAIT-2"), row(5000, 8001, "CLOSE-WAIT")];
  await until(4);
  const fin = arrows()[3];
  assert.is(`${fin?.from}→${fin?.to} ${fin?.name}`, "server→client FIN-ACK");
  assert.match(fin?.label ?? "", /服务端先关闭/);
  // the client closes in its turn; then the kernel keeps only the server's side, then nothing
  trace(
    "client",
    "03.000",
    `FIN to 127.0.0.1:8001: we close second: the peer's FIN had come first (now LAST-ACK) (${CLIENT_CLOSE})`,
  );
  await until(5);
  table = [row(8001, 5000, "TIME-WAIT")];
  await stateSeen("server TIME-WAIT");
  table = [];
  await stateSeen("server CLOSED");
  assert.is(states().at(-1), "server CLOSED");
  assert.ok(states().includes("client CLOSED"), states().join("\n"));
  l.stop();
});

const names = (arrows: Arrow[]) => arrows.map((a) => `${a.from} ${a.name}`);

test("Ladder without a capture draws the arrows the trace implies, FINs in the kernel's order", async () => {
  const { l, arrows, until, trace, states } = ladder("tcp", "trace");
  l.listening(8001);
  l.clientStarted("client");
  trace("server", "00.000", "listen on 127.0.0.1:8001, backlog 3 (tcp/server.ts:31)");
  trace("server", "01.000", `accept 127.0.0.1:5000 (${SERVER_ACCEPT})`);
  trace("client", "01.001", `connected 127.0.0.1:5000 -> 127.0.0.1:8001 (${CLIENT_CONNECT})`);
  l.typed("client", "你好");
  trace("client", "02.000", `send 6 bytes to 127.0.0.1:8001 (${CLIENT_SEND})`);
  trace("server", "02.001", `recv 6 bytes from 127.0.0.1:5000 (${SERVER_RECV})`);
  // the server's stamp comes first, but the kernel says its FIN went second
  trace(
    "server",
    "03.000",
    `FIN to 127.0.0.1:5000: we close second (now CLOSED) (${SERVER_CLOSE})`,
  );
  trace(
    "client",
    "03.004",
    `FIN to 127.0.0.1:8001: we close first (now TIME-WAIT) (${CLIENT_CLOSE})`,
  );
  await until(6);
  const [syn, synAck, ack, data, fin1, fin2] = arrows() as Arrow[];
  assert.equal(
    [syn, synAck, ack, data, fin1, fin2].map(
      (a) => `${a?.from}→${a?.to} ${a?.name} ${a?.seq} ${a?.ack}`,
    ),
    [
      "client→server SYN 0 undefined",
      "server→client SYN-ACK 0 1",
      "client→server ACK 1 1",
      "client→server PSH-ACK 1 undefined", // the ACK numbers after the handshake are not in the trace
      "client→server FIN-ACK 7 undefined",
      "server→client FIN-ACK 1 undefined",
    ],
  );
  assert.ok(arrows().every((a) => a.inferred));
  assert.match(
    data?.label ?? "",
    new RegExp(
      `len 6 · data: 6 bytes .* · "你好" e4 bd a0 e5 a5 bd · ${esc(CLIENT_SEND)} send\\(client, toServerMsg\\) · from the --trace`,
    ),
  );
  assert.match(
    fin1?.label ?? "",
    new RegExp(`first wave \\/ 客户端先关闭：第一次挥手 · ${esc(CLIENT_CLOSE)} close\\(client\\)`),
  );
  assert.match(fin2?.label ?? "", /third wave/);
  assert.not.ok(
    arrows().some((a) => a.label.includes("acknowledges")),
    "no ACK the trace cannot see",
  );
  assert.equal(states(), [
    "server LISTEN",
    "server ESTABLISHED",
    "client ESTABLISHED",
    "client TIME-WAIT",
    "server CLOSED",
  ]);
  l.stop();
});

test("Ladder without a capture: a FIN sent second waits for the trace of the FIN that went first", async () => {
  const { l, arrows, until, trace } = ladder("tcp", "trace");
  l.listening(8001);
  l.clientStarted("client");
  trace("server", "01.000", `accept 127.0.0.1:5000 (${SERVER_ACCEPT})`);
  trace("client", "01.001", `connected 127.0.0.1:5000 -> 127.0.0.1:8001 (${CLIENT_CONNECT})`);
  l.typed("client", "byebye");
  trace("client", "02.000", `send 6 bytes to 127.0.0.1:8001 (${CLIENT_SEND})`);
  // the client was paused between its send and its close: the server closed first, and
  // its trace line comes late, after the events before it have been drawn
  trace(
    "client",
    "02.050",
    `FIN to 127.0.0.1:8001: we close second (now LAST-ACK) (${CLIENT_CLOSE})`,
  );
  await until(4);
  assert.equal(names(arrows()), ["client SYN", "server SYN-ACK", "client ACK", "client PSH-ACK"]);
  trace(
    "server",
    "02.040",
    `FIN to 127.0.0.1:5000: we close first (now FIN-WAIT-2) (${SERVER_CLOSE})`,
  );
  await until(6);
  assert.equal(names(arrows()).slice(4), ["server FIN-ACK", "client FIN-ACK"]);
  assert.match(arrows()[4]?.label ?? "", /first wave/);
  // a FIN whose peer's never shows in the trace (the peer was killed) is drawn all the same
  l.clientStarted("client2");
  trace("client2", "03.000", `connected 127.0.0.1:5001 -> 127.0.0.1:8001 (${CLIENT_CONNECT})`);
  trace(
    "client2",
    "03.010",
    `FIN to 127.0.0.1:8001: we close second (now CLOSED) (${CLIENT_CLOSE})`,
  );
  await until(10, 3 * 2000);
  assert.equal(names(arrows()).slice(9), ["client2 FIN-ACK"]);
  l.stop();
});

test("Ladder on the wire draws each segment and adds its script line when the trace tells it", async () => {
  const { l, events, arrows, until, trace, states } = ladder("tcp", "wire");
  l.listening(8001);
  l.clientStarted("client");
  trace("server", "00.000", "listen on 127.0.0.1:8001, backlog 3 (tcp/server.ts:31)");
  l.packet(tcp("client", SYN, 100, 0));
  l.packet(tcp("server", SYN | ACK, 500, 101));
  trace("client", "01.001", `connected 127.0.0.1:5000 -> 127.0.0.1:8001 (${CLIENT_CONNECT})`);
  l.packet(tcp("client", ACK, 101, 501));
  trace("client", "02.000", `send 6 bytes to 127.0.0.1:8001 (${CLIENT_SEND})`); // before its segment
  l.packet(tcp("client", PSH | ACK, 101, 501, "你好"));
  l.packet(tcp("server", FIN | ACK, 501, 107));
  await until(5);
  assert.equal(labels(arrows()).slice(0, 4), [
    `client → server: SYN [S] seq 0 len 0 · SYN: first handshake / 第一次握手 · ${CLIENT_CONNECT} connect(client, ipPort)`,
    "server → client: SYN-ACK [S.] seq 0 ack 1 len 0 · SYN-ACK: second handshake / 第二次握手",
    "client → server: ACK [.] seq 1 ack 1 len 0 · ACK: third handshake / 第三次握手",
    `client → server: PSH-ACK [P.] seq 1 ack 1 len 6 · data: 6 bytes from the client / 数据：客户端发来 6 字节 · "你好" e4 bd a0 e5 a5 bd · ${CLIENT_SEND} send(client, toServerMsg)`,
  ]);
  // the connect line came after the SYN was drawn: a line event told the pages
  const update = events.find((e) => e.kind === "line");
  assert.equal(update && update.kind === "line" && [update.id, update.line], [
    1,
    `${CLIENT_CONNECT} connect(client, ipPort)`,
  ]);
  trace(
    "server",
    "03.000",
    `FIN to 127.0.0.1:5000: we close first (now FIN-WAIT-1) (${SERVER_CLOSE})`,
  );
  assert.match(arrows()[4]?.label ?? "", new RegExp(`${esc(SERVER_CLOSE)} close\\(conn\\)$`));
  assert.equal(states(), [
    "server LISTEN",
    "client SYN-SENT",
    "server SYN-RECEIVED",
    "client ESTABLISHED",
    "server ESTABLISHED",
    "client CLOSE-WAIT",
    "server FIN-WAIT-1",
  ]);
});

test("Ladder gives a second client its own lifeline, by the port it connects from", async () => {
  const { l, arrows, until } = ladder("tcp", "wire");
  l.listening(8001);
  l.clientStarted("client");
  l.packet(tcp("client", SYN, 100, 0));
  l.clientStarted("client2");
  l.packet({ ...tcp("client", SYN, 900, 0), sport: 5001 });
  l.packet({ ...tcp("server", SYN | ACK, 300, 901), dport: 5001 });
  await until(3);
  assert.equal(
    arrows().map((a) => `${a.from}→${a.to} ${a.name}`),
    ["client→server SYN", "client2→server SYN", "server→client2 SYN-ACK"],
  );
});

test("Ladder shows a UDP datagram's sender as recvfrom prints it, and no TCP state", async () => {
  const { l, events, arrows, until, trace } = ladder("udp", "trace");
  l.listening(8002);
  l.clientStarted("client");
  l.typed("client", "你好 udp");
  trace("server", "00.000", "bind 127.0.0.1:8002 (udp/server.ts:30)");
  trace(
    "client",
    "01.000",
    "sendto 10 bytes to 127.0.0.1:8002 from 0.0.0.0:40000 (udp/client.ts:35)",
  );
  await until(1);
  const [datagram] = arrows();
  assert.equal(
    [datagram?.from, datagram?.to, datagram?.name, datagram?.address],
    ["client", "server", "UDP", "('127.0.0.1', 40000)"],
  );
  assert.match(
    datagram?.label ?? "",
    /^client → server: UDP len 10 · from \('127\.0\.0\.1', 40000\) · datagram: 10 bytes/,
  );
  assert.not.ok(events.some((e) => e.kind === "state"));
});

test("arrowLabel and hex write an arrow as one line of text", () => {
  assert.is(hex(Buffer.from("你好")), "e4 bd a0 e5 a5 bd");
  assert.is(hex(Buffer.alloc(30)), `${Array(24).fill("00").join(" ")} …`);
  const arrow = {
    id: 1,
    ms: 0,
    from: "server",
    to: "client",
    kernel: true,
    name: "ICMP",
    flags: "ICMP",
    bytes: 0,
    hex: "",
    text: "",
  };
  const roles = [{ en: "ICMP port unreachable", zh: "端口不可达" }];
  assert.is(
    arrowLabel({ ...arrow, roles, inferred: false } as Omit<Arrow, "label">),
    "kernel → client: ICMP len 0 · ICMP port unreachable / 端口不可达",
  );
});

test("mermaid writes the ladder as a sequence diagram, with ; and # as codes", () => {
  const arrow = {
    id: 1,
    ms: 0,
    from: "client",
    to: "server",
    kernel: false,
    name: "PSH-ACK",
    flags: "P.",
    seq: 1,
    ack: 1,
    bytes: 4,
    roles: [{ en: "data: 4 bytes from the client", zh: "数据" }],
    hex: "",
    text: "a;#b",
    inferred: true,
    label: "",
  } as const;
  const text = mermaid([
    { kind: "state", party: "server", state: "LISTEN" },
    { kind: "arrow", arrow: { ...arrow, roles: [...arrow.roles] } },
  ]);
  assert.is(
    text,
    "sequenceDiagram\n" +
      "  participant client as 宝宝 (client)\n" +
      "  participant server as 高望 (server)\n" +
      "  Note over server: LISTEN\n" +
      '  client-->>server: PSH-ACK seq 1 ack 1 len 4 · data: 4 bytes from the client / 数据 · "a#59;#35;b"\n',
  );
});

test.run();
