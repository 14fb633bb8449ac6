/**
 * Turn the socket errors a learner can cause into one line that names the address and
 * what to do, then exit 1. Only the errors we expect are explained; anything else is
 * a bug and is re-thrown so that it shows in full.
 *
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

/**
 * The one-line message for an expected error (by its `code`), or `undefined` for any other.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { explain } from "./errors.ts";
 * assert.equal(
 *   explain({ code: "ECONNREFUSED" }, "connect to", "127.0.0.1:8001"),
 *   "cannot connect to 127.0.0.1:8001: connection refused (is the server running? start it first)",
 * );
 * assert.equal(explain(new Error("a bug"), "connect to", "127.0.0.1:8001"), undefined);
 * ```
 */
export function explain(err: unknown, action: string, where: string): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  const reason = typeof code === "string" ? REASONS[code] : undefined;
  return reason && `cannot ${action} ${where}: ${reason}`;
}

/**
 * Print the explanation of an expected error on stderr and exit 1; re-throw any other error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Socket } from "node:net";
 * import { failWith } from "./errors.ts";
 * const client = new Socket();
 * client.once("error", (err) => failWith(err, "connect to", "127.0.0.1:8001")); // refused: one line, exit 1
 * // An error it does not expect is a bug: re-thrown, to show in full.
 * assert.throws(() => failWith(new TypeError("a bug"), "connect to", "127.0.0.1:8001"), TypeError);
 * ```
 */
export function failWith(err: unknown, action: string, where: string): never {
  const line = explain(err, action, where);
  if (line === undefined) throw err;
  process.stderr.write(`${line}\n`);
  process.exit(1);
}
