// tcp-udp-chat: regenerate the blocks of docs/ that show real output.
// Run:  make docs     (needs root and tcpdump for the captures, chromium for the lab's picture)
// A block sits between `<!-- begin: COMMAND -->` and `<!-- end: COMMAND -->`; this runs
// COMMAND's tool and writes its stdout there, inside a fenced block: a Mermaid diagram if
// it is one, else text. Tools may write files too: the captures' .pcap, the lab's picture.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, scriptCommand } from "../../harness/procs.ts";

/** What each command in a marker runs. */
const TOOLS: Record<string, string[]> = {
  "make capture": ["docs/tools/capture.ts", "--pcap", "docs/captures/tcp.pcap"],
  "make capture-udp": ["docs/tools/capture.ts", "--udp", "--pcap", "docs/captures/udp.pcap"],
  "make capture-udp ARGS=--no-server": [
    "docs/tools/capture.ts",
    "--udp",
    "--no-server",
    "--pcap",
    "docs/captures/udp-no-server.pcap",
  ],
  "make demo": ["docs/tools/demo.ts", "--fast"],
  "make lab": ["docs/tools/lab-shot.ts", "--png", "docs/images/lab.png"],
};

const BLOCK = /(<!-- begin: ([^>]+?) -->\n)[\s\S]*?(<!-- end: \2 -->)/g;

for (const name of readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md"))) {
  const path = join(ROOT, "docs", name);
  const text = readFileSync(path, "utf8");
  const fresh = text.replace(BLOCK, (_all, begin: string, command: string, end: string) => {
    const tool = TOOLS[command];
    if (!tool) throw new Error(`${name}: no tool for <!-- begin: ${command} -->`);
    const [program, ...args] = scriptCommand(tool[0] as string, tool.slice(1));
    const output = execFileSync(program as string, args, {
      cwd: ROOT,
      encoding: "utf8",
    });
    process.stderr.write(`${name}: ${command}\n`);
    const fence = output.startsWith("sequenceDiagram\n") ? "mermaid" : "text";
    return `${begin}\`\`\`${fence}\n${output}\`\`\`\n${end}`;
  });
  if (fresh !== text) writeFileSync(path, fresh);
}
