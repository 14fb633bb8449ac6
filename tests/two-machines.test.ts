// Lesson 19 (docs/19-two-machines.md): two machines made of network namespaces and a veth
// pair, the mirrors chatting across them, run with the lesson's own commands (the namespaces
// renamed to this run's own): a server on 127.0.0.1 refuses the other machine and one on
// 0.0.0.0 chats with it; a firewall that drops leaves the client in SYN-SENT, one that rejects
// refuses at once; behind NAT the client goes out as the router's address, and a server at home
// cannot be reached until the router forwards the port. Root only: elsewhere skipped, saying why.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type Proc, reapAll } from "../harness/procs.ts";
import { byebye, turn } from "./chat.ts";
import { runBlock } from "./doc-blocks.ts";
import { LabNames, labTest } from "./lab-netns.ts";

test.after.each(reapAll);

const REFUSED = /cannot connect to [\d.]+:8001: connection refused/;

/** A mirror started by a lesson block, once it listens. */
async function server(lab: LabNames, name: string, block: string): Promise<Proc> {
  const proc = lab.start(name, block);
  await proc.waitFor("stderr", /listening on [\d.]+:8001 \(tcp\)\n/);
  return proc;
}

/** A client started by a lesson block that must be refused: make exits 2 (the client, 1). */
async function refused(lab: LabNames, block: string, why: RegExp): Promise<void> {
  const client = lab.start("refused client", block);
  assert.equal(await client.waitExit(), { code: 2, signal: null }, client.transcript());
  assert.match(client.stderr, why);
}

/** A client started by a lesson block chats one turn with `srv`, then says byebye. */
async function chat(lab: LabNames, block: string, srv: Proc, n = 1): Promise<void> {
  const client = lab.start("client", block);
  await turn({ kind: "tcp", client, server: srv }, `你好 ${n}`, `hi ${n}`, 1);
  await byebye({ kind: "tcp", client, server: srv });
}

const nsTest = labTest("the two-machines lesson", ["ip", "nft", "ss", "nc"]);

nsTest(
  "two machines: a server on 127.0.0.1 refuses the other machine, one on 0.0.0.0 chats with it",
  async () => {
    const lab = new LabNames(["pc-a", "pc-b", "cloud"]);
    await lab.run("two hosts", runBlock("two-hosts"));
    const local = await server(lab, "server on 127.0.0.1", runBlock("pc-b-server"));
    await refused(lab, runBlock("pc-a-client"), REFUSED);
    const listening = await lab.run("ss -ltn", runBlock("pc-b-listening"));
    assert.match(listening.stdout, /^LISTEN +0 +3 +127\.0\.0\.1:8001 +0\.0\.0\.0:\*/m);
    // even pc-b itself is refused at its own 192.168.1.20: nothing listens on that address
    const itself = lab.start(
      "pc-b to itself",
      `ip netns exec pc-b bash -c 'exec 3<>/dev/tcp/192.168.1.20/8001'`,
    );
    assert.equal((await itself.waitExit()).code, 1, itself.transcript());
    assert.match(itself.stderr, /Connection refused/);
    local.killGroup("SIGTERM");
    await local.waitExit();
    const any = await server(lab, "server on 0.0.0.0", runBlock("pc-b-server-any"));
    await any.waitFor("stderr", "note: 0.0.0.0 is reachable from the network");
    const client = lab.start("client", runBlock("pc-a-client"));
    await turn({ kind: "tcp", client, server: any }, "你好 from pc-a", "hi from pc-b");
    assert.match(client.stdout, /来自高望的消息: hi from pc-b/);
    const seen = await lab.run("ss -tn", runBlock("pc-b-connections"));
    assert.match(seen.stdout, /^ESTAB +0 +0 +192\.168\.1\.20:8001 +192\.168\.1\.10:\d+/m);
    await byebye({ kind: "tcp", client, server: any });
  },
);

nsTest(
  "two machines: a firewall that drops the SYN leaves the client waiting in SYN-SENT, one that rejects it refuses at once",
  async () => {
    const lab = new LabNames(["pc-a", "pc-b", "cloud"]);
    await lab.run("two hosts", runBlock("two-hosts"));
    const srv = await server(lab, "server on 0.0.0.0", runBlock("pc-b-server-any"));
    await lab.run("firewall: drop", runBlock("firewall-drop"));
    const waiting = lab.start("client behind a dropping firewall", runBlock("pc-a-client"));
    const syn = /^0 +1 +192\.168\.1\.10:\d+ +192\.168\.1\.20:8001/m;
    for (;;) {
      const rows = await lab.run("ss state syn-sent", runBlock("pc-a-waiting"));
      if (syn.test(rows.stdout)) break;
    }
    assert.is(waiting.stdout, "", "the waiting client prints nothing");
    waiting.killGroup("SIGTERM");
    await waiting.waitExit();
    await lab.run("firewall: reject", runBlock("firewall-reject"));
    await refused(lab, runBlock("pc-a-client"), REFUSED);
    await lab.run("firewall off", runBlock("firewall-off"));
    srv.killGroup("SIGTERM");
  },
);

nsTest(
  "two machines behind NAT: the client goes out as the router's address, and the server behind it cannot be reached until the router forwards the port",
  async () => {
    const lab = new LabNames(["pc-a", "pc-b", "cloud"]);
    await lab.run("two hosts", runBlock("two-hosts"));
    await lab.run("NAT", runBlock("nat-build"));
    const outside = await server(lab, "server on cloud", runBlock("cloud-server"));
    const client = lab.start("client at home", runBlock("pc-a-to-cloud"));
    await turn({ kind: "tcp", client, server: outside }, "你好 from home", "hi from cloud");
    const seen = await lab.run("ss -tn on cloud", runBlock("cloud-connections"));
    assert.match(seen.stdout, /^ESTAB +0 +0 +203\.0\.113\.20:8001 +203\.0\.113\.1:\d+/m);
    assert.not.match(seen.stdout, /192\.168\.1\.10/);
    await byebye({ kind: "tcp", client, server: outside });
    const home = await server(lab, "server at home", runBlock("pc-a-server"));
    await refused(lab, runBlock("cloud-to-home"), /192\.168\.1\.10:8001: network unreachable/);
    await refused(lab, runBlock("cloud-to-router"), REFUSED);
    await lab.run("port forward", runBlock("port-forward"));
    // a server on the router itself does not get what is forwarded: DNAT comes first
    const router = lab.start("nc on the router", "ip netns exec pc-b nc -l 8001");
    await chat(lab, runBlock("cloud-to-router"), home);
    assert.is(router.stdout, "", "the router's own listener heard nothing");
    await lab.run("namespaces removed", runBlock("two-hosts-gone"));
    assert.equal(lab.leftBehind(), []);
  },
);

test.run();
