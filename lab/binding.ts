/**
 * Where the lab listens, and the names it answers to. `--host` is resolved once, and the
 * lab binds the address it resolved to (never the name again): it is loopback only when
 * every address the name has is loopback (127.0.0.0/8, ::1), whatever the name looks like
 * (`127.lab.example` is a name like any other). A request must then name the lab, in its
 * `Host` header, by one of the names listed here, exactly: a web page whose own name has
 * been pointed at 127.0.0.1 (DNS rebinding) sends its own name, and is refused.
 *
 * @example
 * ```ts
 * import { hostNames, resolveHost } from "./binding.ts";
 * const bound = await resolveHost("127.0.0.1"); // { address: "127.0.0.1", loopback: true }
 * hostNames("127.0.0.1", bound, 8080); // Set { "127.0.0.1:8080", "localhost:8080", "[::1]:8080" }
 * ```
 * @module
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { hostname, networkInterfaces } from "node:os";
import { hostPort } from "../shared/host-port.ts";

export interface Bound {
  /** The address to listen on: the first the name resolved to. */
  address: string;
  /** Every address the name resolved to is loopback: only this machine can connect. */
  loopback: boolean;
}

/** Whether `address` (an IP address, not a name) is loopback. */
export function isLoopbackAddress(address: string): boolean {
  if (isIP(address) === 4) return address.split(".")[0] === "127";
  const v6 = address.toLowerCase();
  if (v6 === "::1" || v6 === "0:0:0:0:0:0:0:1") return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6)?.[1];
  return mapped !== undefined && isLoopbackAddress(mapped);
}

/** `host` resolved: where to bind and whether it is loopback; or why it cannot be used. */
export async function resolveHost(host: string): Promise<Bound | string> {
  let addresses: string[];
  try {
    addresses = (await lookup(host, { all: true })).map((a) => a.address);
  } catch (err) {
    return `cannot resolve ${host} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  const [address] = addresses;
  if (address === undefined) return `cannot resolve ${host} (no address)`;
  return { address, loopback: addresses.every(isLoopbackAddress) };
}

/** Whether `address` is a wildcard: every address of this machine. */
function isWildcard(address: string): boolean {
  return address === "0.0.0.0" || address === "::";
}

/**
 * The `Host` values the lab answers to, lowercase: the name given, the address bound, and
 * for loopback `localhost`, `127.0.0.1` and `[::1]`; for a wildcard, each address of this
 * machine and its host name. Each with the port, and also without it when the port is 80.
 */
export function hostNames(host: string, bound: Bound, port: number): Set<string> {
  const hosts = new Set([host, bound.address]);
  if (bound.loopback || isWildcard(bound.address)) {
    for (const h of ["localhost", "127.0.0.1", "::1"]) hosts.add(h);
  }
  if (isWildcard(bound.address)) {
    hosts.delete(bound.address);
    for (const a of Object.values(networkInterfaces()).flat()) {
      if (a && !a.address.toLowerCase().startsWith("fe80:")) hosts.add(a.address);
    }
    hosts.add(hostname());
  }
  const names = new Set<string>();
  for (const h of hosts) {
    const name = hostPort(h, port).toLowerCase();
    names.add(name);
    if (port === 80) names.add(name.replace(/:80$/, ""));
  }
  return names;
}

/** The addresses of `names` that other machines could use, as URLs: what `--expose` opens. */
export function exposedUrls(names: Set<string>): string[] {
  return [...names]
    .filter((n) => /:\d+$/.test(n))
    .filter((n) => {
      const h = n.replace(/:\d+$/, "").replace(/^\[|\]$/g, "");
      return h !== "localhost" && !(isIP(h) && isLoopbackAddress(h));
    })
    .map((n) => `http://${n}`);
}
