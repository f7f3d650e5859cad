/**
 * The transaction index of a ChainStore (layout in tx_index.ts): level 0 is
 * written with each block and mirrored in memory; every
 * {@link TX_INDEX_FOLD_TXS} transactions it is folded, in the background,
 * into one level-1 page per bucket.
 *
 * Crash safety: level 0 is part of the block (written before the commit
 * point, read only up to `meta/head`), so an index entry exists exactly when
 * its block is committed. A fold writes its pages, then moves `meta/txfolded`,
 * then deletes the folded level-0 records; interrupted, it is simply done
 * again from level 0 (duplicate entries in two pages give the same answer).
 *
 * After a fold, page sets are merged in the background (tx_index.ts). A merge
 * writes the merged pages, then replaces its inputs by the output in
 * `meta/txpagesets` and lists them as retired, then deletes them; interrupted
 * (crash or `close()`), it is redone or its deletions finished at the next
 * start. At most one fold or merge runs at a time.
 */
import {
  type BlockRecord,
  CHUNK_BYTES,
  type HeadRecord,
  kvKey,
  type TxLocation,
} from "./kv_layout.ts";
import { commitOrThrow, joinChunks, KvBatch, splitChunks } from "./kv_batch.ts";
import {
  computeIdPrefixHex,
  computeTxBucket,
  decodeBlockTxIndex,
  encodeBlockTxIndex,
  encodeFoldPages,
  findInFoldPage,
  isTxId,
  planTxPageMerge,
  TX_INDEX_BUCKET_BITS,
  TX_INDEX_FOLD_TXS,
  type TxPageSet,
  type TxPageSetsRecord,
} from "./tx_index.ts";

/** Transaction index over one Deno KV database; used by ChainStore only. */
export class TxIndexStore {
  /** Level 0 in memory: id prefix (hex) → location, for heights above `meta/txfolded`. */
  readonly #recent = new Map<string, TxLocation>();
  /** Level-0 chunk count per unfolded height (to delete them after a fold). */
  readonly #chunks = new Map<number, number>();
  #loading: Promise<void> | null = null;
  #fold: Promise<void> | null = null;
  #merge: Promise<void> | null = null;
  #pageSets: TxPageSetsRecord = { sets: [], retired: [] };
  #closed = false;
  #error: Error | null = null;

  /** @param foldTxs level-0 transactions that trigger a fold */
  constructor(private readonly kv: Deno.Kv, private readonly foldTxs = TX_INDEX_FOLD_TXS) {}

  /** The error of a failed background fold, if any. */
  get error(): Error | null {
    return this.#error;
  }

  /** Loads the unfolded level 0 into memory (once). */
  load(): Promise<void> {
    return this.#loading ??= this.#load();
  }

  /** Stops background merges at the next bucket (the KV is about to close). */
  close(): void {
    this.#closed = true;
  }

  async #load(): Promise<void> {
    this.#pageSets = (await this.kv.get<TxPageSetsRecord>(kvKey.txPageSets())).value ??
      this.#pageSets;
    if (this.#pageSets.retired.length > 0 || planTxPageMerge(this.#pageSets.sets)) {
      this.#startMerge();
    }
    const head = (await this.kv.get<HeadRecord>(kvKey.head())).value;
    let folded = (await this.kv.get<number>(kvKey.txFolded())).value;
    if (folded === null) {
      if (head === null) return;
      // A store written before level 0 existed: its blocks have `tx/<id>` keys.
      folded = head.height;
      await this.kv.set(kvKey.txFolded(), folded);
    }
    for (let h = folded + 1; h <= (head?.height ?? -1); h++) {
      const rec = (await this.kv.get<BlockRecord>(kvKey.block(h))).value;
      if (rec?.txIndexChunks === undefined) continue;
      const keys = Array.from({ length: rec.txIndexChunks }, (_, i) => kvKey.txIndexChunk(h, i));
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < keys.length; i += 10) {
        for (const e of await this.kv.getMany<Uint8Array[]>(keys.slice(i, i + 10))) {
          if (e.value !== null) chunks.push(e.value);
        }
      }
      decodeBlockTxIndex(joinChunks(chunks)).forEach((p, i) => this.#recent.set(p, [h, i]));
      this.#chunks.set(h, rec.txIndexChunks);
    }
  }

  /**
   * Adds a block's level-0 record to `batch` (new keys, before the commit
   * point; block 0 also starts the fold pointer). @returns its chunk count
   */
  stage(batch: KvBatch, height: number, txIds: readonly string[]): number {
    if (height === 0) batch.set(kvKey.txFolded(), -1);
    if (txIds.length === 0) return 0;
    const chunks = splitChunks(encodeBlockTxIndex(txIds), CHUNK_BYTES);
    chunks.forEach((c, i) => batch.set(kvKey.txIndexChunk(height, i), c));
    return chunks.length;
  }

  /** Records a block that passed its commit point; may start a background fold. */
  committed(height: number, txIds: readonly string[], chunks: number): void {
    txIds.forEach((id, i) => this.#recent.set(computeIdPrefixHex(id), [height, i]));
    if (chunks > 0) this.#chunks.set(height, chunks);
    this.#startFold();
  }

  #startFold(): void {
    if (
      this.#recent.size < this.foldTxs || this.#fold !== null || this.#merge !== null ||
      this.#error !== null || this.#closed
    ) return;
    this.#fold = this.#foldRecent().then(
      () => {
        this.#fold = null;
        this.#startMerge();
      },
      (e) => {
        this.#error = e instanceof Error ? e : new Error(String(e));
        this.#fold = null;
      },
    );
  }

  #startMerge(): void {
    if (this.#fold !== null || this.#merge !== null || this.#error !== null || this.#closed) return;
    this.#merge = this.#mergePageSets().then(
      () => {
        this.#merge = null;
        this.#startFold();
      },
      (e) => {
        this.#merge = null;
        // Closing the KV under a merge is expected; anything else faults the store.
        if (!this.#closed) this.#error = e instanceof Error ? e : new Error(String(e));
      },
    );
  }

  /** Waits for a running fold (not for a merge: it may take long and is safe to cut). */
  async drain(): Promise<void> {
    await this.#fold;
    if (this.#error) throw this.#error;
  }

  /** Where a committed transaction is, or null. */
  async get(id: string): Promise<TxLocation | null> {
    if (!isTxId(id)) return null;
    await this.load();
    const recent = this.#recent.get(computeIdPrefixHex(id));
    if (recent !== undefined) return recent;
    const prefix = kvKey.txFoldPrefix(computeTxBucket(id));
    for await (const e of this.kv.list<Uint8Array>({ prefix })) {
      const found = findInFoldPage(e.value, id);
      if (found !== null) return found;
    }
    return (await this.kv.get<TxLocation>(kvKey.tx(id))).value;
  }

  async #foldRecent(): Promise<void> {
    const entries = [...this.#recent];
    let upTo = -1;
    for (const [, [h]] of entries) upTo = Math.max(upTo, h);
    const pages = new KvBatch(this.kv);
    for (const [bucket, page] of encodeFoldPages(entries)) {
      // CHUNK_BYTES is a multiple of the entry size: no entry straddles two parts.
      splitChunks(page, CHUNK_BYTES).forEach((c, i) =>
        pages.set(kvKey.txFoldPage(bucket, upTo, i), c)
      );
    }
    await pages.flush();
    const pageSets: TxPageSetsRecord = {
      sets: [...this.#pageSets.sets, { upTo, level: 0 }],
      retired: this.#pageSets.retired,
    };
    await commitOrThrow(
      this.kv.atomic().set(kvKey.txFolded(), upTo).set(kvKey.txPageSets(), pageSets),
    );
    this.#pageSets = pageSets;
    const stale = new KvBatch(this.kv);
    for (const [h, count] of [...this.#chunks]) {
      if (h > upTo) continue;
      for (let i = 0; i < count; i++) stale.delete(kvKey.txIndexChunk(h, i));
      this.#chunks.delete(h);
    }
    for (const [prefix, loc] of entries) {
      if (this.#recent.get(prefix) === loc) this.#recent.delete(prefix);
    }
    await stale.flush();
  }

  /** Deletes retired page sets, then runs every merge that is due. */
  async #mergePageSets(): Promise<void> {
    for (;;) {
      if (this.#closed) return;
      const { sets, retired } = this.#pageSets;
      if (retired.length > 0) {
        const stale = new KvBatch(this.kv);
        for (let bucket = 0; bucket < BUCKETS && !this.#closed; bucket++) {
          for (const set of retired) {
            for await (const e of this.kv.list(pageSetSelector(bucket, set))) stale.delete(e.key);
          }
          if (stale.length >= FLUSH_MUTATIONS) await stale.flush();
        }
        if (this.#closed) return;
        await stale.flush();
        await this.#savePageSets({ sets, retired: [] });
        continue;
      }
      const merge = planTxPageMerge(sets);
      if (merge === null) return;
      const out = new KvBatch(this.kv);
      for (let bucket = 0; bucket < BUCKETS; bucket++) {
        if (this.#closed) return;
        const parts: Uint8Array[] = [];
        for (const set of merge.inputs) {
          for await (const e of this.kv.list<Uint8Array>(pageSetSelector(bucket, set))) {
            parts.push(e.value);
          }
        }
        if (parts.length === 0) continue;
        // Every part is whole entries, and CHUNK_BYTES a multiple of the entry size.
        splitChunks(joinChunks(parts), CHUNK_BYTES).forEach((c, i) =>
          out.set(kvKey.txFoldPage(bucket, merge.output.upTo, i, merge.output.level), c)
        );
        if (out.length >= FLUSH_MUTATIONS) await out.flush();
      }
      await out.flush();
      await this.#savePageSets({ sets: merge.sets, retired: merge.inputs });
    }
  }

  async #savePageSets(record: TxPageSetsRecord): Promise<void> {
    await this.kv.set(kvKey.txPageSets(), record);
    this.#pageSets = record;
  }
}

const BUCKETS = 2 ** TX_INDEX_BUCKET_BITS;
/** Mutations gathered before a merge writes them (a few atomic commits). */
const FLUSH_MUTATIONS = 2_000;

/** The keys of one bucket's page in a page set. */
function pageSetSelector(bucket: number, set: TxPageSet): Deno.KvListSelector {
  return {
    start: kvKey.txFoldPage(bucket, set.upTo, 0, set.level),
    end: kvKey.txFoldPage(bucket, set.upTo, 0, set.level + 1),
  };
}
