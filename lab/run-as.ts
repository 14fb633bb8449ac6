/**
 * Who the lab's children run as, and that they die with it. The lab may run as root (for
 * tcpdump), but root is used only for the capture:
 *
 * - the chat scripts run as the owner of the project's folder (whoever cloned it), or as
 *   `nobody` when root owns the clone; `nobody` cannot read a private clone (0700), so the
 *   built scripts are copied into a temporary folder it can read, and run from there;
 * - tcpdump runs as the `tcpdump` user (else `nobody`) with one capability, CAP_NET_RAW,
 *   which capturing needs.
 *
 * Each child is started through `setpriv` (util-linux), which changes its user, then asks
 * the kernel for a parent-death signal (`--pdeathsig SIGKILL`), then runs the program: when
 * the lab ends, however it ends (SIGKILL included), the kernel kills its children. tcpdump
 * would drop root by itself, to its own user, and a change of user clears the parent-death
 * signal: so setpriv starts it as that user already, and it changes nothing.
 *
 * @example
 * ```ts
 * import { captureCommand, scriptRunner } from "./run-as.ts";
 * const run = scriptRunner(); // as root in a clone owned by uid 1000: { who: "uid 1000 (the clone's owner)", … }
 * spawn(run.prefix[0], [...run.prefix.slice(1), process.execPath, "…/server.js"], { cwd: run.dir, env: run.env });
 * captureCommand(); // ["/usr/bin/setpriv", "--reuid=102", …, "--pdeathsig=SIGKILL", "--"]
 * ```
 * @module
 */
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILD, ROOT } from "./root.ts";
import { installHint, toolPath } from "./tools.ts";

const NOBODY = { uid: 65534, gid: 65534, name: "nobody" };
/** The folders of the built chat scripts that run. */
const SCRIPT_DIRS = ["tcp", "udp", "shared"];
/** The temporary copies for nobody: `tcp-udp-chat-lab-PID-XXXXXX`, PID the lab's. */
const COPY_PREFIX = "tcp-udp-chat-lab-";
/** What the scripts see of the lab's environment when they run as someone else. */
const KEPT_ENV = ["PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ"];

interface User {
  uid: number;
  gid: number;
  name: string;
}

export interface Runner {
  /** Who the scripts run as, in words, for the lab's terminal. */
  who: string;
  /** The folder holding `.cache/build/`, where they run. */
  dir: string;
  /** What goes before `node script.js …` on their command line. */
  prefix: string[];
  env: NodeJS.ProcessEnv;
  /** Why a script might outlive the lab, if it might. */
  warning?: string;
  /** Remove the copy made for nobody, if any. */
  dispose(): void;
}

const isRoot = () => process.getuid?.() === 0;

/** How the lab runs its chat scripts; or why it cannot. Made once, when the lab starts. */
export function scriptRunner(): Runner | string {
  const setpriv = toolPath("setpriv");
  if (!isRoot()) {
    return {
      who: "you",
      dir: ROOT,
      prefix: setpriv ? [setpriv, "--pdeathsig=SIGKILL", "--"] : [],
      env: { ...process.env, FORCE_COLOR: "0", NO_COLOR: "1" },
      warning: setpriv ? undefined : `${installHint("setpriv")}: a killed lab leaves its scripts`,
      dispose: () => {},
    };
  }
  if (!setpriv) return `${installHint("setpriv")}: as root, the lab runs the scripts through it`;
  const owner = statSync(ROOT).uid;
  const user = owner === 0 ? NOBODY : (passwd(owner) ?? { uid: owner, gid: owner, name: "" });
  const dir = owner === 0 ? copyForNobody() : ROOT;
  const env: NodeJS.ProcessEnv = { HOME: dir, FORCE_COLOR: "0", NO_COLOR: "1" };
  for (const name of KEPT_ENV) if (process.env[name]) env[name] = process.env[name];
  return {
    who:
      owner === 0
        ? "nobody (root owns the clone)"
        : `${user.name || `uid ${owner}`} (the clone's owner)`,
    dir,
    prefix: [setpriv, ...asUser(user), "--no-new-privs", "--pdeathsig=SIGKILL", "--"],
    env,
    dispose: () => {
      if (dir !== ROOT) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * What goes before `tcpdump …`: as root, setpriv to the `tcpdump` user (else nobody) with
 * CAP_NET_RAW alone, dying with its parent; otherwise setpriv for the parent-death signal
 * only; nothing where setpriv is missing.
 */
export function captureCommand(): string[] {
  const setpriv = toolPath("setpriv");
  if (!setpriv) return [];
  if (!isRoot()) return [setpriv, "--pdeathsig=SIGKILL", "--"];
  const user = passwd("tcpdump") ?? NOBODY;
  const caps = "-all,+net_raw";
  return [
    setpriv,
    ...asUser(user),
    `--inh-caps=${caps}`,
    `--ambient-caps=${caps}`,
    `--bounding-set=${caps}`,
    "--pdeathsig=SIGKILL",
    "--",
  ];
}

function asUser(user: User): string[] {
  return [`--reuid=${user.uid}`, `--regid=${user.gid}`, "--clear-groups"];
}

/** The entry of /etc/passwd for a uid or a name. */
function passwd(who: number | string): User | undefined {
  let lines: string[] = [];
  try {
    lines = readFileSync("/etc/passwd", "utf8").split("\n");
  } catch {
    return undefined;
  }
  for (const line of lines) {
    const [name = "", , uid, gid] = line.split(":");
    if (name === who || Number(uid) === who) return { uid: Number(uid), gid: Number(gid), name };
  }
  return undefined;
}

/**
 * A copy of the built scripts that nobody can read, in a new temporary folder (copies left
 * by labs that were killed are removed first: their lab's process is gone).
 */
function copyForNobody(): string {
  removeStaleCopies();
  const dir = mkdtempSync(join(tmpdir(), `${COPY_PREFIX}${process.pid}-`));
  for (const sub of SCRIPT_DIRS) {
    cpSync(join(ROOT, BUILD, sub), join(dir, BUILD, sub), { recursive: true });
  }
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  readable(dir);
  return dir;
}

/** Make `path` and everything in it readable by all (folders 0755, files 0644). */
function readable(path: string): void {
  const stat = lstatSync(path);
  if (stat.isDirectory()) {
    chmodSync(path, 0o755);
    for (const name of readdirSync(path)) readable(join(path, name));
  } else if (stat.isFile()) {
    chmodSync(path, 0o644);
  }
}

function removeStaleCopies(): void {
  const uid = process.getuid?.();
  for (const name of readdirSync(tmpdir())) {
    const pid = new RegExp(`^${COPY_PREFIX}(\\d+)-\\w+$`).exec(name)?.[1];
    if (!pid || existsSync(`/proc/${pid}`)) continue;
    const path = join(tmpdir(), name);
    try {
      const stat = lstatSync(path);
      if (stat.isDirectory() && stat.uid === uid) rmSync(path, { recursive: true, force: true });
    } catch {
      // removed meanwhile
    }
  }
}
