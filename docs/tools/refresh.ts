// tcp-udp-chat: regenerate the blocks of docs/ and docs/zh/ that show real output.
// Run:  make docs     (needs root and tcpdump for the captures, chromium for the lab's picture)
//       make docs ARGS="capture-loss capture-frame"     (only the blocks whose command has a word)
// A block sits between `<!-- begin: COMMAND -->` and `<!-- end: COMMAND -->`; this runs
// COMMAND's tool once and writes its stdout into every such block, in English and in 中文,
// inside a fenced block: a Mermaid diagram if it is one, else text. Tools may write files too:
// the captures' .pcap, the lab's picture.
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
  "make capture-frame": ["docs/tools/capture.ts", "--frame", "--pcap", "docs/captures/frame.pcap"],
  "make capture-loss": ["docs/tools/loss.ts"],
  "make capture-loss ARGS=--syn": ["docs/tools/loss.ts", "--syn"],
  "make demo": ["docs/tools/demo.ts", "--fast"],
  "make lab": ["docs/tools/lab-shot.ts", "--png", "docs/images/lab.png"],
};

const BLOCK = /(<!-- begin: ([^>]+?) -->\n)[\s\S]*?(<!-- end: \2 -->)/g;
const only = process.argv.slice(2);

/** Each command's output, run once however many pages show it. */
const outputs = new Map<string, string>();
function output(page: string, command: string): string {
  const known = outputs.get(command);
  if (known !== undefined) return known;
  const tool = TOOLS[command];
  if (!tool) throw new Error(`${page}: no tool for <!-- begin: ${command} -->`);
  const [program, ...args] = scriptCommand(tool[0] as string, tool.slice(1));
  const text = execFileSync(program as string, args, { cwd: ROOT, encoding: "utf8" });
  process.stderr.write(`${page}: ${command}\n`);
  outputs.set(command, text);
  return text;
}

for (const dir of ["docs", "docs/zh"]) {
  for (const name of readdirSync(join(ROOT, dir)).filter((f) => f.endsWith(".md"))) {
    const page = `${dir}/${name}`;
    const text = readFileSync(join(ROOT, page), "utf8");
    const fresh = text.replace(BLOCK, (all, begin: string, command: string, end: string) => {
      if (only.length > 0 && !only.some((word) => command.includes(word))) return all;
      const shown = output(page, command);
      const fence = shown.startsWith("sequenceDiagram\n") ? "mermaid" : "text";
      return `${begin}\`\`\`${fence}\n${shown}\`\`\`\n${end}`;
    });
    if (fresh !== text) writeFileSync(join(ROOT, page), fresh);
  }
}
