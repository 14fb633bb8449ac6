// The wire, as make capture and make lab read it: tcpdump's pcap stream taken apart
// (lab/pcap.ts), and each packet named by the one annotator both use (lab/annotate.ts).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ROOT } from "../harness/procs.ts";
import { haveTool } from "../harness/tools.ts";
import { annotate, flagLetters, roleText, table, tornDown } from "../lab/annotate.ts";
import { ACK, FIN, type Packet, PcapReader, PSH, RST, readPcap, SYN } from "../lab/pcap.ts";
import { tcp } from "./packets.ts";

// ---- pcap bytes, built here as tcpdump writes them on lo (Ethernet, IPv4) ----

const LOCALHOST = [127, 0, 0, 1];

function ipv4(proto: number, body: Buffer): Buffer {
  const header = Buffer.alloc(20);
  header[0] = 0x45;
  header.writeUInt16BE(20 + body.length, 2);
  header.writeUInt16BE(0x4000, 6); // don't fragment
  header[8] = 64;
  header[9] = proto;
  header.set(LOCALHOST, 12);
  header.set(LOCALHOST, 16);
  return Buffer.concat([header, body]);
}

function tcpFrame(
  sport: number,
  dport: number,
  seq: number,
  ack: number,
  flags: number,
  data = "",
): Buffer {
  const header = Buffer.alloc(32); // 12 bytes of options, as Linux sends (timestamps)
  header.writeUInt16BE(sport, 0);
  header.writeUInt16BE(dport, 2);
  header.writeUInt32BE(seq, 4);
  header.writeUInt32BE(ack, 8);
  header[12] = 8 << 4;
  header[13] = flags;
  header.fill(1, 20); // NOP options
  return ethernet(ipv4(6, Buffer.concat([header, Buffer.from(data)])));
}

function udpHeader(sport: number, dport: number, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt16BE(sport, 0);
  header.writeUInt16BE(dport, 2);
  header.writeUInt16BE(8 + data.length, 4);
  return Buffer.concat([header, data]);
}

function ethernet(ip: Buffer, type = 0x0800): Buffer {
  const header = Buffer.alloc(14);
  header.writeUInt16BE(type, 12);
  return Buffer.concat([header, ip]);
}

/** A pcap file: its header, then one record per frame, a millisecond apart. */
function pcap(frames: Buffer[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20); // Ethernet
  const records = frames.map((frame, n) => {
    const record = Buffer.alloc(16);
    record.writeUInt32LE(1_700_000_000, 0);
    record.writeUInt32LE(n * 1000, 4);
    record.writeUInt32LE(frame.length, 8);
    record.writeUInt32LE(frame.length, 12);
    return Buffer.concat([record, frame]);
  });
  return Buffer.concat([header, ...records]);
}

const datagram = udpHeader(40000, 8002, Buffer.from("你好 udp"));
const FRAMES = [
  tcpFrame(5000, 8001, 1000, 0, SYN),
  tcpFrame(5000, 8001, 1001, 7001, PSH | ACK, "你好"),
  ethernet(ipv4(17, datagram)),
  // the kernel's answer to a datagram for a port nobody has: type 3, code 3, the datagram quoted
  ethernet(ipv4(1, Buffer.concat([Buffer.from([3, 3, 0, 0, 0, 0, 0, 0]), ipv4(17, datagram)]))),
  ethernet(Buffer.alloc(28), 0x0806), // ARP: not for us
];

test("readPcap takes tcpdump's frames apart: TCP, UDP and ICMP, skipping the rest", () => {
  const packets = readPcap(pcap(FRAMES));
  assert.equal(
    packets.map((p) => [p.proto, p.sport, p.dport, p.payload.length]),
    [
      ["tcp", 5000, 8001, 0],
      ["tcp", 5000, 8001, 6],
      ["udp", 40000, 8002, 10],
      ["icmp", 0, 0, 38],
    ],
  );
  const [syn, data, , icmp] = packets as [Packet, Packet, Packet, Packet];
  assert.equal([syn.seq, syn.flags, syn.src, syn.dst], [1000, SYN, "127.0.0.1", "127.0.0.1"]);
  assert.is(data.payload.toString(), "你好");
  assert.is(data.time, 1_700_000_000.001);
  assert.equal(icmp.icmp, { type: 3, code: 3, sport: 40000, dport: 8002 });
});

test("PcapReader gives the same packets however the stream is cut", () => {
  const bytes = pcap(FRAMES);
  const reader = new PcapReader();
  const packets = [...bytes].flatMap((byte) => reader.push(Buffer.from([byte])));
  assert.equal(packets, readPcap(bytes));
  assert.is(reader.linkType, 1);
  assert.throws(() => readPcap(Buffer.alloc(24)), /not a pcap stream/);
});

if (haveTool("tcpdump")) {
  test("readPcap reads the committed docs/captures/ files as tcpdump -r does", () => {
    for (const name of ["tcp", "udp", "udp-no-server"]) {
      const file = join(ROOT, "docs/captures", `${name}.pcap`);
      const tcpdump = spawnSync("tcpdump", ["-r", file, "-n"], { encoding: "utf8" });
      assert.is(tcpdump.status, 0, tcpdump.stderr);
      const lines = tcpdump.stdout.trim().split("\n");
      const packets = readPcap(readFileSync(file));
      assert.is(packets.length, lines.length, `${name}: ${tcpdump.stdout}`);
      for (const [n, p] of packets.entries()) {
        const line = lines[n] ?? "";
        if (p.proto === "tcp") {
          assert.ok(line.includes(`Flags [${flagLetters(p.flags)}]`), line);
          assert.ok(line.includes(`length ${p.payload.length}`), line);
        } else if (p.proto === "udp") {
          assert.ok(
            line.includes(`.${p.sport} > 127.0.0.1.${p.dport}: UDP, length ${p.payload.length}`),
            line,
          );
        } else {
          assert.ok(line.includes(`udp port ${p.icmp?.dport} unreachable`), line);
        }
      }
    }
  });
}

// ---- the annotator: roles, relative numbers, states ----

/** The handshake and 你好, the client's first sequence number 1000, the server's 7000. */
const HANDSHAKE = [
  tcp("client", SYN, 1000, 0),
  tcp("server", SYN | ACK, 7000, 1001),
  tcp("client", ACK, 1001, 7001),
  tcp("client", PSH | ACK, 1001, 7001, "你好"),
  tcp("server", ACK, 7001, 1007),
];

test("annotate names the handshake, the data and a four-segment teardown", () => {
  const packets = [
    ...HANDSHAKE,
    tcp("client", FIN | ACK, 1007, 7001),
    tcp("server", ACK, 7001, 1008),
    tcp("server", FIN | ACK, 7001, 1008),
    tcp("client", ACK, 1008, 7002),
  ];
  const segments = annotate(packets, 8001);
  assert.equal(
    segments.map((s) => `${s.from} ${roleText(s)}`),
    [
      "client SYN: first handshake / 第一次握手",
      "server SYN-ACK: second handshake / 第二次握手",
      "client ACK: third handshake / 第三次握手",
      "client data: 6 bytes from the client / 数据：客户端发来 6 字节",
      "server ACK: the server has received 6 bytes, expects byte 7 next / 确认：服务端已收到 6 字节，下一个要第 7 字节",
      "client FIN: the client closes its side, first wave / 客户端先关闭：第一次挥手",
      "server ACK of that FIN: second wave / 确认这个 FIN：第二次挥手",
      "server FIN: the server closes too, third wave / 服务端也关闭：第三次挥手",
      "client ACK of the last FIN: fourth wave / 确认最后的 FIN：第四次挥手",
    ],
  );
  assert.ok(tornDown(segments));
});

test("annotate gives seq and ack relative to each side's first: the ACK is the next byte expected", () => {
  const segments = annotate(HANDSHAKE, 8001);
  assert.equal(
    segments.map((s) => [s.name, s.seq, s.ack, s.bytes]),
    [
      ["SYN", 0, undefined, 0],
      ["SYN-ACK", 0, 1, 0],
      ["ACK", 1, 1, 0],
      ["PSH-ACK", 1, 1, 6],
      ["ACK", 1, 7, 0], // 1 + 6: the next byte the server expects
    ],
  );
  const lines = table(segments).split("\n");
  assert.match(lines[0] ?? "", /flags +seq +ack +len +role/);
  assert.match(lines[4] ?? "", /client → server {2}\[P\.\] +1 +1 +6 {2}data/);
  assert.match(lines[5] ?? "", /server → client {2}\[\.\] +1 +7 +0 {2}ACK/);
});

test("annotate sees the second and third waves in one segment, and the delayed ACK riding on it", () => {
  const packets = [
    ...HANDSHAKE,
    tcp("client", PSH | ACK, 1007, 7001, "byebye"),
    tcp("client", FIN | ACK, 1013, 7001),
    tcp("server", FIN | ACK, 7001, 1014), // acknowledges byebye and the FIN at once
    tcp("client", ACK, 1014, 7002),
  ];
  const segments = annotate(packets, 8001).slice(6);
  assert.equal(
    segments.map((s) => s.roles.map((r) => r.en)),
    [
      ["FIN: the client closes its side, first wave"],
      [
        "ACK + FIN in one segment: second and third waves",
        "also acknowledges 6 bytes received earlier (a delayed ACK rides along)",
      ],
      ["ACK of the last FIN: fourth wave"],
    ],
  );
});

test("annotate follows each end's TCP state, as RFC 9293 draws it", () => {
  const packets = [
    ...HANDSHAKE,
    tcp("server", FIN | ACK, 7001, 1007), // the server closes first
    tcp("client", FIN | ACK, 1007, 7002), // the client's FIN acknowledges it
    tcp("server", ACK, 7002, 1008),
  ];
  const states = annotate(packets, 8001).map((s) => `${s.states?.client} ${s.states?.server}`);
  assert.equal(states, [
    "SYN-SENT SYN-RECEIVED",
    "ESTABLISHED SYN-RECEIVED",
    "ESTABLISHED ESTABLISHED",
    "ESTABLISHED ESTABLISHED",
    "ESTABLISHED ESTABLISHED",
    "CLOSE-WAIT FIN-WAIT-1",
    "LAST-ACK TIME-WAIT",
    "CLOSED TIME-WAIT",
  ]);
  const reset = annotate([...HANDSHAKE, tcp("server", RST, 7001, 0)], 8001).at(-1);
  assert.equal(
    [reset?.name, roleText(reset as never), reset?.states],
    [
      "RST",
      "RST: the connection is reset / 复位：连接被重置",
      { client: "CLOSED", server: "CLOSED" },
    ],
  );
});

test("annotate shows UDP datagrams, and the kernel's ICMP answer when no program has the port", () => {
  const packets = readPcap(pcap(FRAMES));
  const segments = annotate(packets, 8002);
  assert.equal(
    segments.map((s) => [s.from, s.flags, s.bytes, s.clientPort]),
    [
      ["client", "UDP", 10, 40000],
      ["kernel", "ICMP", 0, 40000],
    ],
  );
  assert.match(roleText(segments[1] as never), /^ICMP port unreachable: no program has port 8002/);
  assert.match(table(segments, "port 8002"), /kernel → client +\[ICMP\]/);
});

test("annotate leaves out packets that are not to or from the server's port", () => {
  assert.equal(annotate(HANDSHAKE, 9999), []);
  assert.is(flagLetters(FIN | PSH | ACK), "FP.");
});

test.run();
