/**
 * The chain's Deno KV store: blocks, transaction index, state, and the
 * genesis spec. The only code that reads or writes chain data in KV.
 *
 * Commit protocol for block h (a committed block survives kill -9 at any instant):
 *  1. write the block's record, transaction chunks and diff (redo log) chunks,
 *     and its hash index: new keys, invisible while `meta/head` < h;
 *  2. one atomic write moves `meta/head` to h (checked against the previous
 *     head's versionstamp): the commit point;
 *  3. copy the diff into `state/*`, index its transactions, then set
 *     `meta/applied` = h. Interrupted here, `recover()` redoes step 3.
 */
import { decode } from "cborg";
import type { Block, BlockHeader } from "../chain/block.ts";
import { encodeCanonical } from "../chain/encoding.ts";
import type { GenesisSpec } from "../chain/genesis.ts";
import { type StateChange, WRITE_ONLY_KEY_PREFIX } from "../chain/state.ts";
import type { SignedTxJson } from "../chain/transaction.ts";
import {
  type BlobRecord,
  type BlockRecord,
  CHUNK_BYTES,
  type HeadRecord,
  kvKey,
  type TxLocation,
} from "./kv_layout.ts";
import { joinChunks, KvBatch, splitChunks, StorageError } from "./kv_batch.ts";
import { computeTxIdOfJson } from "./tx_id.ts";

export { StorageError };

export interface CommitInput {
  block: Block;
  hash: string;
  txIds: readonly string[];
  changes: readonly StateChange[];
  commit?: unknown;
}

/** Keep this many blocks of redo log; older diffs are deleted. */
const DIFF_RETENTION_BLOCKS = 64;

export class ChainStore {
  private constructor(readonly kv: Deno.Kv, readonly path: string) {}

  /** Opens (creating if needed) the KV file at `path`. */
  static async open(path: string): Promise<ChainStore> {
    return new ChainStore(await Deno.openKv(path), path);
  }

  close(): void {
    this.kv.close();
  }

  async getHead(): Promise<HeadRecord | null> {
    return (await this.kv.get<HeadRecord>(kvKey.head())).value;
  }

  async getApplied(): Promise<number | null> {
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
  }

  /** Persists a block and its state changes (see the protocol at the top of this file). */
  async commitBlock(input: CommitInput): Promise<void> {
    const { block, hash, changes } = input;
    const height = block.header.height;
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
    const txChunks = splitChunks(encodeCanonical(block.txs), CHUNK_BYTES);
    txChunks.forEach((c, i) => staged.set(kvKey.blockTxChunk(height, i), c));
    const diffChunks = splitChunks(encodeCanonical(changes), CHUNK_BYTES);
    diffChunks.forEach((c, i) => staged.set(kvKey.diffChunk(height, i), c));
    const record: BlockRecord = {
      header: block.header,
      signature: block.signature,
      hash,
      txChunks: txChunks.length,
      diffChunks: diffChunks.length,
      ...(input.commit === undefined ? {} : { commit: input.commit }),
    };
    staged.set(kvKey.block(height), record);
    staged.set(kvKey.blockByHash(hash), height);
    await staged.flush();
    // 2. The commit point.
    const newHead: HeadRecord = { height, hash, stateRoot: block.header.stateRoot };
    const res = await this.kv.atomic().check(head).set(kvKey.head(), newHead).commit();
    if (!res.ok) throw new StorageError("CONCURRENT_COMMIT", "Head moved during commit");
    // 3. Apply the redo log.
    await this.applyChanges(height, changes, input.txIds);
  }

  private async applyChanges(
    height: number,
    changes: readonly StateChange[],
    txIds: readonly string[],
  ): Promise<void> {
    const batch = new KvBatch(this.kv);
    for (const [key, value] of changes) {
      const kvk = key.startsWith(WRITE_ONLY_KEY_PREFIX) ? kvKey.log(key) : kvKey.state(key);
      if (value === null) batch.delete(kvk);
      else batch.set(kvk, value);
    }
    txIds.forEach((id, i) => batch.set(kvKey.tx(id), [height, i] satisfies TxLocation, 48));
    const old = height - DIFF_RETENTION_BLOCKS;
    if (old > 0) {
      const rec = (await this.kv.get<BlockRecord>(kvKey.block(old))).value;
      for (let i = 0; i < (rec?.diffChunks ?? 0); i++) batch.delete(kvKey.diffChunk(old, i));
    }
    batch.set(kvKey.applied(), height);
    await batch.flush();
  }

  /**
   * Finishes an interrupted step 3: re-applies the redo log of every block
   * between `meta/applied` and `meta/head`. Idempotent.
   * @returns the heights re-applied
   */
  async recover(): Promise<number[]> {
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
      const txs = await this.getBlockTxs(rec);
      await this.applyChanges(h, changes, txs.map(computeTxIdOfJson));
      redone.push(h);
    }
    return redone;
  }

  /** Every state entry, for loading the in-memory state at start-up. */
  async loadState(): Promise<Map<string, unknown>> {
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
   */
  async listLog<T>(
    prefix: string,
    opts: { limit: number; reverse?: boolean; cursor?: string },
  ): Promise<{ key: string; value: T }[]> {
    const start = ["log", prefix] as const;
    const end = ["log", prefix + "\uffff"] as const;
    const selector = opts.cursor === undefined
      ? { start, end }
      : opts.reverse
      ? { start, end: ["log", opts.cursor] as const }
      : { start: ["log", opts.cursor + "\u0000"] as const, end };
    const out: { key: string; value: T }[] = [];
    for await (const e of this.kv.list<T>(selector, { limit: opts.limit, reverse: opts.reverse })) {
      out.push({ key: e.key[1] as string, value: e.value });
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
    return (await this.kv.get<TxLocation>(kvKey.tx(id))).value;
  }

  private async getBlockTxs(rec: BlockRecord): Promise<SignedTxJson[]> {
    const h = rec.header.height;
    const bytes = await this.readChunks(rec.txChunks, (i) => kvKey.blockTxChunk(h, i));
    if (bytes === null) throw new StorageError("CORRUPT", `Transactions of block ${h} are missing`);
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
