/**
 * Where a program's scenarios run, when the program has its port written into it (the
 * article's 8001 and 8002): each scenario in a network namespace of its own, made with
 * unshare(1) (util-linux), where 127.0.0.1 is a loopback of its own and the port is free,
 * so that scenarios run side by side and nothing on this machine is in the way. As root,
 * `unshare --net`; as another user, the same inside a user namespace (`--map-root-user`),
 * where the kernel allows it. A PID namespace goes with it, so that everything the scenario
 * started dies with it. Without namespaces, the real port, if it is free, one scenario at a
 * time. A program that takes its port on its command line (`{port}`) needs neither.
 *
 * @example
 * ```ts
 * import { namespacePrefix } from "./network.ts";
 * const prefix = namespacePrefix(); // ["unshare", "--net", …, "sh", "-c", "… exec \"$@\"", "sh"], or undefined
 * spawn(prefix[0], [...prefix.slice(1), process.execPath, "worker.js", spec]);
 * ```
 * @module
 */
import { spawnSync } from "node:child_process";
import { toolPath } from "../harness/tools.ts";

/** How a program's scenarios meet its port. */
export type NetworkMode = "port-arg" | "namespace" | "real-port" | "none";

let cached: string[] | null | undefined;

/** `ip`, wherever it is: /usr/sbin is not on every user's PATH. */
function ipPath(): string | undefined {
  if (toolPath("ip")) return toolPath("ip");
  for (const place of ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]) {
    if (spawnSync(place, ["-V"], { stdio: "ignore" }).status === 0) return place;
  }
  return undefined;
}

/**
 * The command line that runs a command in a network namespace of its own with its loopback
 * up (the command's words follow it), or undefined where this machine or user cannot.
 */
export function namespacePrefix(): string[] | undefined {
  if (cached !== undefined) return cached ?? undefined;
  cached = null;
  const ip = ipPath();
  if (!ip || !toolPath("unshare")) return undefined;
  const user = process.getuid?.() === 0 ? [] : ["--map-root-user"];
  const tries = [
    [...user, "--net", "--pid", "--fork", "--mount-proc", "--kill-child"],
    [...user, "--net"],
  ];
  const up = `${ip} link set lo up`;
  for (const flags of tries) {
    const probe = spawnSync("unshare", [...flags, "--", "sh", "-c", up], {
      stdio: "ignore",
      timeout: 5000,
    });
    if (probe.status === 0) {
      cached = ["unshare", ...flags, "--", "sh", "-c", `${up} && exec "$@"`, "sh"];
      return cached;
    }
  }
  return undefined;
}

/** Words, to show how the scenarios ran: the unshare flags used. */
export function namespaceFlags(): string {
  const prefix = namespacePrefix();
  return prefix ? prefix.slice(1, prefix.indexOf("--")).join(" ") : "";
}
