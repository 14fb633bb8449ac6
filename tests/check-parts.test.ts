// The checker's small parts, each on its own: reading a command line as sh would, Chinese
// two columns wide side by side, the usual mistakes named, crashes found in what a program
// printed, addresses as /proc/net writes them, and the report and JUnit XML of a result.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { commandWords, readArgs } from "../check/args.ts";
import { sideBySide, width } from "../check/columns.ts";
import { fatalSignal, findCrash } from "../check/crash.ts";
import { outputHint, wireHint } from "../check/diagnose.ts";
import { junitReport } from "../check/formats.ts";
import { procAddress } from "../check/kernel.ts";
import { LESSONS } from "../check/lessons.ts";
import { programReport } from "../check/report.ts";
import type { ProgramReport } from "../check/runner.ts";
import { langFromEnv, t } from "../check/text.ts";

test("commandWords splits a command line as sh does, and leaves one that needs a shell to sh", () => {
  assert.equal(commandWords(`python3 "my server.py" 'a b' c\\ d`), [
    "python3",
    "my server.py",
    "a b",
    "c d",
  ]);
  assert.equal(commandWords("cd hw && python3 s.py"), ["sh", "-c", "cd hw && python3 s.py"]);
  assert.equal(commandWords("python3 ~/hw/s.py"), ["sh", "-c", "python3 ~/hw/s.py"]);
});

test("readArgs takes a role and a command, a pair, a folder; and the report's language from the locale", () => {
  const one = readArgs(["tcp-server", "--", "python3", "s.py", "{port}"], { LANG: "zh_CN.UTF-8" });
  // python3 is run as the interpreter it names here (a pyenv shim would cost 0.3 s a start)
  const [python, ...rest] = one.plans[0]?.commands.server ?? [];
  assert.match(python ?? "", /^(python3|\/.*\/python[\d.]*)$/);
  assert.equal(rest, ["s.py", "{port}"]);
  assert.is(one.plans[0]?.label, "python3 s.py {port}");
  assert.is(one.lang, "zh");
  assert.equal(one.timing, { deadline: 5000, quiet: 2000 });
  assert.is(one.budgetMs, 15_000);
  const pair = readArgs(
    ["--pair", "udp", "--server", "python3 a.py", "--client", "python3 b.py"],
    {},
  );
  assert.is(pair.plans[0]?.subject, "udp-pair");
  assert.equal(pair.plans[0]?.commands.client?.slice(1), ["b.py"]);
  assert.is(pair.plans[0]?.label, "python3 a.py + python3 b.py");
  assert.is(langFromEnv({ LC_ALL: "C", LANG: "zh_CN.UTF-8" }), "en");
  assert.throws(() => readArgs(["udp-server"], {}), /give its command after --/);
});

test("sideBySide lines up Chinese two columns wide, and marks where the transcripts part", () => {
  assert.is(width("来自宝宝的消息: hi"), 18);
  assert.is(width("🌙a"), 3);
  const rows = sideBySide("expected", "高望>>>你好\n", "actual", "高望>>>浣犲ソ\n", 12);
  assert.equal(rows, ["expected     │ actual", "高望>>>你好⏎ ≠ 高望>>>浣犲ソ⏎"]);
});

test("the usual mistakes are named: GBK, a newline sent, the prompt on the wire, a newline after the prompt", () => {
  assert.match(
    outputHint("来自宝宝的消息: 你好\n", "来自宝宝的消息: 浣犲ソ\n", "你好")?.en ?? "",
    /decodes them as GBK \(浣犲ソ\)/,
  );
  assert.match(
    wireHint(Buffer.from("hi"), Buffer.from("hi\n"))?.en ?? "",
    /^it sends "\\n" after the message/,
  );
  assert.match(
    wireHint(Buffer.from("hi"), Buffer.from("高望>>>hi"))?.en ?? "",
    /^the prompt 高望>>> went over the socket/,
  );
  assert.match(
    wireHint(Buffer.from("你好"), Buffer.from([0xc4, 0xe3, 0xba, 0xc3]))?.en ?? "",
    /^it sends GBK bytes/,
  );
  assert.match(
    outputHint("x\n高望>>>", "x\n高望>>>\n")?.en ?? "",
    /a newline follows the prompt 高望>>>/,
  );
});

test("findCrash reads the exception a program died of, in Python, Java, Go and Node; a fatal signal is one too", () => {
  const python = `Traceback (most recent call last):\n  File "s.py", line 3, in <module>\n    x()\n    ^^^\nEOFError: EOF when reading a line\n`;
  assert.equal(findCrash(python), {
    summary: "EOFError: EOF when reading a line",
    exception: "EOFError",
  });
  assert.is(
    findCrash(`Exception in thread "main" java.net.SocketException: Connection reset\n\tat X`)
      ?.exception,
    "SocketException",
  );
  assert.match(
    findCrash("panic: runtime error: index out of range\n\ngoroutine 1")?.summary ?? "",
    /^panic: /,
  );
  assert.is(
    findCrash("TypeError: x is not a function\n    at main (/a.js:1:1)\n")?.exception,
    "TypeError",
  );
  assert.is(findCrash("all fine\n"), undefined);
  assert.is(fatalSignal(null, 139)?.summary, "segmentation fault (SIGSEGV)");
});

test("procAddress reads /proc/net's hex as the usual notation", () => {
  assert.is(procAddress("0100007F"), "127.0.0.1");
  assert.is(procAddress("00000000"), "0.0.0.0");
  assert.is(procAddress("00000000000000000000000000000000"), "::");
  assert.is(procAddress("00000000000000000000000001000000"), "::1");
  assert.is(procAddress("0000000000000000FFFF00000100007F"), "::ffff:127.0.0.1");
});

const REPORT: ProgramReport = {
  subject: "udp-server",
  label: "python3 udp_server.py",
  cwd: "/home/me/hw",
  network: "port-arg",
  port: 8002,
  terminal: "pipe",
  notes: [],
  ms: 1200,
  results: [
    {
      id: "last-sender",
      kind: "conversation",
      status: "fail",
      title: t("answers the last sender", "回答最后的发送方"),
      message: t("the answer went to A", "回答发给了 A"),
      hint: t("answer client_addr", "回答 client_addr"),
      lesson: LESSONS.udpServer,
      transcripts: [
        {
          name: "server",
          stream: "stdout",
          expected: "a\n",
          actual: "b\n",
          stderr: "",
          ended: "running",
        },
      ],
      wire: [{ at: 12, peer: "A", dir: "out", hex: "6869", size: 2, port: 8002 }],
      ms: 300,
    },
    {
      id: "ctrl-c",
      kind: "robustness",
      status: "as-article",
      title: t("Ctrl-C", "Ctrl-C"),
      message: t("KeyboardInterrupt, as the article's", "KeyboardInterrupt，和文章一样"),
      lesson: LESSONS.ctrlC,
      transcripts: [],
      wire: [],
      ms: 100,
    },
  ],
};

test("the report shows a failure's hint, transcripts side by side, wire bytes and lesson; a pitfall in one line", () => {
  const text = programReport(REPORT, { lang: "en", strict: false });
  assert.match(
    text,
    /✗ last-sender +the answer went to A\n +checks: answers the last sender\n +→ answer client_addr\n/,
  );
  assert.match(text, /expected \(stdout\) +│ actual \(stdout, running\)\n +a⏎ +≠ b⏎\n/);
  assert.match(text, /12 ms {2}A → program +2 B +68 69 +"hi"/);
  assert.match(text, /read: docs\/05-udp-walkthrough\.md#the-server\n/);
  assert.match(
    text,
    /≈ ctrl-c +KeyboardInterrupt, as the article's\n +read: docs\/06-pitfalls\.md#ctrl-c-and-sigterm\n/,
  );
  assert.match(
    programReport(REPORT, { lang: "zh", strict: false }),
    /阅读：docs\/zh\/05-udp-walkthrough\.md#服务端\n/,
  );
});

test("JUnit XML: a conversation failure is a failure, a robustness one skipped unless --strict", () => {
  const lax = junitReport([REPORT], { lang: "en", strict: false });
  assert.match(lax, /tests="2" failures="1" errors="0" skipped="1"/);
  assert.match(lax, /<failure message="the answer went to A → answer client_addr" type="fail">/);
  assert.match(
    junitReport([REPORT], { lang: "en", strict: true }),
    /tests="2" failures="2" errors="0" skipped="0"/,
  );
});

test.run();
