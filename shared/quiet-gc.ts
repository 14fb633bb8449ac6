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
 * none, if the process holds `growthBytes` more memory (resident) than after its last
 * collection, it runs one full collection. V8 then sees that the process hardly
 * allocates and shrinks the young generation; on Node 22 and later a second,
 * "last-resort" collection also returns the pages it keeps pooled. The gc function comes
 * from V8 itself (`--expose-gc` set at run time, `gc` taken from a new context), so no
 * flag is needed on the command line; Deno 2 hands it over the same way (checked). Where
 * there is none, nothing happens.
 *
 * V8 judges its allocation rate over the last 5 s (its GC tracer's throughput window) and
 * shrinks the young generation only below 1000 bytes a millisecond: a collection sooner
 * after the busy spell frees the dead objects but keeps the young generation at its grown
 * size (seen here: 16 MiB kept 2 s after a join storm, 1 MiB after 6 s; the 1,000-member
 * test in tests/room-load.test.ts would fail on it).
 * Measured with bench/ (docs/benchmarks.md, "Room memory per idle member").
 *
 * @example
 * ```ts
 * import { QuietCollector } from "./quiet-gc.ts";
 * const quiet = new QuietCollector((q) => trace(`heap ${q.heapBefore} -> ${q.heapAfter} bytes`));
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

/** What one quiet spell found: the heap's size (bytes) before and after, and whether it collected. */
export interface Quiet {
  heapBefore: number;
  heapAfter: number;
  collected: boolean;
}

export class QuietCollector {
  readonly #gc = v8Gc();
  readonly #onQuiet: (quiet: Quiet) => void;
  readonly #quietMs: number;
  readonly #growthBytes: number;
  #busy = false;
  #quietSince = Date.now();
  #told = false; // this quiet spell has been reported
  #residentAfter = process.memoryUsage.rss(); // since the last collection (or the start)

  /** Check every `quietMs / 4`; `onQuiet` hears, once a quiet spell, what it found. */
  constructor(
    onQuiet: (quiet: Quiet) => void = () => {},
    quietMs = 6000,
    growthBytes = 4 * 1024 * 1024,
  ) {
    this.#onQuiet = onQuiet;
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
      [this.#busy, this.#told, this.#quietSince] = [false, false, now];
      return;
    }
    if (this.#told || now - this.#quietSince < this.#quietMs) return;
    this.#told = true;
    const before = process.memoryUsage().heapTotal;
    if (process.memoryUsage.rss() < this.#residentAfter + this.#growthBytes) {
      this.#onQuiet({ heapBefore: before, heapAfter: before, collected: false });
      return;
    }
    this.#gc?.();
    this.#gc?.({ type: "major", execution: "sync", flavor: "last-resort" });
    this.#residentAfter = process.memoryUsage.rss();
    const heapAfter = process.memoryUsage().heapTotal;
    this.#onQuiet({ heapBefore: before, heapAfter, collected: true });
  }
}
