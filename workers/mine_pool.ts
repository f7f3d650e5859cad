/**
 * Proof-of-work miners behind one interface: `MinePool` (one Web Worker per
 * core, nonce space split by stride) and `InlineMiner` (same thread, for
 * tests and one-core fallbacks). Both pass the same test (mine_pool_test.ts).
 */
import { mineSealInline } from "../node/consensus/pow.ts";
import type { MineMessage, MineResult } from "./mine_protocol.ts";

/** Finds a nonce whose powHash meets the difficulty. */
export interface Miner {
  /**
   * Searches a seal for `preSealHash`. Resolves with the nonce, or null when
   * `signal` aborts (e.g. a new height arrived).
   */
  mine(preSealHash: Uint8Array, difficulty: number, signal?: AbortSignal): Promise<number | null>;
  close(): void;
}

/** Same-thread miner; checks `signal` every 4096 attempts. */
export class InlineMiner implements Miner {
  mine(preSealHash: Uint8Array, difficulty: number, signal?: AbortSignal): Promise<number | null> {
    let nonce = 0;
    const step = 4096;
    for (;;) {
      if (signal?.aborted) return Promise.resolve(null);
      const found = mineSealInline(preSealHash, difficulty, nonce, 1, step);
      if (found !== null) return Promise.resolve(found);
      nonce += step;
    }
  }
  close(): void {}
}

const WORKER_URL = new URL("./mine_worker.ts", import.meta.url).href;

interface Search {
  id: number;
  pending: number;
  resolve(nonce: number | null): void;
  reject(e: Error): void;
}

/** Error of the mining pool: `CLOSED` or `WORKER_FAILED`. */
export class MinePoolError extends Error {
  override readonly name = "MinePoolError";
  constructor(readonly code: "CLOSED" | "WORKER_FAILED", message: string) {
    super(message);
  }
}

/** Default time without a search after which {@link MinePool} stops its workers, ms. */
export const MINE_POOL_IDLE_STOP_MS = 15_000;

/**
 * Web Worker mining pool. One search at a time: a new `mine` cancels the
 * previous one (which resolves null).
 *
 * Memory: each worker is a V8 isolate (~20 MiB resident). The workers start
 * with the first search and stop after `idleStopMs` without one (a node that
 * does not propose holds none); the next search starts them again. The nonce
 * split (worker i tries i, i + n, ...) is the same whenever they run.
 *
 * @example
 * const pool = new MinePool({ workers: 2 });
 * const nonce = await pool.mine(computePreSealHash(header), header.difficulty);
 * pool.close();
 */
export class MinePool implements Miner {
  readonly workerCount: number;
  readonly idleStopMs: number;
  #workers: Worker[] = [];
  #search: Search | null = null;
  #nextId = 1;
  #closed = false;
  #idleTimer: ReturnType<typeof setTimeout> | undefined;
  /** Hashes tried by finished searches (for hash-rate figures). */
  attempts = 0;

  /**
   * @param opts.workers worker count (default: one per core)
   * @param opts.idleStopMs stop the workers after this long without a search
   *   (default {@link MINE_POOL_IDLE_STOP_MS}; `Infinity` keeps them)
   */
  constructor(opts: { workers?: number; idleStopMs?: number } = {}) {
    this.workerCount = Math.max(1, opts.workers ?? navigator.hardwareConcurrency ?? 1);
    this.idleStopMs = Math.max(0, opts.idleStopMs ?? MINE_POOL_IDLE_STOP_MS);
  }

  /** Workers running now (0 before the first search and after an idle stop). */
  get runningWorkers(): number {
    return this.#workers.length;
  }

  #startWorkers(): Worker[] {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (this.#workers.length > 0) return this.#workers;
    for (let i = 0; i < this.workerCount; i++) {
      const w = new Worker(WORKER_URL, { type: "module", name: "gridtokenx-mine" });
      w.onmessage = (e: MessageEvent<MineResult>) => this.#onResult(e.data);
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        this.#fail(new MinePoolError("WORKER_FAILED", `Mining worker failed: ${e.message}`));
      };
      this.#workers.push(w);
    }
    return this.#workers;
  }

  /** Arms the idle stop (no search running). */
  #armIdleStop(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
    if (this.#closed || this.#workers.length === 0 || !Number.isFinite(this.idleStopMs)) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      if (this.#search !== null) return;
      this.#stopWorkers();
    }, this.idleStopMs);
    // The idle stop must never keep a process (or a test) alive.
    Deno.unrefTimer(this.#idleTimer);
  }

  #stopWorkers(): void {
    for (const w of this.#workers) w.terminate();
    this.#workers = [];
  }

  mine(preSealHash: Uint8Array, difficulty: number, signal?: AbortSignal): Promise<number | null> {
    if (this.#closed) return Promise.reject(new MinePoolError("CLOSED", "Mine pool is closed"));
    this.#cancelCurrent();
    if (signal?.aborted) return Promise.resolve(null);
    const id = this.#nextId++;
    const workers = this.#startWorkers();
    return new Promise((resolve, reject) => {
      this.#search = { id, pending: this.workerCount, resolve, reject };
      signal?.addEventListener("abort", () => {
        if (this.#search?.id === id) this.#cancelCurrent();
      }, { once: true });
      workers.forEach((w, i) => {
        const msg: MineMessage = {
          type: "mine",
          id,
          preSealHash: Uint8Array.from(preSealHash),
          difficulty,
          startNonce: i,
          stride: this.workerCount,
        };
        w.postMessage(msg);
      });
    });
  }

  #cancelCurrent(): void {
    const s = this.#search;
    if (s === null) return;
    this.#search = null;
    for (const w of this.#workers) {
      w.postMessage({ type: "cancel", id: s.id } satisfies MineMessage);
    }
    s.resolve(null);
    this.#armIdleStop();
  }

  #onResult(r: MineResult): void {
    const s = this.#search;
    if (r.type !== "error") this.attempts += r.attempts;
    if (s === null || r.id !== s.id) return;
    if (r.type === "found") {
      this.#search = null;
      for (const w of this.#workers) {
        w.postMessage({ type: "cancel", id: s.id } satisfies MineMessage);
      }
      s.resolve(r.nonce);
      this.#armIdleStop();
    } else if (r.type === "exhausted") {
      if (--s.pending === 0) {
        this.#search = null;
        s.resolve(null);
        this.#armIdleStop();
      }
    } else if (r.type === "error") {
      this.#fail(new MinePoolError("WORKER_FAILED", r.message));
    }
  }

  #fail(e: Error): void {
    const s = this.#search;
    this.#search = null;
    s?.reject(e);
    // A failed worker is not reused: the next search starts fresh ones.
    this.#stopWorkers();
  }

  /** Terminates the workers; a running search resolves null. */
  close(): void {
    if (this.#closed) return;
    this.#cancelCurrent();
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    this.#stopWorkers();
  }
}
