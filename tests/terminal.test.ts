// What a person sees at a real terminal: the mirrors on a pseudo-terminal, the screen read
// back through a terminal emulator, narrow (40 columns) and wide (120), with Chinese text.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll, scriptCommand, scriptsSeeProc, startServer } from "../harness/procs.ts";
import { Screen } from "../harness/screen.ts";
import { testUnless } from "../harness/skip.ts";
import { haveTool } from "../harness/tools.ts";
import { rawTcpServer } from "./peers.ts";

test.after.each(reapAll);

/** How many times `text` occurs on `screen` (wrapped lines joined). */
const times = (screen: Screen, text: string) => screen.text().split(text).length - 1;

/** A long line of Chinese that wraps at 40 columns: 30 characters, 60 columns. */
const LONG = "今天天气很好我们一起去公园散步吧然后去吃饭看电影好不好呀";

const terminalTest = testUnless(
  haveTool("script") ? undefined : "script(1) is missing (sudo apt-get install -y util-linux)",
  "terminal tests",
);

for (const cols of [40, 120]) {
  terminalTest(
    `on a terminal, what arrives goes above the prompt and the half-typed line, at ${cols} columns`,
    async () => {
      const { proc: server, port } = await startServer("tcp/server.ts", [], "server");
      const client = Screen.start(
        "client",
        scriptCommand("tcp/client.ts", ["--port", String(port)]),
        {
          cols,
        },
      );
      await client.waitFor("宝宝说:");
      client.type("你好\r");
      await server.waitFor("stdout", "高望>>>");
      client.type(LONG); // typed ahead, while the answer is awaited
      await client.waitFor(LONG);
      server.write("hi baby");
      await client.waitFor(`来自高望的消息: hi baby\n宝宝说:${LONG}`);
      await server.stop("SIGTERM"); // the server leaves: FIN, a note arrives while the prompt is open
      await client.waitFor("will send no more (it exited, or half-closed");
      await client.waitFor(
        (s) => s.text().endsWith(`宝宝说:${LONG}`),
        "the prompt and typing below the note",
      );
      const screen = client.text();
      for (const once of ["宝宝说:你好", "来自高望的消息: hi baby", LONG]) {
        assert.is(times(client, once), 1, `${once} once, on:\n${screen}`);
      }
      assert.is(times(client, "宝宝说:"), 2, screen);
      client.type("\r"); // the typed line is sent to the server, which had exited: the end
      // its fate, as this machine's kernel saw it; a runtime that cannot read /proc says so
      await client.waitFor(
        scriptsSeeProc()
          ? `its kernel refused the ${Buffer.byteLength(LONG)} bytes with a reset)`
          : "its kernel answers with a reset, which cannot be seen from here)",
      );
      assert.equal(await client.proc.waitExit(), { code: 0, signal: null });
    },
  );
}

/**
 * Text put into the middle of a line in one write, as an input method commits a word and a
 * paste arrives: the keys before it, then the chunk, then what the line must send.
 */
const INSERTS = [
  { typed: "12345", keys: "\x1b[H", chunk: "XYZ", sent: "XYZ12345" }, // Home
  { typed: "一二三四五", keys: "\x1b[D\x1b[D", chunk: "插入", sent: "一二三插入四五" }, // Left ×2
  { typed: "ab", keys: "\x1b[D", chunk: "😀👍", sent: "a😀👍b" }, // emoji: two UTF-16 units each
  { typed: "cafe", keys: "\x1b[D", chunk: "e\u0301s", sent: "cafe\u0301se" }, // a combining accent
  { typed: "你好世界", keys: "\x01\x1b[C", chunk: "们和", sent: "你们和好世界" }, // Ctrl-A, Right
];

for (const cols of [40, 120]) {
  terminalTest(
    `on a terminal, text inserted mid-line in one write (an input method's commit, a paste) is sent as shown, at ${cols} columns`,
    async () => {
      const { proc: server, port } = await startServer("tcp/server.ts", [], "server");
      const command = scriptCommand("tcp/client.ts", ["--port", String(port)]);
      const client = Screen.start("client", command, { cols });
      for (const [n, { typed, keys, chunk, sent }] of INSERTS.entries()) {
        await client.waitFor((s) => times(s, "宝宝说:") === n + 1, `prompt ${n + 1}`);
        client.type(typed);
        await client.waitFor(`宝宝说:${typed}`);
        client.type(keys);
        await client.settled();
        client.type(chunk); // one write: the terminal hands it over as one read
        await client.waitFor(`宝宝说:${sent}`);
        client.type("\r");
        await server.waitFor("stdout", `来自宝宝的消息: ${sent}\n`);
        server.write("ok");
      }
      client.type("byebye\r");
      assert.equal(
        await client.proc.waitExit(),
        { code: 0, signal: null },
        client.proc.transcript(),
      );
      const got = [...server.stdout.matchAll(/来自宝宝的消息: (.*)\n/g)].map((m) => m[1]);
      assert.equal(got, [...INSERTS.map((i) => i.sent), "byebye"], server.transcript());
    },
  );
}

terminalTest(
  "on a terminal, a peer that resets mid-line leaves nothing typed for the shell",
  async () => {
    const raw = await rawTcpServer();
    // a shell after the client, as the user's own would be: it reads what is left on the terminal
    const client = scriptCommand("tcp/client.ts", ["--port", String(raw.port)]).join(" ");
    const shell = `${client}; echo "client exited"; read -r left; echo "left=[$left]"`;
    const screen = Screen.start("client then a shell", `sh -c '${shell}'`, { cols: 60 });
    await screen.waitFor("宝宝说:");
    screen.type("hi\r");
    const conn = await raw.accepted();
    await conn.got.waitFor("hi");
    conn.sock.write("answer");
    await screen.waitFor("来自高望的消息: answer");
    screen.type("mid-typing");
    await screen.waitFor("宝宝说:mid-typing");
    conn.sock.resetAndDestroy();
    await screen.waitFor('(not sent: "mid-typing" was typed for a peer who has left)');
    await screen.waitFor("reset the connection");
    await screen.waitFor("client exited");
    screen.type("\r"); // the shell's read: it gets only what is still on the terminal
    await screen.waitFor("left=[");
    assert.match(screen.text(), /left=\[\]$/);
    // the note comes above the prompt; the prompt, left unanswered, keeps its own line
    assert.match(screen.text(), /reset the connection\n宝宝说:\n\(not sent: "mid-typing"/);
  },
);

terminalTest(
  "on a terminal, Ctrl-D ends the prompt's line before the shell speaks again",
  async () => {
    const { port } = await startServer("tcp/server.ts", [], "server");
    const client = scriptCommand("tcp/client.ts", ["--port", String(port)]).join(" ");
    const screen = Screen.start("client then echo", `sh -c '${client}; echo "exit=$?"'`);
    await screen.waitFor("宝宝说:");
    screen.type("\x04");
    await screen.waitFor("exit=0");
    assert.match(screen.text(), /宝宝说:\nexit=0$/);
  },
);

terminalTest(
  "on a terminal, Ctrl-C under make: the script exits 130 and make says Error 130",
  async () => {
    const screen = Screen.start("make tcp-server", ["make", "-s", "tcp-server", "ARGS=--port 0"]);
    await screen.waitFor("listening on");
    screen.type("\x03");
    const errorLine = /make: \*\*\* \[Makefile:\d+: tcp-server\] Error 130/;
    // GNU make's own race: the key reaches make and the script together; when make gets the
    // CPU only after the script has exited, its wait() takes the exit status and its SIGINT
    // handler then waits for the same child again (ECHILD). Seen only on a starved CPU
    // (make pinned to a busy core: 26 of 40); the script did exit, with no stack trace.
    const makesRace = /make: \*\*\* wait: No child processes\. {2}Stop\./;
    await screen.waitFor(
      (s) => errorLine.test(s.text()) || makesRace.test(s.text()),
      "make's Error 130",
    );
    assert.not.match(screen.text(), /\n\s+at /);
  },
);

terminalTest(
  "on a terminal, Ctrl-C ends the prompt's line, with what was typed, before anything else speaks",
  async () => {
    const { port } = await startServer("tcp/server.ts", [], "server");
    const client = scriptCommand("tcp/client.ts", ["--port", String(port)]).join(" ");
    const screen = Screen.start("client then echo", `sh -c '${client}; echo "exit=$?"'`);
    await screen.waitFor("宝宝说:");
    screen.type("abc\x1b[D"); // typed, the cursor moved back into it
    await screen.waitFor("宝宝说:abc");
    screen.type("\x03");
    await screen.waitFor("exit=130");
    assert.match(screen.text(), /宝宝说:abc\nexit=130$/);
  },
);

for (const kind of ["tcp", "udp"] as const) {
  terminalTest(
    `on a terminal, Ctrl-D at an idle ${kind} server ends it at once, saying why`,
    async () => {
      const server = Screen.start(
        `${kind} server`,
        scriptCommand(`${kind}/server.ts`, ["--port", "0"]),
      );
      await server.waitFor("listening on");
      server.type("\x04");
      const why =
        kind === "tcp"
          ? "stdin ended while no client was connected: nobody can type answers now, so the server stops listening"
          : "stdin ended while waiting for a datagram: nobody can type answers now, so the server closes its socket";
      await server.waitFor(why);
      assert.equal(
        await server.proc.waitExit(),
        { code: 0, signal: null },
        server.proc.transcript(),
      );
    },
  );
}

test.run();
