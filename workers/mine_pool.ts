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

/**
 * Web Worker mining pool. One search at a time: a new `mine` cancels the
 * previous one (which resolves null).
 *
 * @example
 * const pool = new MinePool({ workers: 2 });
 * const nonce = await pool.mine(computePreSealHash(header), header.difficulty);
 * pool.close();
 */
export class MinePool implements Miner {
  readonly workerCount: number;
  readonly #workers: Worker[] = [];
  #search: Search | null = null;
  #nextId = 1;
  #closed = false;
  /** Hashes tried by finished searches (for hash-rate figures). */
  attempts = 0;

  constructor(opts: { workers?: number } = {}) {
    this.workerCount = Math.max(1, opts.workers ?? navigator.hardwareConcurrency ?? 1);
    for (let i = 0; i < this.workerCount; i++) {
      const w = new Worker(WORKER_URL, { type: "module", name: "gridtokenx-mine" });
      w.onmessage = (e: MessageEvent<MineResult>) => this.#onResult(e.data);
      w.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        this.#fail(new MinePoolError("WORKER_FAILED", `Mining worker failed: ${e.message}`));
      };
      this.#workers.push(w);
    }
  }

  mine(preSealHash: Uint8Array, difficulty: number, signal?: AbortSignal): Promise<number | null> {
    if (this.#closed) return Promise.reject(new MinePoolError("CLOSED", "Mine pool is closed"));
    this.#cancelCurrent();
    if (signal?.aborted) return Promise.resolve(null);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#search = { id, pending: this.workerCount, resolve, reject };
      signal?.addEventListener("abort", () => {
        if (this.#search?.id === id) this.#cancelCurrent();
      }, { once: true });
      this.#workers.forEach((w, i) => {
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
    } else if (r.type === "exhausted") {
      if (--s.pending === 0) {
        this.#search = null;
        s.resolve(null);
      }
    } else if (r.type === "error") {
      this.#fail(new MinePoolError("WORKER_FAILED", r.message));
    }
  }

  #fail(e: Error): void {
    const s = this.#search;
    this.#search = null;
    s?.reject(e);
  }

  /** Terminates the workers; a running search resolves null. */
  close(): void {
    if (this.#closed) return;
    this.#cancelCurrent();
    this.#closed = true;
    for (const w of this.#workers) w.terminate();
  }
}
