/**
 * A TCP port that was free a moment ago on 127.0.0.1, for programs that cannot be given
 * port 0 and report the real one (ncat, the article's Python programs). Prefer port 0
 * wherever the program prints where it listens.
 *
 * `isBound(port, "tcp")` tells, from the kernel's tables, whether something listens on a
 * port without connecting to it (a probe connection would be a client to a server that
 * serves one client at a time).
 *
 * @example
 * ```ts
 * import { freePort, isBound } from "./ports.ts";
 * const port = await freePort(); // e.g. 40321
 * isBound(port, "tcp"); // false until a server listens there
 * ```
 * @module
 */
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** Whether a TCP socket listens, or a UDP socket is bound, on `port` (Linux: /proc/net). */
export function isBound(port: number, kind: "tcp" | "udp"): boolean {
  const local = `:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const wanted = kind === "tcp" ? "0A" : "07"; // LISTEN; an unconnected UDP socket shows CLOSE
  return [`/proc/net/${kind}`, `/proc/net/${kind}6`].some((file) => {
    let table = "";
    try {
      table = readFileSync(file, "latin1");
    } catch {
      return false;
    }
    return table.split("\n").some((row) => {
      const [, from = "", , state] = row.trim().split(/\s+/);
      return from.endsWith(local) && state === wanted;
    });
  });
}

export async function freePort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
