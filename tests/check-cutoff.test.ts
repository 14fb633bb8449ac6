// make check never hangs and never lets a program run away: a program that hangs is cut
// off within its deadline, one that floods at its bound, each reported; a program that shows
// its prompt only on a terminal is run on one, and the report says so; a program with the
// article's port written into it runs in a network namespace of its own (or on the real
// port, said as such); and the mirrors pass where the article's programs fall.
import { readdirSync, readFileSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll, scriptCommand } from "../harness/procs.ts";
import { testUnless } from "../harness/skip.ts";
import { fixture, NO_PYTHON, PYTHON, py, runCheck } from "./check-run.ts";

test.after.each(reapAll);

/** The processes still running whose command line names `file`. */
function running(file: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmdline.includes(file)) found.push(`${pid}: ${cmdline.replaceAll("\0", " ")}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

const pythonTest = testUnless(NO_PYTHON, "check cut-off tests");

pythonTest(
  "make check cuts off a program that hangs and one that floods, each within its bound, and runs one whose prompt shows only on a terminal on one",
  async () => {
    const started = Date.now();
    const [hang, flood, tty] = await Promise.all([
      runCheck(["--timeout", "1.5", "tcp-server", ...py("hang_tcp_server.py")], "hang"),
      runCheck(
        ["--timeout", "2", "--only", "prompt,english", "tcp-client", ...py("flood_tcp_client.py")],
        "flood",
      ),
      runCheck(
        [
          "--timeout",
          "2",
          "--only",
          "prompt,english",
          "tcp-client",
          ...py("terminal_only_tcp_client.py"),
        ],
        "tty",
      ),
    ]);
    // 3 × --timeout is the budget of a program: the checker, by its own clock, is done
    // within it (the wall clock around it adds make's and Node's start, which a loaded
    // machine stretches: bounded loosely, only so that nothing waited for ever)
    for (const [run, timeout] of [
      [hang, 1.5],
      [flood, 2],
      [tty, 2],
    ] as const) {
      const seconds = run.programs[0]?.seconds ?? Number.NaN;
      assert.ok(seconds <= 3 * timeout, `${seconds} s, budget ${3 * timeout} s`);
    }
    assert.ok(Date.now() - started < 3 * (6000 + 3000), `${Date.now() - started} ms`);
    assert.is(hang.statuses.listen, "pass");
    assert.is(hang.statuses.prompt, "fail");
    assert.match(
      hang.scenario("prompt").message ?? "",
      /^the checker waited 1\.5 s for the prompt 高望>>>, in vain\. It was still running, and was cut off\.$/,
    );
    assert.ok(
      Object.entries(hang.statuses).every(
        ([id, s]) => ["listen", "prompt"].includes(id) || s === "skipped",
      ),
      JSON.stringify(hang.statuses),
    );
    assert.match(
      hang.programs[0]?.notes.join("\n") ?? "",
      /on a terminal \(script\) its prompt did not show either/,
    );
    assert.equal(
      running("hang_tcp_server.py"),
      [],
      "it ignores SIGINT and SIGTERM, and is gone all the same",
    );
    assert.equal(hang.exit, { code: 1, signal: null });
    assert.is(flood.statuses.english, "fail");
    assert.match(
      flood.scenario("english").message ?? "",
      /^it (printed more than 256 KiB|sent the checker \d+ bytes where 5 were typed, and went on sending) without waiting for anyone: cut off\.$/,
      JSON.stringify(flood.scenario("english")).slice(0, 3000),
    );
    assert.equal(running("flood_tcp_client.py"), []);
    const program = tty.programs[0];
    assert.is(program?.terminal, "pty", JSON.stringify(program));
    assert.match(
      program?.notes.join("\n") ?? "",
      /it works only on a terminal: on a pipe its prompt never showed/,
    );
    assert.equal(
      tty.statuses,
      { prompt: "pass", english: "pass" },
      JSON.stringify(program?.scenarios),
    );
    assert.equal(tty.exit, { code: 0, signal: null });
  },
);

pythonTest(
  "make check runs a program with the article's port written into it where that port is free, and says where",
  async () => {
    const run = await runCheck([
      "--timeout",
      "3",
      "--only",
      "listen,prompt,byebye",
      "tcp-server",
      "--",
      PYTHON as string,
      "-S",
      fixture("faithful_tcp_server.py"), // no {port}: it listens on 8001
    ]);
    const program = run.programs[0];
    const notes = program?.notes.join("\n") ?? "";
    if (program?.network === "none") {
      // no namespace for this user, and 8001 taken on this machine: said, and nothing run
      assert.match(
        notes,
        /that port is in use on this machine, and no network namespace could be made/,
      );
      assert.ok(Object.values(run.statuses).every((s) => s === "skipped"));
      console.log(
        "check: no network namespace here and port 8001 in use: the checker said so, as it should",
      );
      return;
    }
    assert.equal(
      run.statuses,
      { listen: "pass", prompt: "pass", byebye: "pass" },
      JSON.stringify(program?.scenarios),
    );
    assert.match(
      notes,
      program?.network === "namespace"
        ? /its port \(TCP 8001\) is written into it: each scenario ran in a network namespace of its own \(unshare [^)]*--net/
        : /no network namespace could be made here: the scenarios ran on this machine's real port 8001, which was free, one at a time/,
    );
    assert.match(run.scenario("listen").message ?? "", /^listens on 127\.0\.0\.1:8001$/);
  },
);

pythonTest(
  "the mirrors pass where the article's programs fall: a client that leaves, half-closes or resets, split and long UTF-8, an empty line, UDP with no server and a stranger",
  async () => {
    const mirror = (role: string, script: string, only: string) =>
      runCheck(
        [
          "--timeout",
          "3",
          "--only",
          only,
          role,
          "--",
          ...scriptCommand(script, ["--port", "{port}"]),
        ],
        role,
      );
    const [server, client] = await Promise.all([
      mirror(
        "tcp-server",
        "tcp/server.ts",
        "peer-exits,half-close,reset,empty-line,split-char,long-message",
      ),
      mirror("udp-client", "udp/client.ts", "no-server,stranger"),
    ]);
    for (const run of [server, client]) {
      assert.ok(
        Object.values(run.statuses).every((s) => s === "pass"),
        JSON.stringify(run.programs[0]?.scenarios.map((s) => [s.id, s.status, s.message])),
      );
    }
    assert.match(
      client.scenario("no-server").message ?? "",
      /^it said: nobody listens on UDP port \d+ on this machine/,
    );
  },
);

test.run();
