/**
 * How the framing lesson's pair cuts a byte stream into messages (docs/15-framing.md): not
 * at all, as the article does (each read is "a message"); at each `\n`; or by a length of 4
 * bytes sent first. Both sides must agree: the server and the client take the same
 * `--frame` flag.
 *
 * @example
 * ```ts
 * import { chatArgs } from "../../shared/args.ts";
 * import { frameFlag } from "./frame.ts";
 * const args = chatArgs({ script: "tcp/frame-server.ts", about: "…", port: 8004, server: true, options: { frame: frameFlag } });
 * args.frame; // "none", "line" or "length"
 * ```
 * @module
 */
import { choice } from "../../shared/args.ts";

/** How a byte stream is cut into messages: not at all (as the article), by `\n`, or by a length first. */
export type Frame = "none" | "line" | "length";

/** `--frame K`, for both sides of the pair. */
export const frameFlag = choice<Frame>(
  "none",
  ["none", "line", "length"],
  "how messages are marked: none (as the article), line (\\n), length (4 bytes first)",
);
