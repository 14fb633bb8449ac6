// Every Mermaid diagram of the lessons parses with Mermaid's own parser, as a code host
// needs to draw it. Apart from docs.test.ts: loading Mermaid (and jsdom) costs 2 s of CPU,
// so make test leaves it to make ci (tests/run.ts).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll, spawnScript } from "../harness/procs.ts";
import { ALL, PAGES } from "./doc-blocks.ts";

test.after.each(reapAll);

test("every mermaid diagram parses with Mermaid's own parser, as a code host needs", async () => {
  const check = spawnScript("tests/fixtures/mermaid-check.ts", PAGES, "mermaid check");
  assert.equal(await check.waitExit(), { code: 0, signal: null }, check.transcript());
  const results = check.stdout.trim().split("\n");
  assert.is(results.length, ALL.filter((b) => b.lang === "mermaid").length, check.stdout);
  assert.equal(
    results.filter((line) => !line.startsWith("ok ")),
    [],
    "these diagrams would not render",
  );
});

test.run();
