// 粘包, the framing lesson (docs/15-framing.md): the length-prefix helper cut every way, the
// framing pair through make as the lesson runs it, and one segment carrying three messages.
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  type Proc,
  readPort,
  reapAll,
  spawnProgram,
  spawnScript,
  tempDir,
} from "../harness/procs.ts";
import { testUnless } from "../harness/skip.ts";
import { haveTool, installHint } from "../harness/tools.ts";
import { LengthPrefixFramer } from "../tcp/frame/length-prefix.ts";
import { rawTcpClient } from "./peers.ts";

test.after.each(reapAll);

const frame = LengthPrefixFramer.frame;

test("LengthPrefixFramer.frame writes 4 bytes of length, big-endian, then the UTF-8 bytes", () => {
  assert.equal([...frame("你好")], [0, 0, 0, 6, 0xe4, 0xbd, 0xa0, 0xe5, 0xa5, 0xbd]);
  assert.equal([...frame("")], [0, 0, 0, 0]);
});

test("LengthPrefixFramer finds the same messages however the stream is cut", () => {
  const messages = ["你好", "", "two\nlines", "🌙".repeat(3), "byebye"];
  const wire = Buffer.concat(messages.map((m) => frame(m)));
  for (let cut = 0; cut <= wire.length; cut++) {
    const framer = new LengthPrefixFramer(4096);
    const first = framer.push(wire.subarray(0, cut));
    const second = framer.push(wire.subarray(cut));
    assert.equal([...first.messages, ...second.messages], messages, `cut at ${cut}`);
    assert.is(framer.pending, 0);
  }
  const bytewise = new LengthPrefixFramer(4096);
  const found = [...wire].flatMap((byte) => bytewise.push(Buffer.from([byte])).messages);
  assert.equal(found, messages, "one byte at a time");
});

test("LengthPrefixFramer skips a message over maxBytes exactly, and stays in step", () => {
  const wire = Buffer.concat([frame("ok 1"), frame("x".repeat(100)), frame("ok 2")]);
  for (const chunks of [[wire], [...wire].map((b) => Buffer.from([b]))]) {
    const framer = new LengthPrefixFramer(50);
    const results = chunks.map((chunk) => framer.push(chunk));
    assert.equal(
      results.flatMap((r) => r.messages),
      ["ok 1", "ok 2"],
    );
    assert.is(
      results.reduce((n, r) => n + r.tooLong, 0),
      1,
    );
    assert.is(framer.pending, 0);
  }
  const cut = new LengthPrefixFramer(50);
  cut.push(frame("half a message").subarray(0, 9));
  assert.is(cut.pending, 9, "an unfinished message waits");
});

/** `make TARGET ARGS="..."`, with `input` typed into its stdin and then closed. */
function make(target: string, args: string, input?: string): Proc {
  const proc = spawnProgram(`make ${target} ${args}`, ["make", "-s", target, `ARGS=${args}`]);
  if (input !== undefined) proc.child.stdin?.end(input);
  return proc;
}

const TYPED = "你好\nhello\nbyebye\n"; // what the lesson's printf types

test("make frame-server and make frame-client: three messages in one read, found again by each framing, however the bytes are cut", async () => {
  // The three servers of the lesson, started together, then one client each.
  const servers = ["", " --frame line", " --frame length"].map((flags) =>
    make("frame-server", `--port 0${flags}`),
  );
  const ports = await Promise.all(servers.map(readPort));
  const clients = [
    make("frame-client", `--port ${ports[0]}`, TYPED),
    make("frame-client", `--port ${ports[1]} --frame line --split`, TYPED),
    make("frame-client", `--port ${ports[2]} --frame length --split`, TYPED),
  ];
  for (const client of clients) {
    assert.equal(await client.waitExit(), { code: 0, signal: null }, client.transcript());
  }
  const [none, line, length] = servers as [Proc, Proc, Proc];
  await none.waitFor("stdout", "message 1: 你好hellobyebye\n");
  assert.is(none.stdout, "read 1: 17 bytes\nmessage 1: 你好hellobyebye\n");
  await line.waitFor("stdout", "message 3: byebye\n");
  assert.is(
    line.stdout,
    "read 1: 10 bytes, 1 whole message\nmessage 1: 你好\n" +
      "read 2: 10 bytes, 2 whole messages\nmessage 2: hello\nmessage 3: byebye\n",
  );
  await length.waitFor("stdout", "message 3: byebye\n");
  assert.is(
    length.stdout,
    "read 1: 14 bytes, 1 whole message\nmessage 1: 你好\n" +
      "read 2: 15 bytes, 2 whole messages\nmessage 2: hello\nmessage 3: byebye\n",
  );
  assert.is(
    clients[2]?.stdout,
    "server: read 1: 14 bytes, 1 whole message\nserver: read 2: 15 bytes, 2 whole messages\n",
  );
});

test("frame scripts: --help, a bad --frame is a usage error, and a message over 4 KiB is refused with a note", async () => {
  const help = spawnScript("tcp/frame-client.ts", ["--help"], "help");
  assert.equal(await help.waitExit(), { code: 0, signal: null });
  assert.match(
    help.stdout,
    /^usage: tcp\/frame-client\.ts .*\[--frame none\|line\|length\] \[--split\]/,
  );
  const bad = spawnScript("tcp/frame-server.ts", ["--frame", "xml"], "bad");
  assert.equal(await bad.waitExit(), { code: 2, signal: null });
  assert.match(bad.stderr, /--frame must be none, line or length, not 'xml'\nusage:/);
  const server = spawnScript("tcp/frame-server.ts", ["--port", "0", "--frame", "line"], "server");
  const peer = await rawTcpClient(await readPort(server), "peer");
  peer.sock.write(`${"z".repeat(5000)}\nafter\n`);
  await server.waitFor("stdout", "message 1: after\n");
  await server.waitFor("stderr", "(refused: a message over 4096 bytes)\n");
  peer.sock.end();
  await peer.got.waitClosed(); // the client half-closed: the server closes too
});

const isRoot = process.getuid?.() === 0;
if (!haveTool("tcpdump") && process.env.CI === "true") {
  test("CI has tcpdump for the framing capture", () =>
    assert.unreachable(installHint(["tcpdump"])));
}
const captureTest = testUnless(
  !isRoot ? "it needs root" : haveTool("tcpdump") ? undefined : installHint(["tcpdump"]),
  "the framing capture test",
);

captureTest(
  "make capture-frame shows three framed messages in one segment, and the server finds all three in one read",
  async () => {
    const pcap = join(tempDir(), "frame.pcap");
    const capture = make("capture-frame", `--pcap ${pcap}`);
    assert.equal(await capture.waitExit(), { code: 0, signal: null }, capture.transcript());
    // one data segment from the client: 29 bytes, three messages of 10, 9 and 10
    const fromClient = capture.stdout
      .split("\n")
      .filter((l) => /client → server .* data: /.test(l));
    assert.equal(fromClient.length, 1, capture.stdout);
    assert.match(fromClient[0] as string, / 29 {2}data: 29 bytes from the client/);
    // and the server's answer: "read 1: 29 bytes, 3 whole messages\n", 35 bytes
    assert.match(capture.stdout, /server → client {2}\[[FP.]+\] .* 35 {2}data: 35 bytes/);
  },
);

test.run();
