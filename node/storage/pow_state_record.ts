/**
 * PowState (proof-of-work difficulty, a fold over headers; not chain state)
 * kept in KV next to the head, so boot reads it instead of folding over every
 * stored header.
 *
 * Crash safety: the record is written after each committed block (by the
 * consensus driver, coalesced), so it may lag the head or be missing. At boot
 * it is used only if the stored block at its height has its hash; the fold
 * then continues from there to the head (usually zero or one header). A
 * missing or stale record (stores written before it) falls back to the full
 * fold from genesis.
 */
import type { BlockHeader } from "../chain/block.ts";
import type { ChainParams } from "../chain/params.ts";
import { computeInitialPowState, computeNextPowState, type PowState } from "../consensus/pow.ts";
import { kvKey } from "./kv_layout.ts";

/** PowState after the committed block `height` with hash `hash`. */
export interface PowStateRecord {
  height: number;
  hash: string;
  pow: PowState;
}

/** What boot needs of the chain store. */
export interface HeaderReader {
  readonly kv: Deno.Kv;
  getBlockRecord(height: number): Promise<{ header: BlockHeader; hash: string } | null>;
}

/** PowState at the head, and how it was obtained. */
export interface PowStateAtBoot {
  pow: PowState;
  /** Height of the persisted record used (0 = folded from genesis). */
  fromHeight: number;
  /** Block records read (the check of the record's hash plus the headers folded). */
  headersRead: number;
}

export async function loadPowStateRecord(kv: Deno.Kv): Promise<PowStateRecord | null> {
  return (await kv.get<PowStateRecord>(kvKey.powState())).value;
}

export async function savePowStateRecord(kv: Deno.Kv, rec: PowStateRecord): Promise<void> {
  await kv.set(kvKey.powState(), rec);
}

/**
 * PowState after the head: the persisted record if it belongs to this chain
 * at or below the head, then the fold over the headers after it.
 * @throws Error if a block below the head is missing
 */
export async function computePowStateAtBoot(
  store: HeaderReader,
  headHeight: number,
  params: ChainParams,
): Promise<PowStateAtBoot> {
  let pow = computeInitialPowState(params);
  let from = 0;
  let headersRead = 0;
  const rec = await loadPowStateRecord(store.kv);
  if (rec !== null && rec.height >= 1 && rec.height <= headHeight) {
    const block = await store.getBlockRecord(rec.height);
    headersRead++;
    if (block !== null && block.hash === rec.hash) {
      pow = rec.pow;
      from = rec.height;
    }
  }
  for (let h = from + 1; h <= headHeight; h++) {
    const block = await store.getBlockRecord(h);
    headersRead++;
    if (block === null) throw new Error(`Block ${h} is missing below the head ${headHeight}`);
    pow = computeNextPowState(pow, block.header, params);
  }
  return { pow, fromHeight: from, headersRead };
}

/**
 * Writes PowState records one at a time, keeping only the newest pending
 * one (a burst of commits during sync writes a few records, not one each).
 */
export class PowStateRecorder {
  #pending: PowStateRecord | null = null;
  #writing: Promise<void> | null = null;

  constructor(readonly getKv: () => Deno.Kv, readonly onError: (e: unknown) => void) {}

  /** Queues the record of a committed block. */
  record(rec: PowStateRecord): void {
    this.#pending = rec;
    this.#writing ??= this.#drain();
  }

  /** Resolves once every queued record is written (or failed). */
  async flush(): Promise<void> {
    while (this.#writing !== null) await this.#writing;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending !== null) {
        const rec = this.#pending;
        this.#pending = null;
        try {
          await savePowStateRecord(this.getKv(), rec);
        } catch (e) {
          this.onError(e);
        }
      }
    } finally {
      this.#writing = null;
    }
  }
}
