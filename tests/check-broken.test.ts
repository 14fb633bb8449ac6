// make check on programs broken on purpose (check/fixtures/): each mistake is caught by
// the scenario that should catch it, with a message a learner can act on, and only there:
// the scenarios beside it that the mistake does not touch still pass.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll } from "../harness/procs.ts";
import { testUnless } from "../harness/skip.ts";
import { NO_PYTHON, py, runCheck } from "./check-run.ts";

test.after.each(reapAll);

interface Case {
  file: string;
  role: string;
  /** The scenario that must catch it, and one beside it that must still pass (or not run). */
  caught: string;
  passes: string;
  beside?: "pass" | "skipped";
  /** The checker's --timeout, when the default of these tests (3 s) would make the case slow. */
  timeout?: string;
  message: RegExp;
  hint?: RegExp;
}

const CASES: Case[] = [
  {
    file: "gbk_tcp_server.py",
    role: "tcp-server",
    caught: "chinese",
    passes: "english",
    message: /its stdout differs from what the article's program prints/,
    hint: /arrived as UTF-8 bytes \(e4 bd a0 e5 a5 bd …\) and your program decodes them as GBK \(浣犲ソ/,
  },
  {
    file: "unflushed_tcp_client.py",
    role: "tcp-client",
    caught: "prompt",
    passes: "english",
    beside: "skipped", // a program whose prompt never shows cannot be driven further
    timeout: "2", // it waits out the deadline twice, on a pipe and on a terminal
    message:
      /never showed 宝宝说:, yet it read the line typed after it and sent it: the prompt is still in its output buffer/,
    hint: /input\('宝宝说:'\) shows the prompt before it waits/,
  },
  {
    file: "unflushed_udp_server.py",
    role: "udp-server",
    caught: "prompt",
    passes: "bind", // being bound needs no prompt
    timeout: "2", // it waits out the deadline twice, on a pipe and on a terminal
    message:
      /never showed 服务端说;, yet it read the answer typed after it and sent it: the prompt is still in its output buffer/,
    hint: /input\('服务端说;'\) shows the prompt before it waits/,
  },
  {
    file: "deaf_tcp_server.py",
    role: "tcp-server",
    caught: "byebye",
    passes: "english",
    message: /after byebye it showed 高望>>> again and waits for an answer/,
    hint: /compare the decoded message with 'byebye' and break/,
  },
  {
    file: "first_sender_udp_server.py",
    role: "udp-server",
    caught: "last-sender",
    passes: "english",
    message: /the answer meant for B went to A \(port \d+\), the first sender/,
    hint: /answer to client_addr as recvfrom\(\) returns it/,
  },
  {
    file: "everywhere_tcp_server.py",
    role: "tcp-server",
    caught: "listen",
    passes: "english",
    message: /it listens on 0\.0\.0\.0:\d+, every address of this machine/,
    hint: /bind \('127\.0\.0\.1', \d+\), as the article does/,
  },
  {
    file: "empty_crash_udp_server.py",
    role: "udp-server",
    caught: "empty-datagram",
    passes: "english",
    message: /a datagram of zero bytes crashed it: IndexError: string index out of range/,
    hint: /an empty message \(b''\) has no first or last character/,
  },
  {
    file: "prompt_on_wire_tcp_server.py",
    role: "tcp-server",
    caught: "english",
    passes: "listen",
    message: /the client did not receive what was typed, byte for byte/,
    hint: /the prompt 高望>>> went over the socket: it is for your own terminal only/,
  },
];

const pythonTest = testUnless(NO_PYTHON, "broken-program tests");

pythonTest(
  "each broken program fails the scenario that should catch it, with the right message, and passes the one beside it",
  async () => {
    const runs = await Promise.all(
      CASES.map((c) =>
        runCheck(
          [
            "--timeout",
            c.timeout ?? "3",
            "--only",
            `${c.caught},${c.passes}`,
            c.role,
            ...py(c.file),
          ],
          c.file,
        ),
      ),
    );
    for (const [n, c] of CASES.entries()) {
      const run = runs[n] as (typeof runs)[number];
      const caught = run.scenario(c.caught);
      assert.is(caught.status, "fail", `${c.file}: ${JSON.stringify(caught)}`);
      assert.match(caught.message ?? "", c.message, c.file);
      if (c.hint) assert.match(caught.hint ?? "", c.hint, c.file);
      const beside = run.scenario(c.passes);
      assert.is(beside.status, c.beside ?? "pass", `${c.file}: ${JSON.stringify(beside)}`);
      const conversation = caught.kind === "conversation";
      assert.equal(
        run.exit,
        { code: conversation ? 1 : 0, signal: null },
        `${c.file}: the exit code grades the conversation`,
      );
    }
  },
);

test.run();
