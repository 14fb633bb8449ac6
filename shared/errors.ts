/**
 * Turn the socket errors a learner can cause into one line that names the address and
 * what to do, then exit 1. Only the errors we expect are explained; anything else is
 * a bug and is re-thrown so that it shows in full.
 *
 * @example
 * ```ts
 * import { explain } from "./errors.ts";
 * explain({ code: "ECONNREFUSED" }, "connect to", "127.0.0.1:8001");
 * // "cannot connect to 127.0.0.1:8001: connection refused (is the server running? start it first)"
 * ```
 * @module
 */

const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused (is the server running? start it first)",
  EADDRINUSE: "address already in use (another server has this port: stop it or pick --port)",
  EACCES: "permission denied (ports below 1024 need root: pick --port 1024 or above)",
  EADDRNOTAVAIL: "address not available (this machine has no such address: check --host)",
  ENOTFOUND: "host not found (check --host)",
  EAI_AGAIN: "host not found (name lookup failed: check --host)",
  EAI_FAIL: "host not found (name lookup failed: check --host)",
  ENETUNREACH: "network unreachable (check --host)",
  EHOSTUNREACH: "host unreachable (check --host)",
  ETIMEDOUT: "timed out (check --host and that the server is running)",
};

/** The one-line message for an expected error, or `undefined` for any other error. */
export function explain(err: unknown, action: string, where: string): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  const reason = typeof code === "string" ? REASONS[code] : undefined;
  return reason && `cannot ${action} ${where}: ${reason}`;
}

/** Print the explanation of an expected error and exit 1; re-throw any other error. */
export function failWith(err: unknown, action: string, where: string): never {
  const line = explain(err, action, where);
  if (line === undefined) throw err;
  process.stderr.write(`${line}\n`);
  process.exit(1);
}
