// Loss, made visible (docs/14-loss.md): make capture-loss builds a private network of three
// namespaces that loses packets, runs the UDP and TCP pairs across it, and always removes it.
// It needs root (and tc with netem, or nft): elsewhere these tests are skipped, saying why.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { LossyNetwork, ourNamespaces } from "../docs/tools/netns.ts";
import { reapAll, spawnProgram, spawnScript } from "../harness/procs.ts";
import { testUnless } from "../harness/skip.ts";
import { installHint, missingTools } from "../harness/tools.ts";
import { asNobody, nobodyProblem } from "../harness/users.ts";

test.after.each(reapAll);

/** The namespaces' common name, from the tool's first line on stderr. */
const BASE = /network namespaces: (\S+)-client, -network, -server\n/;

const isRoot = process.getuid?.() === 0;
const missing = missingTools(["ip", "tcpdump"]);
const problem = isRoot && missing.length === 0 ? LossyNetwork.problem() : undefined;

const why = !isRoot
  ? "they need root (network namespaces)"
  : missing.length > 0
    ? installHint(missing)
    : problem;
if (isRoot && missing.length > 0 && process.env.CI === "true") {
  test("CI has ip and tcpdump for the loss lesson", () => assert.unreachable(installHint(missing)));
}
const lossTest = testUnless(why, "make capture-loss tests");

lossTest(
  "make capture-loss: TCP sends each lost segment again and every message arrives; UDP loses one, and the client waits for ever",
  async () => {
    const run = spawnProgram("make capture-loss", ["make", "-s", "capture-loss"]);
    assert.equal(await run.waitExit(30_000), { code: 0, signal: null }, run.transcript());
    const [udp = "", tcp = ""] = run.stdout.split("\nTCP: tcp/client.ts");
    // UDP: every datagram arrives until one is lost, the last one sent; it is never sent again
    const datagrams = udp.split("\n").filter((l) => /^ +[\d.]+ ms {2}"datagram \d+"/.test(l));
    assert.ok(datagrams.length >= 2, udp);
    assert.match(datagrams.at(-1) as string, /lost on the way: nobody sends it again$/);
    for (const row of datagrams.slice(0, -1)) assert.match(row, /arrived; the server answered/);
    assert.match(udp, /now waits in recvfrom for an\nanswer to datagram \d+ that will never come/);
    // TCP: each lost segment is followed by a copy of the same bytes, and in the end all arrive
    const segments = tcp.split("\n").flatMap((l) => {
      const m = /^ +[\d.]+ ms +(\d+) +(\d+) +("[^"]+") +(.*)$/.exec(l);
      return m ? [{ seq: m[1], text: m[3], fate: m[4] as string }] : [];
    });
    const lost = segments.filter((s) => s.fate.endsWith("lost on the way"));
    assert.ok(lost.length >= 1, `no segment was lost:\n${tcp}`);
    for (const l of lost) {
      const after = segments.slice(segments.indexOf(l) + 1);
      const again = after.find((s) => s.seq === l.seq && s.fate.endsWith("arrived"));
      assert.ok(again?.fate.startsWith("sent again by the client's kernel"), `${l.text}:\n${tcp}`);
      assert.is(again?.text, l.text);
    }
    // each copy names what sent it, from the client's own counters; a lone segment's first
    // copy waits for the probe's 200 ms (rto_min) or the timer, never less
    const WHY =
      /\((a tail loss probe|the retransmission timer|a fast retransmit)( and [a-z ]+)?; srtt [\d.]+ ms\)/;
    const copies = segments.filter((s) => s.fate.startsWith("sent again"));
    for (const copy of copies) {
      assert.match(copy.fate, WHY, `${copy.text}:\n${tcp}`);
      const after = Number(/, ([\d.]+) ms after the first/.exec(copy.fate)?.[1]);
      if (copy.text !== '"byebye"' && !copy.fate.includes("a fast retransmit"))
        assert.ok(after >= 200, `${copy.text} sent again after ${after} ms:\n${tcp}`);
    }
    assert.match(tcp, /messages and byebye sent; all arrived at the server, in order\./);
    const base = BASE.exec(run.stderr)?.[1] as string;
    assert.equal(
      ourNamespaces().filter((n) => n.startsWith(base)),
      [],
      "namespaces left behind",
    );
  },
);

lossTest(
  "make capture-loss ARGS=--syn: a lost SYN is sent again 1 s later, then 1 s apart while tcp_syn_linear_timeouts lasts, then twice as long each time; at 0, twice as long from the start",
  async () => {
    const run = spawnProgram("make capture-loss --syn", [
      "make",
      "-s",
      "capture-loss",
      "ARGS=--syn --seconds 8", // 5 waits of 1 s, then one of 2 s, with the default of 4
    ]);
    assert.equal(await run.waitExit(40_000), { code: 0, signal: null }, run.transcript());
    const header = /^ +SYN +(.+)$/m.exec(run.stdout)?.[1] ?? "";
    const settings = [...header.matchAll(/tcp_syn_linear_timeouts = (\d+)/g)].map((m) =>
      Number(m[1]),
    );
    assert.ok(settings.length >= 1, run.stdout);
    // each row: the SYN's number, then for each column its time and the wait before it
    const rows = run.stdout
      .split("\n")
      .filter((l) => /^ +\d+ +[\d.]+ s/.test(l))
      .map((l) => [...l.matchAll(/([\d.]+) s(?: +\(([\d.]+) s later\))?/g)]);
    settings.forEach((linear, column) => {
      const waits = rows.flatMap((cells) => (cells[column]?.[2] ? [Number(cells[column][2])] : []));
      assert.ok(waits.length >= 2, `${linear}: ${run.stdout}`);
      waits.forEach((wait, n) => {
        // RFC 6298's first timeout is 1 s; the first `linear` resends keep it, then it doubles
        const expected = n <= linear ? 1 : 2 ** (n - linear);
        assert.ok(
          wait >= expected * 0.95 && wait <= expected * 1.5 + 0.1,
          `tcp_syn_linear_timeouts = ${linear}, wait ${n + 1}: ${wait} s, expected ${expected} s\n${run.stdout}`,
        );
      });
    });
    if (settings.length === 2) assert.equal(settings, [settings[0], 0]);
    const bases = [...run.stderr.matchAll(new RegExp(BASE, "g"))].map((m) => m[1] as string);
    for (const base of bases) {
      assert.equal(
        ourNamespaces().filter((n) => n.startsWith(base)),
        [],
        "namespaces left behind",
      );
    }
  },
);

lossTest("make capture-loss removes its namespaces even when it is interrupted", async () => {
  const run = spawnProgram("make capture-loss", ["make", "-s", "capture-loss"]);
  const base = BASE.exec(await run.waitFor("stderr", BASE))?.[1] as string;
  assert.ok(
    ourNamespaces().some((n) => n.startsWith(base)),
    "the namespaces exist while it runs",
  );
  run.killGroup("SIGINT"); // Ctrl-C in the terminal reaches make and the tool alike
  await run.waitExit();
  assert.equal(
    ourNamespaces().filter((n) => n.startsWith(base)),
    [],
    "namespaces left behind",
  );
});

// As nobody, from a copy it can read: where the tests above are skipped, it is too.
const noNobody = why ? undefined : nobodyProblem();
const notRootTest = why ? lossTest : testUnless(noNobody, "the not-root loss test");

notRootTest("make capture-loss says clearly when it is not root", async () => {
  const notRoot = spawnScript("docs/tools/loss.ts", [], "capture-loss", asNobody());
  assert.equal(await notRoot.waitExit(), { code: 1, signal: null }, notRoot.transcript());
  assert.is(
    notRoot.stderr,
    "make capture-loss needs root: it builds network namespaces. Try: sudo make capture-loss\n",
  );
});

test.run();
