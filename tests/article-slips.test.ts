// Lesson 23 (docs/23-article-slips.md): the numbers it shows come from this machine's own
// tables, /etc/protocols and /etc/services (Debian's netbase), as its command reads them.
import { existsSync } from "node:fs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll, spawnProgram } from "../harness/procs.ts";
import { testUnless } from "../harness/skip.ts";
import { runBlock } from "./doc-blocks.ts";

test.after.each(reapAll);

const why =
  existsSync("/etc/protocols") && existsSync("/etc/services")
    ? undefined
    : "no /etc/protocols or /etc/services; install with: sudo apt-get install -y netbase";
if (why && process.env.CI === "true")
  test("CI has netbase for lesson 23", () => assert.unreachable(why));
const netbaseTest = testUnless(why, "lesson 23's numbers:");

netbaseTest(
  "lesson 23's numbers are this machine's own: OSPF is IP protocol 89, L2TP is UDP port 1701",
  async () => {
    const run = spawnProgram("getent", ["bash", "-c", runBlock("article-numbers")]);
    assert.equal(await run.waitExit(), { code: 0, signal: null }, run.transcript());
    assert.match(run.stdout, /^ospf +89 +OSPFIGP$/m);
    assert.match(run.stdout, /^l2f +1701\/udp +l2tp$/m);
  },
);

test.run();
