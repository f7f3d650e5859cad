/**
 * Garbage collection while the match worker is idle.
 *
 * Why: a 10,000-order block allocates ~5 MB in the matcher (plus the ops it
 * received), so V8's young generation fills every few blocks and a scavenge
 * (copying the 6-8 MB still alive at that moment) lands inside a match: it
 * set the p99 of the matching step (docs/performance.md, "Order matching").
 * The worker is idle between blocks (a block every 2 s, a match takes
 * ~15 ms), so after posting each result it empties the young generation
 * itself ({@link IdleCollector.collect}); the next block then starts with an
 * empty young generation and, at this block size, finishes before it fills.
 * The old generation grows with every block's promoted orders; when it grew
 * by {@link MAJOR_GROWTH_MIN_BYTES} or {@link MAJOR_GROWTH_FRACTION} since the
 * last full collection, the idle collection is a full one, so that V8 does
 * not start (and finish) its own incremental marking during a match. A full
 * collection returns before its sweeping is done: V8's helper threads sweep
 * the old generation for another 30-100 ms (100k-800k resting orders). The
 * next block normally comes a block time later; one that arrives sooner
 * shares the cores with that sweeping (on 2 cores with other load, the match
 * thread waits for a core: measured +10-30 ms wall on such blocks).
 *
 * Needs `--v8-flags=--expose-gc` (the `gc` global); without it the collector
 * does nothing and V8 collects when it decides to. Consensus never depends on
 * it: only when memory is reclaimed changes.
 */

/** A full collection is due when the heap grew by at least this many bytes since the last one... */
export const MAJOR_GROWTH_MIN_BYTES = 16 * 1024 * 1024;
/** ...and by at least this fraction of the heap left by the last one. */
export const MAJOR_GROWTH_FRACTION = 0.25;

/** Kind of an idle collection: young generation only, or the whole heap. */
export type IdleCollectionKind = "minor" | "major";

/**
 * The kind of collection to run now, from the heap left by the previous
 * idle collection (the heap in use now also holds the young generation's
 * garbage, which says nothing about the old generation) and the heap left
 * by the last full one.
 *
 * @example
 * computeIdleCollectionKind(70e6, 50e6); // "major" (grew 20 MB > max(16 MiB, 12.5 MB))
 */
export function computeIdleCollectionKind(
  heapUsedBytes: number,
  heapAfterMajorBytes: number,
): IdleCollectionKind {
  const threshold = Math.max(MAJOR_GROWTH_MIN_BYTES, heapAfterMajorBytes * MAJOR_GROWTH_FRACTION);
  return heapUsedBytes - heapAfterMajorBytes >= threshold ? "major" : "minor";
}

/**
 * V8's `gc` global under `--expose-gc` (also used by node/runtime/heap_collector.ts);
 * `flavor: "last-resort"` is V8's memory-reducing collection.
 */
export type GcFunction = (
  options?: { type?: IdleCollectionKind; execution?: "sync"; flavor?: "regular" | "last-resort" },
) => void;

/** What one idle collection did. */
export interface IdleCollection {
  kind: IdleCollectionKind;
  /** Wall time of the collection, ms. */
  durationMs: number;
  /** Heap in use after it, bytes. */
  heapUsedBytes: number;
}

/** The `gc` global when V8 exposes it (`--v8-flags=--expose-gc`), else null. */
export function getExposedGc(): GcFunction | null {
  const gc = (globalThis as { gc?: unknown }).gc;
  return typeof gc === "function" ? gc as GcFunction : null;
}

/**
 * Runs idle collections (see the module comment). One per isolate: the
 * match worker keeps one, the benchmark mirrors it between its blocks.
 */
export class IdleCollector {
  #heapAfterMajorBytes: number;
  #heapAfterLastBytes: number;

  /**
   * @param gc V8's `gc` (default: the exposed global); null disables collection
   * @param heapUsedBytes reads the heap in use of this isolate
   */
  constructor(
    readonly gc: GcFunction | null = getExposedGc(),
    readonly heapUsedBytes: () => number = () => Deno.memoryUsage().heapUsed,
  ) {
    this.#heapAfterMajorBytes = this.#heapAfterLastBytes = gc === null ? 0 : heapUsedBytes();
  }

  /** False when `gc` is not exposed: {@link collect} then does nothing. */
  get enabled(): boolean {
    return this.gc !== null;
  }

  /** Run one idle collection (minor, or major when due); null when disabled. */
  collect(now: () => number = () => performance.now()): IdleCollection | null {
    const gc = this.gc;
    if (gc === null) return null;
    const t0 = now();
    const kind = computeIdleCollectionKind(this.#heapAfterLastBytes, this.#heapAfterMajorBytes);
    gc({ type: kind, execution: "sync" });
    const heapUsedBytes = this.#heapAfterLastBytes = this.heapUsedBytes();
    // Also lower the baseline when V8 ran a full collection of its own meanwhile.
    if (kind === "major" || heapUsedBytes < this.#heapAfterMajorBytes) {
      this.#heapAfterMajorBytes = heapUsedBytes;
    }
    return { kind, durationMs: now() - t0, heapUsedBytes };
  }
}
