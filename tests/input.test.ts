// shared/input.ts behaves like Python's input(), seen through a real pipe.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll, spawnScript } from "../harness/procs.ts";

test.after.each(reapAll);

test("input returns each line once, none lost when several arrive together, null at the end", async () => {
  const proc = spawnScript("tests/fixtures/echo-input.ts");
  proc.child.stdin?.end("一\r\ntwo\n\nthree 🌙\nlast without newline");
  assert.equal(await proc.waitExit(), { code: 0, signal: null });
  assert.is(proc.stdout, '> "一"\n> "two"\n> ""\n> "three 🌙"\n> "last without newline"\n> null\n');
});

test("input writes its prompt before waiting, and waits for the line", async () => {
  const proc = spawnScript("tests/fixtures/echo-input.ts");
  await proc.waitFor("stdout", "> ");
  assert.is(proc.stdout, "> ");
  proc.write("now");
  await proc.waitFor("stdout", '> "now"\n> ');
  proc.endInput();
  await proc.waitFor("stdout", "null\n");
});

test.run();
