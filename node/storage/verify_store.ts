/**
 * Start-up check of the chain database (`[storage] verify_on_start`): finds
 * a truncated or damaged KV file and deleted entries before the node uses
 * them, and says what to do. Cheap: it reads the head, the genesis, the
 * headers of the last `headerBlocks` blocks and the bodies and redo logs of
 * the last `recentBlocks` blocks, not the whole chain.
 *
 * What it proves:
 *  - the file opens and reads (SQLite reports truncation as "malformed");
 *  - `meta/head` exists whenever any chain data exists (a deleted head would
 *    otherwise make the node create a new genesis over the old chain);
 *  - the genesis spec recomputes to block 0's hash;
 *  - the last `headerBlocks` headers exist, hash to their records and link;
 *  - for the last `recentBlocks` blocks: their transactions exist and match
 *    the transaction root, their redo log exists and reproduces the state
 *    root chain, and the state entries they wrote hold the values they wrote;
 *  - the chain parameters and the validator set are present.
 * What it does not prove: that a state entry last written before the
 * recent window still exists. `gridtokenx-node export` followed by `import`
 * replays every block and proves the whole state.
 */
import { decode } from "cborg";
import { type BlockHeader, computeBlockHash } from "../chain/block.ts";
import { encodeCanonical } from "../chain/encoding.ts";
import { computeGenesis } from "../chain/genesis.ts";
import { computeMerkleRoot } from "../chain/merkle.ts";
import type { StateChange } from "../chain/state.ts";
import { stateKey } from "../chain/state.ts";
import { computeStateRoot } from "../chain/state_root.ts";
import { ChainStore } from "./chain_store.ts";
import { joinChunks, StorageError } from "./kv_batch.ts";
import { type BlockRecord, kvKey } from "./kv_layout.ts";
import { computeTxIdOfJson } from "./tx_id.ts";

export interface VerifyStoreOptions {
  /** Headers checked for hash and parent links. Default 256. */
  headerBlocks?: number;
  /** Blocks whose transactions, redo log and state writes are checked. Default 32 (< the 64 kept). */
  recentBlocks?: number;
}

export interface VerifyStoreReport {
  /** Head height, or null for a store without a chain (first start). */
  height: number | null;
  headersChecked: number;
  blocksChecked: number;
  stateEntriesChecked: number;
}

const ACTION = "Restore the data directory from a snapshot (gridtokenx-node import --in FILE) " +
  "into an empty data directory, or run `gridtokenx-node resync` (moves the damaged chain " +
  "files aside, keeps the keys) and start again to sync from peers.";

function corrupt(kvPath: string, what: string): StorageError {
  return new StorageError("CORRUPT", `Chain database ${kvPath} is damaged: ${what}. ${ACTION}`);
}

function sameValue(a: unknown, b: unknown): boolean {
  const x = encodeCanonical(a), y = encodeCanonical(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * Checks the store at `kvPath` (see the top of this file).
 * @throws StorageError CORRUPT naming what is wrong and what to do
 */
export async function verifyChainStore(
  kvPath: string,
  opts: VerifyStoreOptions = {},
): Promise<VerifyStoreReport> {
  const headerBlocks = opts.headerBlocks ?? 256;
  const recentBlocks = opts.recentBlocks ?? 32;
  try {
    const info = await Deno.stat(kvPath);
    if (info.isFile && info.size === 0) throw corrupt(kvPath, "the file is empty (truncated)");
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return { height: null, headersChecked: 0, blocksChecked: 0, stateEntriesChecked: 0 };
    }
    throw e;
  }
  let store: ChainStore;
  try {
    store = await ChainStore.open(kvPath);
  } catch (e) {
    throw corrupt(
      kvPath,
      `it cannot be opened (${(e as Error).message}); the file may be truncated`,
    );
  }
  try {
    return await verifyOpenStore(store, kvPath, headerBlocks, recentBlocks);
  } catch (e) {
    if (e instanceof StorageError && e.code === "CORRUPT" && e.message.includes(ACTION)) throw e;
    throw corrupt(kvPath, (e as Error).message);
  } finally {
    store.close();
  }
}

async function verifyOpenStore(
  store: ChainStore,
  kvPath: string,
  headerBlocks: number,
  recentBlocks: number,
): Promise<VerifyStoreReport> {
  const kv = store.kv;
  const head = await store.getHead();
  if (head === null) {
    for await (const _ of kv.list({ prefix: [] }, { limit: 1 })) {
      throw corrupt(kvPath, "the head record (meta/head) is missing but chain data exists");
    }
    return { height: null, headersChecked: 0, blocksChecked: 0, stateEntriesChecked: 0 };
  }
  const applied = await store.getApplied();
  if (applied === null || applied > head.height) {
    throw corrupt(kvPath, `meta/applied is ${applied}, the head is ${head.height}`);
  }
  // Genesis.
  const spec = await store.getGenesisSpec().catch(() => null);
  const genesisRec = await store.getBlockRecord(0);
  if (spec === null) throw corrupt(kvPath, "the genesis spec is missing");
  if (genesisRec === null) throw corrupt(kvPath, "block 0 is missing");
  if (computeBlockHash(computeGenesis(spec).header) !== genesisRec.hash) {
    throw corrupt(kvPath, "the genesis spec does not produce block 0");
  }
  // Headers of the last blocks: present, hashing to their records, linked.
  const lowest = Math.max(0, head.height - headerBlocks + 1);
  const records = new Map<number, BlockRecord>();
  let child: BlockHeader | null = null;
  for (let h = head.height; h >= lowest; h--) {
    const rec = await store.getBlockRecord(h);
    if (rec === null) throw corrupt(kvPath, `block ${h} is missing (head ${head.height})`);
    if (rec.header.height !== h || computeBlockHash(rec.header) !== rec.hash) {
      throw corrupt(kvPath, `block ${h}'s header does not hash to its recorded hash`);
    }
    if (child !== null && child.prevHash !== rec.hash) {
      throw corrupt(kvPath, `block ${h + 1} does not link to block ${h}`);
    }
    if (h === head.height && (rec.hash !== head.hash || rec.header.stateRoot !== head.stateRoot)) {
      throw corrupt(kvPath, `the head record does not match block ${h}`);
    }
    records.set(h, rec);
    child = rec.header;
  }
  // Recent blocks: transactions, redo log, state root chain, state writes.
  const first = Math.max(1, head.height - recentBlocks + 1);
  const latest = new Map<string, unknown>();
  let blocksChecked = 0;
  for (let h = first; h <= head.height; h++) {
    const rec = records.get(h)!;
    const block = await store.getBlock(h);
    if (block === null) throw corrupt(kvPath, `block ${h} is missing`);
    if (computeMerkleRoot(block.txs.map(computeTxIdOfJson)) !== rec.header.txRoot) {
      throw corrupt(kvPath, `the transactions of block ${h} do not match its transaction root`);
    }
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < rec.diffChunks; i++) {
      const c = (await kv.get<Uint8Array>(kvKey.diffChunk(h, i))).value;
      if (c === null) throw corrupt(kvPath, `the redo log of block ${h} is missing`);
      chunks.push(c);
    }
    const changes = decode(joinChunks(chunks)) as StateChange[];
    const parent = records.get(h - 1)?.header ?? (await store.getBlockRecord(h - 1))?.header;
    if (parent === undefined) throw corrupt(kvPath, `block ${h - 1} is missing`);
    if (computeStateRoot(parent.stateRoot, h, changes) !== rec.header.stateRoot) {
      throw corrupt(kvPath, `the redo log of block ${h} does not reproduce its state root`);
    }
    if (h <= applied) { for (const [key, value] of changes) latest.set(key, value); }
    blocksChecked++;
  }
  for (const key of [stateKey.params(), stateKey.validators()]) {
    if (!latest.has(key)) latest.set(key, undefined);
  }
  let stateEntriesChecked = 0;
  for (const [key, expected] of latest) {
    const stored = (await kv.get(kvKey.state(key))).value;
    stateEntriesChecked++;
    if (expected === undefined) {
      if (stored === null) throw corrupt(kvPath, `state entry "${key}" is missing`);
    } else if (expected === null) {
      if (stored !== null) throw corrupt(kvPath, `state entry "${key}" should have been deleted`);
    } else if (stored === null) {
      throw corrupt(kvPath, `state entry "${key}" is missing`);
    } else if (!sameValue(stored, expected)) {
      throw corrupt(kvPath, `state entry "${key}" differs from what block history wrote`);
    }
  }
  return {
    height: head.height,
    headersChecked: head.height - lowest + 1,
    blocksChecked,
    stateEntriesChecked,
  };
}
