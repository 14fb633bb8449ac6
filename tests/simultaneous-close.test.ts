// A simultaneous close, as lesson 11's table tells it: when both sides have sent FIN and a
// side gets the other's FIN before the ACK of its own, it is in CLOSING; and both sides end
// in TIME-WAIT, not one of them in CLOSED. On loopback the two FINs never cross by
// themselves, so the test makes them: in a network namespace of its own (root, unshare,
// nft), it drops every segment while both sides shut down (both in FIN-WAIT-1), then only
// the bare ACKs, so that the resent FINs cross without their acknowledgements; then nothing.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { reapAll, spawnProgram } from "../harness/procs.ts";
import { testUnless } from "../harness/skip.ts";
import { installHint, missingTools } from "../harness/tools.ts";

test.after.each(reapAll);

const SCRIPT = `
import socket, subprocess, time

subprocess.run(["ip", "link", "set", "lo", "up"], check=True)

def nft(rules):
    subprocess.run(["nft", "-f", "-"], input=rules.encode(), check=True)

def drop(match):
    nft("table ip t {\\n chain out {\\n  type filter hook output priority 0; policy accept;\\n  %s drop\\n }\\n}\\n" % match)

NAMES = {"01": "ESTABLISHED", "04": "FIN-WAIT-1", "05": "FIN-WAIT-2", "06": "TIME-WAIT",
         "08": "CLOSE-WAIT", "09": "LAST-ACK", "0B": "CLOSING", "07": "CLOSED"}

a = socket.socket()
a.bind(("127.0.0.1", 0))
a.listen(1)
b = socket.create_connection(a.getsockname())
c, _ = a.accept()
ends = {"client": b.getsockname()[1], "server": a.getsockname()[1]}

def states():
    seen = {}
    for line in open("/proc/net/tcp").readlines()[1:]:
        f = line.split()
        local, remote = int(f[1].split(":")[1], 16), int(f[2].split(":")[1], 16)
        for who, other in (("client", "server"), ("server", "client")):
            if local == ends[who] and remote == ends[other]:
                seen[who] = NAMES.get(f[3], f[3])
    return seen.get("client", "gone"), seen.get("server", "gone")

def wait(done, what):
    deadline = time.time() + 10
    while not done(states()):
        if time.time() > deadline:
            raise SystemExit(f"no {what} after 10 s: {states()}")
        time.sleep(0.005)
    print("client %s, server %s" % states(), flush=True)

drop("meta l4proto tcp")                  # nothing gets through: each FIN is lost
b.shutdown(socket.SHUT_WR)
c.shutdown(socket.SHUT_WR)
wait(lambda s: s == ("FIN-WAIT-1", "FIN-WAIT-1"), "both FINs sent")
nft("flush ruleset")
drop("tcp flags & fin == 0")              # the resent FINs get through, their ACKs do not
wait(lambda s: "CLOSING" in s, "CLOSING")
nft("flush ruleset")                      # everything gets through again
wait(lambda s: s == ("TIME-WAIT", "TIME-WAIT"), "both in TIME-WAIT")
`;

const missing = missingTools(["unshare", "nft", "python3", "ip"]);
const why =
  process.getuid?.() !== 0
    ? "it needs root (a network namespace of its own)"
    : missing.length > 0
      ? installHint(missing)
      : undefined;
if (process.getuid?.() === 0 && why && process.env.CI === "true") {
  test("CI has unshare, nft, python3 and ip for the simultaneous close", () =>
    assert.unreachable(why));
}
const rootTest = testUnless(why, "the simultaneous close test");

rootTest(
  "a simultaneous close: a FIN that comes before the ACK of our own puts us in CLOSING, and both sides end in TIME-WAIT",
  async () => {
    const run = spawnProgram("simultaneous close", ["unshare", "--net", "python3", "-c", SCRIPT]);
    assert.equal(await run.waitExit(), { code: 0, signal: null }, run.transcript());
    const [both, closing, end] = run.stdout.trim().split("\n");
    assert.is(both, "client FIN-WAIT-1, server FIN-WAIT-1");
    assert.match(closing ?? "", /CLOSING/);
    assert.is(end, "client TIME-WAIT, server TIME-WAIT");
    console.log(`simultaneous close: ${closing}`);
  },
);

test.run();
