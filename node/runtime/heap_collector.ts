/**
 * Full garbage collections of the node's main isolate when its garbage grew
 * by a fixed amount (issue 8: RSS < 1 GiB with 1,000,000 accounts and
 * 100,000 open orders).
 *
 * Why: V8 lets the old generation grow to up to ~4× the heap left by its last
 * full collection before it collects again (the factor follows allocation
 * speed, and under load it is at its maximum). Every transaction lives until
 * its block commits, so it and its byte buffers (ArrayBuffers count as
 * "external" memory) are promoted and die in the old generation. With
 * 1,000,000 accounts (~380 MB live) placing 100,000 orders grew the main
 * heap to 690-810 MB plus 230 MB of external buffers before V8 collected:
 * RSS peaked at 1.2-1.5 GiB although 650-760 MiB stay live. A fixed growth
 * factor (`--v8-flags=--heap-growing-percent=20`) bounds that, but on a small
 * heap it collects so often that transfer TPS fell ~12 %. Bounding the
 * absolute growth instead changes nothing for a small node (V8 collects
 * before) and caps a large one.
 *
 * After each committed block the node asks {@link HeapCollector.afterBlock}:
 * when heap in use plus external memory grew by {@link MAJOR_GROWTH_BYTES}
 * since the last full collection and is over {@link MIN_COLLECT_BYTES}, it runs one (synchronous: 260-620 ms with
 * 1,000,000 accounts on the loaded 2-core machine, 40-120 ms for the 2,000
 * accounts of the transfer load test; V8 would pay most of it later anyway). Needs `--v8-flags=--expose-gc` (deno.json tasks, Dockerfile,
 * tests' spawnNodeProcess); without it nothing happens. Consensus never
 * depends on it: only when memory is reclaimed changes.
 */

import { type GcFunction, getExposedGc } from "../../workers/match_idle_gc.ts";

/** Growth of heap in use + external memory since the last full collection that triggers one. */
export const MAJOR_GROWTH_BYTES = 128 * 1024 * 1024;
/**
 * Below this much heap in use + external memory the node never forces a collection: a forced
 * one is a stop-the-world pause (a validator's votes wait for it), worth it only where the peak
 * matters. The transfer load test (2,000 accounts) stays below it; 1,000,000 accounts start
 * above ~450 MB.
 */
export const MIN_COLLECT_BYTES = 512 * 1024 * 1024;

/** Memory of this isolate that a full collection can give back, bytes. */
export function readCollectableBytes(): number {
  const m = Deno.memoryUsage();
  return m.heapUsed + m.external;
}

/** What one collection did. */
export interface HeapCollection {
  /** Heap in use + external before and after, bytes. */
  beforeBytes: number;
  afterBytes: number;
  durationMs: number;
}

/** Decides and runs the main isolate's full collections (see the module comment). */
export class HeapCollector {
  #baselineBytes: number;

  /**
   * @param gc V8's `gc` (default: the exposed global); null disables collection
   * @param readBytes heap in use + external of this isolate
   * @param growthBytes growth that triggers a full collection
   * @param now clock for the durations, ms
   * @param floorBytes no collection is forced below this size
   */
  constructor(
    readonly gc: GcFunction | null = getExposedGc(),
    readonly readBytes: () => number = readCollectableBytes,
    readonly growthBytes: number = MAJOR_GROWTH_BYTES,
    readonly now: () => number = () => performance.now(),
    readonly floorBytes: number = MIN_COLLECT_BYTES,
  ) {
    this.#baselineBytes = gc === null ? 0 : readBytes();
  }

  /** Call after a block committed: runs a full collection when due; null when none ran. */
  afterBlock(): HeapCollection | null {
    if (this.gc === null) return null;
    const bytes = this.readBytes();
    // V8 collected on its own meanwhile: measure growth from what it left.
    if (bytes < this.#baselineBytes) this.#baselineBytes = bytes;
    if (bytes - this.#baselineBytes < this.growthBytes || bytes < this.floorBytes) return null;
    return this.collect();
  }

  /**
   * Call after loading the chain state: compacts (see {@link collect}) when the
   * heap holds at least `growthBytes`; a small state's load leaves too little
   * empty to be worth the ~60 ms of a memory-reducing collection at every start.
   */
  afterStateLoad(): HeapCollection | null {
    if (this.gc === null || this.readBytes() < this.growthBytes) return null;
    return this.collect({ compact: true });
  }

  /**
   * Runs a full collection now; null when disabled. `compact` asks V8 for its
   * memory-reducing collection (compacts and gives free pages back; ~3x the
   * time): after loading the state, whose parsing left the heap ~40 % empty
   * but committed (measured with 1,000,000 accounts: RSS after start 550-660
   * -> 440-450 MiB).
   */
  collect(opts: { compact?: boolean } = {}): HeapCollection | null {
    if (this.gc === null) return null;
    const beforeBytes = this.readBytes();
    const t0 = this.now();
    this.gc({
      type: "major",
      execution: "sync",
      ...(opts.compact ? { flavor: "last-resort" } : {}),
    });
    const afterBytes = this.#baselineBytes = this.readBytes();
    return { beforeBytes, afterBytes, durationMs: this.now() - t0 };
  }
}

/** Idle time after which {@link IdleCompactor} compacts its isolate, ms. */
export const IDLE_COMPACT_MS = 200;
/** Heap size under which {@link IdleCompactor} leaves its isolate alone. */
export const IDLE_COMPACT_MIN_HEAP_BYTES = 24 * 1024 * 1024;

/**
 * Compacts a worker's isolate once it has had no work for {@link IDLE_COMPACT_MS}
 * (used by the verify workers; the match worker has its own, workers/match_idle_gc.ts).
 *
 * Why: under sustained load V8 grows a worker's young generation to its
 * maximum (16 MB semi-spaces) and keeps it: a verify worker held 62-75 MB of
 * heap with ~11 MB live at the 1,000,000-account memory peak (issue 8). A
 * regular full or young-generation collection frees the objects but keeps the
 * pages; only V8's memory-reducing collection (`flavor: "last-resort"`) shrinks
 * the young generation again (measured: 75 -> 4 MB in ~40 ms). It runs only
 * after an idle gap, once per gap, so a busy worker never pays for it.
 */
export class IdleCompactor {
  #inFlight = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #collections = 0;

  /**
   * @param gc V8's `gc` (default: the exposed global); null disables compaction
   * @param idleMs idle time before compacting
   * @param minHeapBytes no compaction while the isolate's heap is smaller (a
   *   quiet validator's workers, verifying a few votes a second, stay small and
   *   would pay a multi-pass collection in every gap for nothing)
   * @param readHeapBytes the isolate's heap size (V8's heapTotal)
   */
  constructor(
    readonly gc: GcFunction | null = getExposedGc(),
    readonly idleMs: number = IDLE_COMPACT_MS,
    readonly minHeapBytes: number = IDLE_COMPACT_MIN_HEAP_BYTES,
    readonly readHeapBytes: () => number = () => Deno.memoryUsage().heapTotal,
  ) {}

  /** Compactions run so far. */
  get collections(): number {
    return this.#collections;
  }

  /** A job started: no compaction until every started job {@link done}. */
  start(): void {
    this.#inFlight++;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** A job finished: when none is left, compact after {@link idleMs} without a new one. */
  done(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    if (this.#inFlight > 0 || this.gc === null) return;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#compact(), this.idleMs);
  }

  /** Cancels a pending compaction (tests, shutdown). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #compact(): void {
    this.#timer = undefined;
    if (this.#inFlight > 0 || this.gc === null) return;
    if (this.readHeapBytes() < this.minHeapBytes) return;
    this.gc({ type: "major", execution: "sync", flavor: "last-resort" });
    this.#collections++;
  }
}
