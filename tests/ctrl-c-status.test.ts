// What `echo $?` shows after Ctrl-C (docs/06-pitfalls.md): the mirror exits 130, but make
// reports that as a failed recipe and exits with its own status, 2; `npm run -s` passes the
// script's 130 on. Run on a real terminal (script(1)), so that Ctrl-C is the terminal's
// SIGINT to the whole foreground group, as when a person presses it.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll } from "../harness/procs.ts";
import { Screen } from "../harness/screen.ts";
import { testUnless } from "../harness/skip.ts";
import { haveTool } from "../harness/tools.ts";

test.after.each(reapAll);

/**
 * Start `command` on a terminal, press Ctrl-C once the server listens; the screen, ending
 * with what `$?` was then. bash, like the interactive shell a person types into, outlives the
 * Ctrl-C when its job exits with a code rather than dying of the signal (dash may die too).
 */
async function statusAfterCtrlC(name: string, command: string): Promise<string> {
  const screen = Screen.start(name, `bash -c '${command}; echo "exit=$?"'`);
  await screen.waitFor("listening on");
  screen.type("\x03");
  await screen.waitFor((s) => /exit=\d+/.test(s.text()), "exit=N");
  return screen.text();
}

const scriptTest = testUnless(
  haveTool("script") && haveTool("bash")
    ? undefined
    : "script(1) (util-linux) or bash is not installed",
  "the Ctrl-C status test",
);

scriptTest(
  "Ctrl-C under make: make says Error 130 and exits 2, so echo $? prints 2; npm run -s passes the 130 on",
  async () => {
    const make = await statusAfterCtrlC("make", 'make -s tcp-server ARGS="--port 0"');
    assert.match(make, /exit=2$/);
    // make names the script's own 130; or, when make got the CPU only after the script had
    // exited, GNU make's own wait/SIGINT race (see tests/terminal.test.ts)
    assert.match(
      make,
      /make: \*\*\* \[Makefile:\d+: tcp-server\] Error 130|make: \*\*\* wait: No child processes/,
    );
    const npm = await statusAfterCtrlC("npm run", "npm run -s tcp-server -- --port 0");
    assert.match(npm, /exit=130$/);
  },
);

test.run();
