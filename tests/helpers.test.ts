// The small pure helpers of shared/, tested where they are used by every script.

import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll, spawnProgram } from "../harness/procs.ts";
import { Address } from "../shared/address.ts";
import { seconds, usage } from "../shared/args.ts";
import { isByebye } from "../shared/byebye.ts";
import { explain } from "../shared/errors.ts";
import { hostPort } from "../shared/host-port.ts";
import { LineFramer } from "../shared/line-framer.ts";
import { isLoopback } from "../shared/ready.ts";
import { safeText } from "../shared/safe-text.ts";
import { NameBook, scriptsOf, skeleton } from "../tcp/room/names.ts";

test("safeText escapes C0, DEL and C1 controls but lets tab, newline and all text through", () => {
  assert.is(safeText("你好 🌙\tok\n"), "你好 🌙\tok\n");
  assert.is(
    safeText("\x00\x01\x1b[31m\x07\r\x0b\x0c\x7f\u0080\u009f"),
    "\\x00\\x01\\x1b[31m\\x07\\x0d\\x0b\\x0c\\x7f\\x80\\x9f",
  );
  assert.is(safeText("\u00a0é"), "\u00a0é");
});

test("safeText escapes format and direction controls (Trojan Source) but keeps emoji, CJK and accents whole", () => {
  assert.is(safeText("a\u202eb\u2066c\u2069"), "a\\u202eb\\u2066c\\u2069");
  assert.is(safeText("zero\u200bwidth\ufeff\u2028\u2029"), "zero\\u200bwidth\\ufeff\\u2028\\u2029");
  assert.is(safeText("soft\u00adhyphen \u{e0001}"), "soft\\xadhyphen \\u{e0001}");
  assert.is(safeText("👩‍💻 👍🏽 jose\u0301 你好"), "👩‍💻 👍🏽 jose\u0301 你好");
  assert.is(safeText("x\u200dy"), "x\\u200dy", "a joiner outside an emoji is shown");
});

test("isByebye accepts byebye alone or with one line ending", () => {
  for (const yes of ["byebye", "byebye\n", "byebye\r\n"]) assert.ok(isByebye(yes), yes);
  for (const no of ["Byebye", "byebye ", "byebye\n\n", " byebye", "bye"])
    assert.not.ok(isByebye(no), no);
});

test("Address prints as Python prints the address tuple", () => {
  assert.is(String(new Address("127.0.0.1", 8002)), "('127.0.0.1', 8002)");
  assert.is(String(new Address("::1", 8002)), "('::1', 8002, 0, 0)");
  assert.is(new Address("::1", 8002).hostPort, "[::1]:8002");
});

test("hostPort brackets IPv6 hosts", () => {
  assert.is(hostPort("127.0.0.1", 8001), "127.0.0.1:8001");
  assert.is(hostPort("fe80::1", 80), "[fe80::1]:80");
});

test("isLoopback knows 127/8, ::1 and IPv4-mapped loopback", () => {
  for (const yes of ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"])
    assert.ok(isLoopback(yes));
  for (const no of ["0.0.0.0", "::", "192.0.2.1"]) assert.not.ok(isLoopback(no));
});

test("explain words the expected errors in one line and leaves the others alone", () => {
  assert.is(
    explain({ code: "ECONNREFUSED" }, "connect to", "127.0.0.1:8001"),
    "cannot connect to 127.0.0.1:8001: connection refused (is the server running? start it first)",
  );
  assert.is(explain(new Error("boom"), "connect to", "x:1"), undefined);
  assert.is(explain(null, "connect to", "x:1"), undefined);
});

test("usage names every flag, --timeout only where the script has it", () => {
  const server = usage({
    script: "tcp/server.ts",
    about: "TCP chat server",
    port: 8001,
    server: true,
  });
  assert.match(server, /--port N {5}port to listen on, 0 = any free port \(default 8001\)/);
  assert.not.match(server, /--timeout/);
  const client = usage({
    script: "udp/client.ts",
    about: "UDP chat client",
    port: 8002,
    server: false,
    options: {
      timeout: seconds(3, "seconds of silence before a hint, when nothing better is known"),
    },
  });
  assert.match(client, /--timeout S {2}seconds of silence before a hint, .*\(default 3\)/);
  assert.match(client, /-h, --help {3}print this help and exit/);
});

test("NameBook refuses look-alikes, invisible and mixed-script names, and lets one's own name change case", () => {
  const names = new NameBook();
  names.add("alice");
  assert.is(names.problem("宝宝"), undefined);
  assert.is(names.problem("山田たろう"), undefined, "Japanese mixes Han and Hiragana");
  assert.is(names.problem("Alice", "alice"), undefined);
  assert.is(names.problem("ALICE"), "alice is here: pick another name");
  assert.is(names.problem("\u0430lice"), "it mixes scripts (Cyrillic, Latin)");
  assert.is(names.problem("a\u200dx"), "it holds invisible or blank characters");
  assert.is(names.problem("-".repeat(17)), "a name is letters, digits, _ or -, up to 16");
  names.add("bob");
  assert.is(names.problem("b0b"), "it looks like bob, who is here");
  names.delete("bob");
  assert.is(names.problem("b0b"), undefined);
  assert.equal(scriptsOf("高望abc"), ["Han", "Latin"]);
  assert.is(skeleton("\u0430\u0445\u0435"), "axe");
});

test("tcp/room/confusables.ts is what tools/confusables.mjs derives from Unicode's data", async () => {
  const check = spawnProgram("confusables", [process.execPath, "tools/confusables.mjs", "--check"]);
  await check.waitExit();
  assert.is(check.stdout, "tcp/room/confusables.ts is current\n", check.transcript());
  await reapAll();
});

test("LineFramer refuses a line too long however it arrives, and hands out lines one at a time", () => {
  const framer = new LineFramer(8);
  framer.add(Buffer.from("ok\r\n0123456789")); // a line begun that is already too long
  assert.is(framer.tooLong, 1);
  assert.ok(framer.midLine, "the refused line is still being dropped");
  framer.add(Buffer.from("still the same line"));
  framer.add(Buffer.from(" end\nnext\n一半"));
  assert.equal([framer.next(), framer.next(), framer.next()], ["ok", "next", undefined]);
  assert.ok(framer.midLine);
  assert.is(framer.end(), "一半");
  framer.tooLong = 0; // counted since it was last set to 0, as a reader does
  assert.equal(framer.push(Buffer.from("0123456789\nfine\n")), { lines: ["fine"], tooLong: 1 });
  assert.not.ok(framer.midLine);
  assert.is(framer.end(), undefined);
});

test.run();
