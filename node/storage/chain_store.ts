/**
 * The chain's Deno KV store: blocks, transaction index, state, and the
 * genesis spec. The only code that reads or writes chain data in KV.
 *
 * Commit protocol for block h (a committed block survives kill -9 at any instant):
 *  1. write the block's record, transaction chunks, diff (redo log) chunks,
 *     level-0 transaction index (tx_index.ts) and hash index: new keys,
 *     invisible while `meta/head` < h;
 *  2. one atomic write moves `meta/head` to h (checked against the previous
 *     head's versionstamp): the commit point;
 *  3. copy the diff into `state/*`, then set `meta/applied` = h.
 *     Interrupted here, `recover()` redoes step 3.
 *
 * Fast path: when nothing is waiting in step 3 and the whole block fits one
 * atomic commit (a small block), steps 1-3 are that one commit.
 *
 * Deferred step 3 (`CommitInput.deferApply`, used by the block producer):
 * `commitBlock` returns at the commit point and step 3 runs in the
 * background, one round at a time and in height order; a round takes every
 * block waiting and writes each state key once (the latest value), and sets `meta/applied` only after all of them
 * succeeded. So `state/*` may lag `meta/head` by at most
 * {@link MAX_UNAPPLIED_BLOCKS} blocks, which is exactly what `recover()`
 * redoes after a crash. Until a round is done, `getTxLocation` answers from
 * memory and the readers of step-3 data (`getApplied`, `loadState`,
 * `listLog`) wait for it; `drain()` waits for all of it (call it before
 * `close()`). A failed round is reported by the next `commitBlock`/`drain`.
 */
import { decode } from "cborg";
import type { Block, BlockHeader } from "../chain/block.ts";
import { encodeCanonical } from "../chain/encoding.ts";
import { encodeStateChanges } from "../chain/state_root.ts";
import type { GenesisSpec } from "../chain/genesis.ts";
import { type StateChange, WRITE_ONLY_KEY_PREFIX } from "../chain/state.ts";
import type { SignedTxJson } from "../chain/transaction.ts";
import {
  type BlobRecord,
  type BlockRecord,
  CHUNK_BYTES,
  type HeadRecord,
  kvKey,
  MAX_MUTATIONS_PER_COMMIT,
  type TxLocation,
} from "./kv_layout.ts";
import { joinChunks, KvBatch, splitChunks, StorageError } from "./kv_batch.ts";
import { computeTxIdOfJson } from "./tx_id.ts";
import { TxIndexStore } from "./tx_index_store.ts";

export { StorageError };

export interface CommitInput {
  block: Block;
  hash: string;
  txIds: readonly string[];
  changes: readonly StateChange[];
  commit?: unknown;
  /** Return at the commit point and copy the state in the background (see the top of this file). */
  deferApply?: boolean;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** Keep this many blocks of redo log; older diffs are deleted. */
const DIFF_RETENTION_BLOCKS = 64;
/** Most committed blocks whose step 3 is not done; `commitBlock` waits beyond this. */
export const MAX_UNAPPLIED_BLOCKS = 2;

/** Options of {@link ChainStore.open}. */
export interface ChainStoreOptions {
  /** Level-0 transactions that trigger a fold of the transaction index (tests use small values). */
  txIndexFoldTxs?: number;
}

/** A committed block waiting for step 3. */
interface Unapplied {
  height: number;
  changes: readonly StateChange[];
  /** Ids to index as `tx/<id>` keys: only blocks of stores written before level 0 (recover). */
  legacyTxIds?: readonly string[];
}

export class ChainStore {
  /** Committed blocks waiting for step 3, in height order. */
  #queue: Unapplied[] = [];
  /** The running step-3 round; never rejects (failures go to `#applyError`). */
  #round: Promise<void> | null = null;
  /** The blocks of the running round (their log records are served from memory meanwhile). */
  #inRound: readonly Unapplied[] = [];
  /** Blocks past the commit point whose step 3 is not finished (queued or running). */
  #unapplied = 0;
  /** Blocks ever queued for step 3, and those whose step 3 is done (readers wait on these). */
  #queuedCount = 0;
  #appliedCount = 0;
  #applyError: Error | null = null;
  readonly #txIndex: TxIndexStore;

  private constructor(readonly kv: Deno.Kv, readonly path: string, opts: ChainStoreOptions) {
    this.#txIndex = new TxIndexStore(kv, opts.txIndexFoldTxs);
  }

  /** Opens (creating if needed) the KV file at `path`. */
  static async open(path: string, opts: ChainStoreOptions = {}): Promise<ChainStore> {
    return new ChainStore(await Deno.openKv(path), path, opts);
  }

  close(): void {
    this.#txIndex.close();
    this.kv.close();
  }

  async getHead(): Promise<HeadRecord | null> {
    return (await this.kv.get<HeadRecord>(kvKey.head())).value;
  }

  async getApplied(): Promise<number | null> {
    await this.#settled();
    return (await this.kv.get<number>(kvKey.applied())).value;
  }

  async getGenesisSpec(): Promise<GenesisSpec | null> {
    const bytes = await this.readBlob("genesis");
    return bytes === null ? null : decode(bytes) as GenesisSpec;
  }

  /** Writes the genesis spec and block 0. Refuses if the store already has a chain. */
  async initGenesis(
    spec: GenesisSpec,
    header: BlockHeader,
    hash: string,
    changes: readonly StateChange[],
  ): Promise<void> {
    if (await this.getHead() !== null) {
      throw new StorageError("ALREADY_INITIALISED", `${this.path} already holds a chain`);
    }
    await this.writeBlob("genesis", encodeCanonical(spec));
    await this.commitBlock({
      block: { header, txs: [], signature: "" },
      hash,
      txIds: [],
      changes,
    });
    await this.drain();
  }

  /** Persists a block and its state changes (see the protocol at the top of this file). */
  async commitBlock(input: CommitInput): Promise<void> {
    const { block, hash, changes } = input;
    const height = block.header.height;
    if (this.#applyError) throw this.#applyError;
    if (this.#txIndex.error) throw this.#txIndex.error;
    await this.#txIndex.load();
    const head = await this.kv.get<HeadRecord>(kvKey.head());
    const expected = head.value === null ? 0 : head.value.height + 1;
    if (height !== expected) {
      throw new StorageError(
        "NOT_NEXT",
        `Cannot commit block ${height}: next height is ${expected}`,
      );
    }
    // 1. New keys, invisible until the head moves.
    const staged = new KvBatch(this.kv);
    // JSON for the transactions (their wire form, 4x faster than canonical
    // CBOR). The diff is the canonical CBOR the state root hashed: the bytes
    // computeStateRoot kept for this change list, so nothing is encoded twice.
    const txChunks = splitChunks(textEncoder.encode(JSON.stringify(block.txs)), CHUNK_BYTES);
    txChunks.forEach((c, i) => staged.set(kvKey.blockTxChunk(height, i), c));
    const diffChunks = splitChunks(encodeStateChanges(changes), CHUNK_BYTES);
    diffChunks.forEach((c, i) => staged.set(kvKey.diffChunk(height, i), c));
    const txIndexChunks = this.#txIndex.stage(staged, height, input.txIds);
    const record: BlockRecord = {
      header: block.header,
      signature: block.signature,
      hash,
      txChunks: txChunks.length,
      txEncoding: "json",
      txIndexChunks,
      diffChunks: diffChunks.length,
      ...(input.commit === undefined ? {} : { commit: input.commit }),
    };
    staged.set(kvKey.block(height), record);
    staged.set(kvKey.blockByHash(hash), height);
    const newHead: HeadRecord = { height, hash, stateRoot: block.header.stateRoot };
    const entry: Unapplied = { height, changes };
    const mutations = staged.length + changes.length + 4;
    if (this.#unapplied === 0 && mutations <= MAX_MUTATIONS_PER_COMMIT) {
      const applyBatch = await this.#stateMutations([entry]);
      if (staged.fitsOneCommit(applyBatch.length + 2)) {
        // Small block: all three steps in one atomic commit.
        const op = applyBatch.addTo(staged.addTo(this.kv.atomic().check(head)))
          .set(kvKey.head(), newHead).set(kvKey.applied(), height);
        const res = await op.commit();
        if (!res.ok) throw new StorageError("CONCURRENT_COMMIT", "Head moved during commit");
        this.#txIndex.committed(height, input.txIds, txIndexChunks);
        return;
      }
    }
    await staged.flush();
    // Bound the step-3 backlog (what recover() may have to redo).
    while (this.#unapplied >= MAX_UNAPPLIED_BLOCKS && this.#round) await this.#round;
    if (this.#applyError) throw this.#applyError;
    // 2. The commit point.
    const res = await this.kv.atomic().check(head).set(kvKey.head(), newHead).commit();
    if (!res.ok) throw new StorageError("CONCURRENT_COMMIT", "Head moved during commit");
    this.#txIndex.committed(height, input.txIds, txIndexChunks);
    // 3. Apply the redo log, now or in the background.
    this.#queue.push(entry);
    this.#unapplied++;
    this.#queuedCount++;
    this.#startRound();
    if (!input.deferApply) await this.drain();
  }

  /** Waits until step 3 of every committed block is written; throws if a round failed. */
  async drain(): Promise<void> {
    await this.#settled();
    if (this.#applyError) throw this.#applyError;
    await this.#txIndex.drain();
  }

  /** Waits for step 3 of the blocks committed so far (not of later ones: no starvation under load). */
  async #settled(): Promise<void> {
    const target = this.#queuedCount;
    while (this.#appliedCount < target && this.#round) await this.#round;
  }

  #startRound(): void {
    if (this.#round || this.#queue.length === 0 || this.#applyError) return;
    const entries = this.#queue;
    this.#queue = [];
    this.#inRound = entries;
    this.#round = this.#applyRound(entries).then(
      () => {
        this.#unapplied -= entries.length;
        this.#appliedCount += entries.length;
        this.#inRound = [];
        this.#round = null;
        this.#startRound();
      },
      (e) => {
        this.#applyError = e instanceof Error ? e : new Error(String(e));
        this.#round = null;
      },
    );
  }

  /** Step 3 of consecutive blocks: state and diff retention, then `meta/applied`. */
  async #applyRound(entries: readonly Unapplied[]): Promise<void> {
    const batch = await this.#stateMutations(entries);
    await batch.flush();
    const res = await this.kv.atomic().set(kvKey.applied(), entries.at(-1)!.height).commit();
    if (!res.ok) throw new StorageError("COMMIT_FAILED", "KV atomic commit failed");
  }

  /** The step-3 writes of consecutive blocks, each key once, except `meta/applied`. */
  async #stateMutations(entries: readonly Unapplied[]): Promise<KvBatch> {
    const latest = new Map<string, unknown>();
    for (const e of entries) for (const [key, value] of e.changes) latest.set(key, value);
    const batch = new KvBatch(this.kv);
    for (const [key, value] of latest) {
      const kvk = key.startsWith(WRITE_ONLY_KEY_PREFIX) ? kvKey.log(key) : kvKey.state(key);
      if (value === null) batch.delete(kvk);
      else batch.set(kvk, value);
    }
    for (const e of entries) {
      e.legacyTxIds?.forEach((id, i) =>
        batch.set(kvKey.tx(id), [e.height, i] satisfies TxLocation, 48)
      );
      const old = e.height - DIFF_RETENTION_BLOCKS;
      if (old > 0) {
        const rec = (await this.kv.get<BlockRecord>(kvKey.block(old))).value;
        for (let i = 0; i < (rec?.diffChunks ?? 0); i++) batch.delete(kvKey.diffChunk(old, i));
      }
    }
    return batch;
  }

  /**
   * Finishes an interrupted step 3: re-applies the redo log of every block
   * between `meta/applied` and `meta/head`. Idempotent.
   * @returns the heights re-applied
   */
  async recover(): Promise<number[]> {
    await this.drain();
    const head = await this.getHead();
    if (head === null) return [];
    const applied = (await this.getApplied()) ?? -1;
    const redone: number[] = [];
    for (let h = applied + 1; h <= head.height; h++) {
      const rec = await this.getBlockRecord(h);
      if (rec === null) {
        throw new StorageError("CORRUPT", `Block ${h} is missing below the head ${head.height}`);
      }
      const diff = await this.readChunks(rec.diffChunks, (i) => kvKey.diffChunk(h, i));
      if (diff === null) throw new StorageError("CORRUPT", `Redo log of block ${h} is missing`);
      const changes = decode(diff) as StateChange[];
      const legacyTxIds = rec.txIndexChunks === undefined
        ? (await this.getBlockTxs(rec)).map(computeTxIdOfJson)
        : undefined;
      await this.#applyRound([{ height: h, changes, ...(legacyTxIds && { legacyTxIds }) }]);
      redone.push(h);
    }
    return redone;
  }

  /** Every state entry, for loading the in-memory state at start-up. */
  async loadState(): Promise<Map<string, unknown>> {
    await this.#settled();
    const entries = new Map<string, unknown>();
    const prefixLength = kvKey.statePrefix().length;
    for await (const e of this.kv.list({ prefix: kvKey.statePrefix() }, { batchSize: 1000 })) {
      entries.set(e.key[prefixLength] as string, e.value);
    }
    return entries;
  }

  /**
   * Write-only records (e.g. trades) whose state key starts with `prefix`, in
   * key order, newest first when `reverse`; `cursor` continues after a key.
   * Records of blocks past the commit point whose step 3 is still running are
   * served from memory (they are committed: `recover()` would redo them), so
   * a reader under load does not wait for the state copy.
   */
  async listLog<T>(
    prefix: string,
    opts: { limit: number; reverse?: boolean; cursor?: string },
  ): Promise<{ key: string; value: T }[]> {
    // Taken before reading KV: a block applied meanwhile is then in both (deduplicated below).
    const pending = this.#pendingLog<T>(prefix, opts);
    const start = ["log", prefix] as const;
    const end = ["log", prefix + "\uffff"] as const;
    const selector = opts.cursor === undefined
      ? { start, end }
      : opts.reverse
      ? { start, end: ["log", opts.cursor] as const }
      : { start: ["log", opts.cursor + "\u0000"] as const, end };
    const out = new Map<string, T>();
    for (const e of pending) out.set(e.key, e.value);
    for await (const e of this.kv.list<T>(selector, { limit: opts.limit, reverse: opts.reverse })) {
      const key = e.key[1] as string;
      if (!out.has(key)) out.set(key, e.value);
    }
    const keys = [...out.keys()].sort();
    if (opts.reverse) keys.reverse();
    return keys.slice(0, opts.limit).map((key) => ({ key, value: out.get(key)! }));
  }

  /** Log records of the blocks waiting for (or in) step 3, within the cursor bound. */
  #pendingLog<T>(
    prefix: string,
    opts: { reverse?: boolean; cursor?: string },
  ): { key: string; value: T }[] {
    const out: { key: string; value: T }[] = [];
    const cursor = opts.cursor;
    for (const entry of [...this.#inRound, ...this.#queue]) {
      for (const [key, value] of entry.changes) {
        if (value === null || !key.startsWith(prefix)) continue;
        if (cursor !== undefined && (opts.reverse ? key >= cursor : key <= cursor)) continue;
        out.push({ key, value: value as T });
      }
    }
    return out;
  }

  async getBlockRecord(height: number): Promise<BlockRecord | null> {
    return (await this.kv.get<BlockRecord>(kvKey.block(height))).value;
  }

  /** The committed block at `height`, or null above the head. */
  async getBlock(height: number): Promise<Block | null> {
    const head = await this.getHead();
    if (head === null || !Number.isSafeInteger(height) || height < 0 || height > head.height) {
      return null;
    }
    const rec = await this.getBlockRecord(height);
    if (rec === null) {
      throw new StorageError("CORRUPT", `Block ${height} is missing below the head`);
    }
    return { header: rec.header, txs: await this.getBlockTxs(rec), signature: rec.signature };
  }

  async getBlockHeightByHash(hash: string): Promise<number | null> {
    const height = (await this.kv.get<number>(kvKey.blockByHash(hash))).value;
    const head = await this.getHead();
    return height === null || head === null || height > head.height ? null : height;
  }

  async getTxLocation(id: string): Promise<TxLocation | null> {
    return await this.#txIndex.get(id);
  }

  private async getBlockTxs(rec: BlockRecord): Promise<SignedTxJson[]> {
    const h = rec.header.height;
    const bytes = await this.readChunks(rec.txChunks, (i) => kvKey.blockTxChunk(h, i));
    if (bytes === null) throw new StorageError("CORRUPT", `Transactions of block ${h} are missing`);
    if (rec.txEncoding === "json") return JSON.parse(textDecoder.decode(bytes)) as SignedTxJson[];
    return decode(bytes) as SignedTxJson[];
  }

  private async readChunks(
    count: number,
    keyOf: (i: number) => Deno.KvKey,
  ): Promise<Uint8Array | null> {
    const keys = Array.from({ length: count }, (_, i) => keyOf(i));
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < keys.length; i += 10) {
      const got = await this.kv.getMany<Uint8Array[]>(keys.slice(i, i + 10));
      for (const e of got) {
        if (e.value === null) return null;
        chunks.push(e.value);
      }
    }
    return joinChunks(chunks);
  }

  private async writeBlob(name: string, bytes: Uint8Array): Promise<void> {
    const batch = new KvBatch(this.kv);
    const chunks = splitChunks(bytes, CHUNK_BYTES);
    chunks.forEach((c, i) => batch.set(kvKey.blobChunk(name, i), c));
    batch.set(kvKey.genesis(), { chunks: chunks.length, bytes: bytes.length } satisfies BlobRecord);
    await batch.flush();
  }

  private async readBlob(name: string): Promise<Uint8Array | null> {
    const rec = (await this.kv.get<BlobRecord>(kvKey.genesis())).value;
    if (rec === null) return null;
    return await this.readChunks(rec.chunks, (i) => kvKey.blobChunk(name, i));
  }
}
