// What `localhost` is, as lesson 1 answers it: the resolver reads /etc/hosts, and a stock
// Debian /etc/hosts names localhost twice, 127.0.0.1 and ::1. Node's dns.lookup then gives
// ::1 first, so `--host localhost` listens on [::1] only, and a client that connects to
// 127.0.0.1, as the article's does, is refused. The test mounts such a file over /etc/hosts
// in a mount namespace of its own (root: unshare -m), so this machine's file is untouched.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll, scriptCommand, spawnProgram, tempDir } from "../harness/procs.ts";
import { testUnless } from "../harness/skip.ts";
import { haveTool, installHint } from "../harness/tools.ts";

test.after.each(reapAll);

/** /etc/hosts as Debian's netbase package installs it on a machine with IPv6. */
const DEBIAN_HOSTS =
  "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\nff02::1\t\tip6-allnodes\nff02::2\t\tip6-allrouters\n";

/** A shell word, quoted. */
const q = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;

const rootTest = testUnless(
  process.getuid?.() !== 0
    ? "mounting over /etc/hosts needs root (unshare -m)"
    : !haveTool("unshare") || !haveTool("python3")
      ? `${installHint(["python3"])}, and unshare (util-linux)`
      : undefined,
  "the localhost test",
);

rootTest(
  "with Debian's /etc/hosts, localhost is ::1 first: --host localhost listens on [::1] only, and a client of 127.0.0.1 is refused",
  async () => {
    const hosts = join(tempDir(), "hosts");
    writeFileSync(hosts, DEBIAN_HOSTS);
    const lookup = `require("dns").lookup("localhost", (e, a) => console.log("lookup: " + a))`;
    const server = scriptCommand("tcp/server.ts", ["--host", "localhost", "--port", "0"]);
    const connect = [
      "import re, socket, sys",
      "port = int(re.search(r':(\\d+) \\(tcp\\)', sys.stdin.readline()).group(1))",
      "for host in ('::1', '127.0.0.1'):",
      "    try:",
      "        socket.create_connection((host, port)).close(); print(host + ': connected')",
      "    except ConnectionRefusedError:",
      "        print(host + ': ConnectionRefusedError')",
    ].join("\n");
    const inside = [
      `mount --bind ${q(hosts)} /etc/hosts`,
      `${q(process.execPath)} -e ${q(lookup)}`,
      // the server's ready line (stderr) goes to Python, which connects both ways; its stdin
      // stays open (sleep), or, idle at accept, it would end at once
      `{ sleep 60 2>/dev/null | ${server.map(q).join(" ")} 2>&1 >/dev/null & } | python3 -c ${q(connect)}`,
    ].join(" && ");
    const run = spawnProgram("in a mount namespace", ["unshare", "-m", "sh", "-c", inside]);
    assert.equal(await run.waitExit(), { code: 0, signal: null }, run.transcript());
    assert.is(
      run.stdout,
      "lookup: ::1\n::1: connected\n127.0.0.1: ConnectionRefusedError\n",
      run.transcript(),
    );
  },
);

test.run();
