// The script lines the docs cite stay true: a reference like `tcp/client.ts:45
// send(client, toServerMsg)` names the statement that line holds, exactly as the lab's
// ladder names it (lab/source-line.ts), and a trace line a lesson shows, `send 6 bytes to …
// (tcp/client.ts:45)`, points at the call that does it. A script that gains or loses a
// line moves its statements: this test says which page to correct.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ROOT } from "../harness/procs.ts";
import { sourceLine } from "../lab/source-line.ts";
import { read } from "./doc-blocks.ts";

/** Every page that may cite a script line: the README and the lessons in both languages. */
const PAGES = [
  "README.md",
  ...["docs", "docs/zh"].flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((f) => f.endsWith(".md"))
      .map((f) => `${dir}/${f}`),
  ),
];

/** A script line, and the statement written after it if any (up to a backtick, `·` or the end). */
const REFERENCE = /\b((?:tcp|udp)\/[\w-]+\.ts):(\d+)(?: ([^`·\n]*[^`·\n\s]))?/g;

/** The call a trace event's verb comes from. */
const CALLS: [RegExp, string][] = [
  [/\] listen on /, "listen("],
  [/\] accept /, "accept("],
  [/\] connected /, "connect("],
  [/\] send \d/, "send("],
  [/\] recv \d/, "recv("],
  [/\] FIN to /, "close("],
  [/\] close /, "close("],
  [/\] bind /, "bind("],
  [/\] recvfrom /, "recvfrom("],
  [/\] sendto /, "sendto("],
];

test("every script line the docs cite holds the statement they name, as the lab's ladder names it", () => {
  let checked = 0;
  const wrong: string[] = [];
  for (const page of PAGES) {
    const lines = read(page).split("\n");
    lines.forEach((text, i) => {
      for (const [, file, number, statement] of text.matchAll(REFERENCE)) {
        const at = `${file}:${number}`;
        const shown = sourceLine(at); // what the ladder shows for that line: `FILE:N statement`
        const where = `${page}:${i + 1} cites ${at}`;
        checked += 1;
        if (shown === at) wrong.push(`${where}, which holds no statement`);
        else if (
          statement !== undefined &&
          !/^\(/.test(statement) &&
          shown !== `${at} ${statement}`
        ) {
          // a statement named after the place: it must be the one there
          if (/^[\w.]+\(/.test(statement))
            wrong.push(`${where} ${statement}, but the line is: ${shown}`);
        }
        const call = CALLS.find(([verb]) => verb.test(text))?.[1];
        if (text.includes("[trace ") && call && !shown.includes(call)) {
          wrong.push(`${where} for a trace of ${call.slice(0, -1)}, but the line is: ${shown}`);
        }
      }
    });
  }
  assert.ok(checked >= 20, `only ${checked} references found`);
  assert.equal(wrong, [], "references that no longer point at their statement");
});

test.run();
