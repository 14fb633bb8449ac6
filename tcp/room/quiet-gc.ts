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
 * This watches for activity (`busy()`, called on every event). Once the process has been
 * quiet for a check's interval (`quietMs / 4`), if it holds `growthBytes` more memory
 * (resident) than after its last collection, it runs a full collection, which frees the
 * dead objects; `quietMs` later, still quiet, a second one. V8 then sees that the process
 * has hardly allocated since the first and shrinks the young generation; on Node 22 and
 * later a "last-resort" collection also returns the pages V8 keeps pooled. The gc
 * function comes from V8 itself (`--expose-gc` set at run time, `gc` taken from a new
 * context), so no flag is needed on the command line; Deno 2 hands it over the same way
 * (checked). Where there is none, nothing happens.
 *
 * Why two: V8 shrinks the young generation only when the process allocated less than
 * 1000 bytes a millisecond over the last 5 s (its GC tracer's throughput window), and it
 * counts the bytes allocated since the previous collection over the time since then. A
 * single collection 6 s into the quiet counts what the busy spell allocated after its
 * last collection too, up to the whole 16 MiB young generation: sometimes too much, and
 * the young generation stays grown (seen in CI: heap 37.7 -> 26.0 MiB). The second one
 * counts only the quiet (seen here: 16 MiB kept 2 s after a join storm, 1 MiB after 6 s;
 * the 1,000-member test in tests/room-load.test.ts fails without it).
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

const mib = (bytes: number) => (bytes / 1048576).toFixed(1);

/** The line a room traces for one quiet spell: what was collected, in MiB. */
export function quietReport({ heapBefore, heapAfter, collected }: Quiet): string {
  return collected
    ? `quiet: garbage collected, heap ${mib(heapBefore)} -> ${mib(heapAfter)} MiB`
    : `quiet: heap ${mib(heapBefore)} MiB, memory grown too little since the last collection to collect`;
}

/**
 * Matches a {@linkcode quietReport} line: group 1 is the heap (MiB) after a collection,
 * group 2 the heap when none was needed.
 */
export const QUIET_REPORT =
  /quiet: (?:garbage collected, heap [\d.]+ -> ([\d.]+) MiB|heap ([\d.]+) MiB, memory grown too little)/;

export class QuietCollector {
  readonly #gc = v8Gc();
  readonly #onQuiet: (quiet: Quiet) => void;
  readonly #quietMs: number;
  readonly #growthBytes: number;
  #busy = false;
  #told = false; // this quiet spell has been reported
  /** The first collection of this quiet spell: when, and the heap's size before it. */
  #first: { at: number; heapBefore: number } | undefined;
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

  /** Something happened: the quiet starts again at the next check. */
  busy(): void {
    this.#busy = true;
  }

  #check(): void {
    const now = Date.now();
    if (this.#busy) {
      [this.#busy, this.#told, this.#first] = [false, false, undefined];
      return;
    }
    if (this.#told) return;
    if (this.#first === undefined) {
      const heapBefore = process.memoryUsage().heapTotal;
      if (process.memoryUsage.rss() < this.#residentAfter + this.#growthBytes) {
        this.#told = true;
        this.#onQuiet({ heapBefore, heapAfter: heapBefore, collected: false });
        return;
      }
      this.#gc?.(); // the dead objects go now; the young generation keeps its size
      this.#first = { at: now, heapBefore };
      return;
    }
    if (now - this.#first.at < this.#quietMs) return;
    this.#told = true;
    this.#gc?.();
    this.#gc?.({ type: "major", execution: "sync", flavor: "last-resort" });
    this.#residentAfter = process.memoryUsage.rss();
    const heapAfter = process.memoryUsage().heapTotal;
    this.#onQuiet({ heapBefore: this.#first.heapBefore, heapAfter, collected: true });
  }
}
