// The chapters after the mirrors, run as a learner runs them: ss against the mirror and
// against a listener that accepts once (lesson 11), a half-close from nc -N (12), connected
// UDP and a stranger's datagram (13), datagrams lost on purpose (14), and what the mirrors
// do where there is no /proc and the console is not UTF-8 (16). Each shell command comes
// from its lesson's `<!-- run: NAME -->` block, with the article's port made the test's.
import { createSocket } from "node:dgram";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { freePort, freeUdpPort } from "../harness/ports.ts";
import {
  type Proc,
  readPort,
  reapAll,
  spawnProgram,
  spawnScript,
  startServer,
} from "../harness/procs.ts";
import { testUnless } from "../harness/skip.ts";
import { haveTool, installHint, missingTools } from "../harness/tools.ts";
import { tcpSilence, udpSilence } from "../shared/silence.ts";
import { byebye, turn } from "./chat.ts";
import { runBlock } from "./doc-blocks.ts";
import { rawUdp } from "./peers.ts";
import { type TcpSocket, tcpSockets, waitForSockets, waitForState } from "./tcp-states.ts";

test.after.each(reapAll);

/** A lesson's command, run by bash as a reader's shell would run it. */
function sh(name: string, command: string): Proc {
  return spawnProgram(name, ["bash", "-c", command]);
}

/** A command that starts jobs in the background (`&`): bash waits for them, so they are reaped with it. */
function withJobs(name: string, command: string): Proc {
  return sh(name, `${command}wait\n`);
}

interface Row {
  state: string | undefined;
  recvQ: number;
  sendQ: number;
  local: string;
  peer: string;
  rest: string;
}

/** Run an `ss` command of a lesson; its rows (ss leaves out the State column under a state filter). */
async function ss(name: string, command: string): Promise<Row[]> {
  const proc = sh(name, command);
  assert.equal(await proc.waitExit(), { code: 0, signal: null }, proc.transcript());
  const rows: Row[] = [];
  let withState = true;
  for (const line of proc.stdout.split("\n")) {
    if (/^(State|Recv-Q)\s/.test(line)) {
      withState = line.startsWith("State");
      continue;
    }
    const cells = line.trim().split(/\s+/);
    if (cells.length < 4) continue;
    const state = withState ? cells.shift() : undefined;
    const [recvQ = "", sendQ = "", local = "", peer = "", ...rest] = cells;
    rows.push({
      state,
      recvQ: Number(recvQ),
      sendQ: Number(sendQ),
      local,
      peer,
      rest: rest.join(" "),
    });
  }
  return rows;
}

const portOf = (address: string) => Number(address.split(":").at(-1));

/** A setting of this network namespace's kernel (`net/ipv4/…`), or undefined where it has none. */
function readSysctl(path: string): string | undefined {
  try {
    return readFileSync(`/proc/sys/${path}`, "utf8").trim();
  } catch {
    return undefined;
  }
}

const HALF_CLOSE =
  /will send no more \(it exited, or half-closed: TCP cannot tell until we send\)\n/;

const noSs = missingTools(["ss", "nc"]);
if (noSs.length > 0 && process.env.CI === "true") {
  test("CI has ss and nc for the lessons on sockets", () => assert.unreachable(installHint(noSs)));
}
const ssTest = testUnless(noSs.length > 0 ? installHint(noSs) : undefined, "the ss lessons' tests");

ssTest(
  "ss shows the mirror's listening socket and six clients: one served, four waiting with their bytes unread, the sixth reset; /proc agrees",
  async () => {
    const { proc: server, port } = await startServer("tcp/server.ts", [], "server");
    const p = { "8001": String(port) };
    const [listening] = await ss("ss -ltn", runBlock("listen", p));
    assert.equal(
      [listening?.state, listening?.recvQ, listening?.sendQ, listening?.local],
      ["LISTEN", 0, 3, `127.0.0.1:${port}`],
    );
    withJobs("six clients", runBlock("six-clients", p));
    await server.waitFor("stdout", /来自宝宝的消息: client \d\n高望>>>/);
    await server.waitFor("stderr", /turned away 127\.0\.0\.1:\d+: 4 clients already wait/);
    const waiting = (all: TcpSocket[]) =>
      all.filter((s) => s.localPort === port && s.state === "ESTABLISHED" && s.recvQ === 8);
    await waitForSockets((all) => waiting(all).length === 4, "4 clients' bytes unread");
    // `sport = :PORT` matches the port on any address: a socket of a test running beside
    // this one, on [::1], may have the same number. The server's own are on 127.0.0.1.
    const all = await ss("ss -tn", runBlock("queue", p));
    const rows = all.filter((r) => r.local === `127.0.0.1:${port}`);
    assert.equal(
      rows.map((r) => `${r.state} ${r.recvQ}`).sort(),
      ["ESTAB 0", "ESTAB 8", "ESTAB 8", "ESTAB 8", "ESTAB 8"],
      JSON.stringify(all),
    );
    assert.is(
      new Set(rows.map((r) => r.peer)).size,
      5,
      "five 4-tuples, told apart by the peer's port",
    );
    // /proc/net/tcp (shared/socket-table.ts) holds the same numbers
    const proc = tcpSockets();
    for (const row of rows) {
      const same = proc.find((s) => s.localPort === port && s.remotePort === portOf(row.peer));
      assert.equal([same?.recvQ, same?.sendQ], [row.recvQ, row.sendQ], row.peer);
    }
    const [still] = await ss("ss -ltn", runBlock("listen", p));
    assert.is(still?.recvQ, 0, "Node has accepted them all: the kernel's accept queue is empty");
  },
);

ssTest(
  "ss shows TIME-WAIT, with its 60 s timer, on the side that closed first after byebye",
  async () => {
    const { proc: server, port } = await startServer("tcp/server.ts", [], "server");
    const client = spawnScript("tcp/client.ts", ["--port", String(port), "--trace"], "client");
    const pair = { kind: "tcp", server, client } as const;
    await turn(pair, "你好", "hi");
    await byebye(pair);
    const mine = Number(/connected 127\.0\.0\.1:(\d+) ->/.exec(client.stderr)?.[1]);
    const ours = (s: { localPort: number; remotePort: number }) =>
      (s.localPort === mine && s.remotePort === port) ||
      (s.localPort === port && s.remotePort === mine);
    await waitForSockets(
      (all) => all.some((s) => ours(s) && s.state === "TIME-WAIT"),
      "our connection in TIME-WAIT",
    );
    const rows = await ss("ss -tno", runBlock("time-wait", { "8001": String(port) }));
    const row = rows.find(
      (r) => [portOf(r.local), portOf(r.peer)].sort().join() === [mine, port].sort().join(),
    );
    const seconds = Number(/timer:\(timewait,(\d+)sec,0\)/.exec(row?.rest ?? "")?.[1]);
    assert.ok(seconds > 40 && seconds <= 60, `${JSON.stringify(row)} in ${JSON.stringify(rows)}`);
  },
);

ssTest(
  "a half-close from nc -N: ss shows CLOSE-WAIT on the server and FIN-WAIT-2 on nc; the answer still arrives; nc's side ends in TIME-WAIT",
  async () => {
    const { proc: server, port } = await startServer("tcp/server.ts", [], "server");
    const p = { "8001": String(port) };
    const nc = sh("nc -N", runBlock("half-close", p));
    await server.waitFor("stdout", "来自宝宝的消息: hi, then FIN\n高望>>>");
    await server.waitFor("stderr", HALF_CLOSE);
    // nc's FIN is acknowledged a moment later: Linux delays that ACK, hoping data will carry it
    await waitForState({ remotePort: port }, "FIN-WAIT-2");
    const rows = await ss("ss -tn", runBlock("half-close-ss", p));
    const serverSide = rows.find((r) => r.local === `127.0.0.1:${port}`);
    const ncSide = rows.find((r) => r.peer === `127.0.0.1:${port}`);
    assert.is(serverSide?.state, "CLOSE-WAIT", JSON.stringify(rows));
    assert.is(ncSide?.state, "FIN-WAIT-2", JSON.stringify(rows));
    server.write("still heard"); // the half-closed side still reads
    assert.equal(await nc.waitExit(), { code: 0, signal: null }, nc.transcript());
    assert.is(nc.stdout, "still heard");
    await waitForState({ localPort: portOf(ncSide?.local ?? ""), remotePort: port }, "TIME-WAIT");
  },
);

const noQueue = missingTools(["ss", "nc", "python3"]);
if (noQueue.length > 0 && process.env.CI === "true") {
  test("CI has python3 for the accept-queue lesson", () =>
    assert.unreachable(installHint(noQueue)));
}
const queueTest = testUnless(
  noQueue.length > 0 ? installHint(noQueue) : undefined,
  "the kernel's own accept queue: test",
);

queueTest(
  "ss shows the kernel's own accept queue under a listener that accepts once: Recv-Q 4 of backlog 3, the sixth client's SYN unanswered",
  async () => {
    const port = await freePort();
    const p = { "8001": String(port) };
    sh("python listener", runBlock("python-listener", p));
    await waitForSockets(
      (all) => all.some((s) => s.localPort === port && s.state === "LISTEN"),
      "the Python listener",
    );
    withJobs("six clients", runBlock("six-clients", p));
    await waitForSockets(
      (all) =>
        all.some((s) => s.localPort === port && s.state === "LISTEN" && s.recvQ === 4) &&
        all.some((s) => s.remotePort === port && s.state === "SYN-SENT"),
      "4 connections in the kernel's queue and one SYN unanswered",
      undefined,
      (s) => s.localPort === port || s.remotePort === port,
    );
    const rows = await ss("ss", runBlock("python-queue", p));
    const listening = rows.find((r) => r.state === "LISTEN");
    assert.equal([listening?.recvQ, listening?.sendQ], [4, 3], JSON.stringify(rows));
    const unanswered = rows.filter((r) => r.state === undefined && portOf(r.peer) === port);
    assert.is(unanswered.length, 1, JSON.stringify(rows)); // ss -tn state syn-sent
    // its kernel sends the SYN again 1 s later; then ss's timer shows the wait before the next
    // copy: 1 s again where tcp_syn_linear_timeouts keeps the first waits equal (Linux 6.5 and
    // later), 2 s where they double from the start (lesson 14 times a whole schedule)
    // /proc/net/tcp's "tr:tm->when retrnsmt": the timer's time left, in 1/100 s, and the resends
    const timer = () => {
      for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
        const [, , remote = "", state, , when = "", resends = ""] = line.trim().split(/\s+/);
        if (state !== "02" || Number.parseInt(remote.split(":")[1] ?? "", 16) !== port) continue;
        const left = Number.parseInt(when.split(":")[1] ?? "", 16) * 10;
        return { left, resends: Number.parseInt(resends, 16) };
      }
      return undefined;
    };
    let after: { left: number; resends: number } | undefined;
    await waitForSockets(() => {
      after = timer();
      return (after?.resends ?? 0) >= 1;
    }, "the sixth client's SYN sent again");
    const linear = Number(readSysctl("net/ipv4/tcp_syn_linear_timeouts") ?? 0);
    const next = after?.left ?? 0;
    assert.ok(linear > 0 ? next <= 1000 : next > 1500, `linear ${linear}, next SYN in ${next} ms`);
    console.log(
      `the sixth SYN, sent again: the next copy in ${next} ms (linear timeouts ${linear})`,
    );
  },
);

test("after end(), Node refuses to write, Python's send fails with BrokenPipeError, and the other side can still send", async () => {
  // Node's sockets, made as the mirrors make theirs: a FIN is a half-close (allowHalfOpen)
  const server = createServer({ allowHalfOpen: true });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const a = connect({ host: "127.0.0.1", port, allowHalfOpen: true });
  const [b] = (await once(server, "connection")) as [Socket];
  try {
    a.end(); // shutdown(SHUT_WR)
    b.resume();
    await once(b, "end"); // B's recv: the end of the stream
    b.write("still heard");
    const [heard] = (await once(a, "data")) as [Buffer];
    assert.is(heard.toString(), "still heard", "A still reads");
    const refused = once(a, "error");
    a.write("more");
    const [err] = (await refused) as [NodeJS.ErrnoException];
    assert.is(err.code, "ERR_STREAM_WRITE_AFTER_END");
  } finally {
    a.destroy();
    b.destroy();
    server.close();
  }
  if (haveTool("python3")) {
    const python = spawnProgram("python3", [
      "python3",
      "-c",
      [
        "import socket",
        "a = socket.socket(); a.bind(('127.0.0.1', 0)); a.listen(1)",
        "b = socket.create_connection(a.getsockname()); c, _ = a.accept()",
        "b.shutdown(socket.SHUT_WR); assert c.recv(10) == b''",
        "c.send(b'still heard'); print(b.recv(100).decode())",
        "try:\n    b.send(b'more')\nexcept BrokenPipeError:\n    print('BrokenPipeError')",
      ].join("\n"),
    ]);
    assert.equal(await python.waitExit(), { code: 0, signal: null }, python.transcript());
    assert.is(python.stdout, "still heard\nBrokenPipeError\n");
  }
});

const ncTest = testUnless(
  haveTool("nc") ? undefined : installHint(["nc"]),
  "the UDP stranger test",
);

ncTest(
  "an unconnected udp/client.ts takes a reply from a stranger; a connected one hears only its server",
  async () => {
    const server = await rawUdp("the server");
    const from = /sendto \d+ bytes to \S+ from [\d.]+:(\d+)/;
    // unconnected, as the article's client: anyone may answer
    const client = spawnScript(
      "udp/client.ts",
      ["--port", String(server.port), "--trace"],
      "client",
    );
    client.write("你好");
    const mine = from.exec(await client.waitFor("stderr", from))?.[1] as string;
    await server.got.waitFor("你好");
    const stranger = sh("nc -u", runBlock("stranger", { "41509": mine }));
    assert.equal(await stranger.waitExit(), { code: 0, signal: null }, stranger.transcript());
    const shown = /not the server \('127\.0\.0\.1', (\d+)\)\n/;
    const by = Number(shown.exec(await client.waitFor("stdout", shown))?.[1]);
    assert.ok(by !== server.port, "the answer came from a stranger's port");
    // connected: the kernel delivers only what comes from the server
    const connected = spawnScript(
      "udp/client.ts",
      ["--port", String(server.port), "--connect", "--trace"],
      "connected",
    );
    connected.write("again");
    const its = Number(from.exec(await connected.waitFor("stderr", from))?.[1]);
    await server.got.waitFor("again");
    const ignored = sh("nc -u", runBlock("stranger", { "41509": String(its) }));
    assert.equal(await ignored.waitExit(), { code: 0, signal: null }, ignored.transcript());
    // a stranger of our own, connected, hears the client's kernel refuse it
    const probe = createSocket("udp4");
    probe.connect(its, "127.0.0.1");
    await once(probe, "connect");
    const refused = once(probe, "error");
    probe.send("not the server either");
    const [err] = (await refused) as [NodeJS.ErrnoException];
    probe.close();
    assert.is(err.code, "ECONNREFUSED");
    const back = server.datagrams.find((d) => d.msg.toString() === "again")?.port as number;
    await server.send("from the server", back);
    await connected.waitFor("stdout", `from the server ('127.0.0.1', ${server.port})\n客户端说:`);
    assert.is(
      connected.stdout,
      `客户端说:from the server ('127.0.0.1', ${server.port})\n客户端说:`,
      "nothing from a stranger",
    );
  },
);

test("make udp-client ARGS=--connect hears the refusal; ARGS=--trace shows the port the kernel chose", async () => {
  const port = await freeUdpPort();
  const refused = spawnProgram("make udp-client --connect", [
    "make",
    "-s",
    "udp-client",
    `ARGS=--connect --port ${port}`,
  ]);
  refused.write("anyone there?");
  assert.equal(await refused.waitExit(), { code: 2, signal: null }, refused.transcript()); // make's
  assert.match(
    refused.stderr,
    new RegExp(`^cannot send to 127\\.0\\.0\\.1:${port}: connection refused`),
  );
  const server = await rawUdp("the server");
  const traced = spawnProgram("make udp-client --trace", [
    "make",
    "-s",
    "udp-client",
    `ARGS=--trace --port ${server.port}`,
  ]);
  traced.write("hi");
  const from = /sendto 2 bytes to 127\.0\.0\.1:\d+ from 0\.0\.0\.0:(\d+)/;
  const chosen = Number(from.exec(await traced.waitFor("stderr", from))?.[1]);
  await server.got.waitFor("hi");
  assert.is(server.datagrams[0]?.port, chosen);
});

test("make udp-server with --drop 0.5: the second datagram is lost on purpose, and the client, like the article's, hears nothing and waits", async () => {
  const server = spawnProgram("make udp-server", [
    "make",
    "-s",
    "udp-server",
    "ARGS=--drop 0.5 --port 0",
  ]);
  const port = await readPort(server);
  const client = spawnProgram("make udp-client", [
    "make",
    "-s",
    "udp-client",
    `ARGS=--port ${port}`,
  ]);
  client.write("one");
  await server.waitFor("stdout", "服务端说;");
  server.write("ok");
  await client.waitFor("stdout", `ok ('127.0.0.1', ${port})\n客户端说:`);
  client.write("two");
  await server.waitFor("stderr", "(lost on purpose, --drop 0.5: a datagram of 3 bytes from");
  // nothing was sent back, so nothing can come: the client waits, silently, as the article's
  assert.is(client.stdout, `客户端说:ok ('127.0.0.1', ${port})\n客户端说:`);
  assert.is(client.stderr, "", "no hint: a server is bound to the port, its person may be typing");
  assert.is(client.child.exitCode, null, "still waiting");
  assert.not.match(server.stdout, /two/);
});

test("without /proc, as on Windows, the hints fall back to what time alone can say", () => {
  const udp = udpSilence({ host: "127.0.0.1", port: 8002 }, 30, undefined);
  assert.is(udp.when, "later");
  assert.match(udp.text, /^no reply after 30 s\. UDP cannot tell why/);
  const tcp = tcpSilence({ local: 50000, server: 8001, host: "127.0.0.1" }, 10, undefined);
  assert.match(tcp.text, /^no answer after 10 s\. The server talks to one client at a time/);
});

test("stdin is read as UTF-8 whatever the console's code page: GBK bytes show as U+FFFD", async () => {
  const { proc: server, port } = await startServer("tcp/server.ts", [], "server");
  const client = spawnScript("tcp/client.ts", ["--port", String(port)], "client");
  client.child.stdin?.write(Buffer.from([0xc4, 0xe3, 0xba, 0xc3, 0x0a])); // 你好 in GBK, and Enter
  await server.waitFor("stdout", "高望>>>");
  assert.match(server.stdout, /^来自宝宝的消息: \uFFFD+\n高望>>>$/);
});

test.run();
