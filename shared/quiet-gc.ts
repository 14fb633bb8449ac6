/**
 * Give back, once a process falls quiet, the memory its busy spell took.
 *
 * A garbage-collected runtime does not free memory when an object dies: V8 collects when
 * it next allocates, and grows its heap to allocate less often while it is busy. A room
 * that has just greeted a thousand members (each join announced to every member) holds
 * tens of megabytes of dead announcements and a young generation grown to 16 MiB, and an
 * idle room allocates nothing, so no collection ever comes to give them back. Python and
 * ncat free each object as it dies and have nothing to give back.
 *
 * This watches for activity (`busy()`, called on every event); after `quietMs` with
 * none, if the heap has grown by `growthBytes` since the last collection, it runs one full
 * collection. V8 then sees that the process hardly allocates and shrinks the young
 * generation; on Node 22 and later a second, "last-resort" collection also returns the
 * pages it keeps pooled. The gc function comes from V8 itself (`--expose-gc` set at run
 * time, `gc` taken from a new context, as Node's own docs do for `v8.setFlagsFromString`),
 * so no flag is needed on the command line. Where there is none (Deno), nothing happens.
 *
 * V8 judges its allocation rate over the last 5 s: a collection sooner after the busy
 * spell frees the dead objects but keeps the young generation at its grown size.
 * Measured with bench/ (docs/benchmarks.md, "Room memory per idle member").
 *
 * @example
 * ```ts
 * import { QuietCollector } from "./quiet-gc.ts";
 * const quiet = new QuietCollector((before, after) => trace(`heap ${before} -> ${after} bytes`));
 * socket.on("data", () => quiet.busy());
 * ```
 * @module
 */

type Gc = (options?: { type: string; execution: string; flavor: string }) => void;

/** V8's own gc function, without `--expose-gc` on the command line; `undefined` if none. */
function v8Gc(): Gc | undefined {
  try {
    process.getBuiltinModule("node:v8").setFlagsFromString("--expose-gc");
    return process.getBuiltinModule("node:vm").runInNewContext("gc") as Gc;
  } catch {
    return undefined; // not V8 under Node
  }
}

export class QuietCollector {
  readonly #gc = v8Gc();
  readonly #onCollect: (heapBefore: number, heapAfter: number) => void;
  readonly #quietMs: number;
  readonly #growthBytes: number;
  #busy = false;
  #quietSince = Date.now();
  #heapAfter = process.memoryUsage().heapTotal;

  /** Check every `quietMs / 4`; `onCollect` hears the heap's size before and after, in bytes. */
  constructor(
    onCollect: (heapBefore: number, heapAfter: number) => void = () => {},
    quietMs = 6000,
    growthBytes = 4 * 1024 * 1024,
  ) {
    this.#onCollect = onCollect;
    this.#quietMs = quietMs;
    this.#growthBytes = growthBytes;
    if (this.#gc) setInterval(() => this.#check(), quietMs / 4).unref();
  }

  /** Something happened: the quiet starts again from now. */
  busy(): void {
    this.#busy = true;
  }

  #check(): void {
    const now = Date.now();
    if (this.#busy) {
      this.#busy = false;
      this.#quietSince = now;
      return;
    }
    if (now - this.#quietSince < this.#quietMs) return;
    const before = process.memoryUsage().heapTotal;
    if (before < this.#heapAfter + this.#growthBytes) return;
    this.#gc?.();
    this.#gc?.({ type: "major", execution: "sync", flavor: "last-resort" });
    this.#heapAfter = process.memoryUsage().heapTotal;
    this.#onCollect(before, this.#heapAfter);
  }
}
