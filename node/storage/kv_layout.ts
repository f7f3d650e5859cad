/**
 * Every Deno KV key prefix of the node and the type of its value. Nothing
 * outside node/storage builds KV keys.
 *
 * Crash safety (see chain_store.ts): a block is written as new keys first,
 * then made visible by one atomic write of `meta/head` (the commit point),
 * then its state changes are copied into `state/*` from the `diff` redo log.
 * `meta/applied` says how far `state/*` has got; at start-up the redo log
 * brings it up to `meta/head`.
 */

export const kvKey = {
  /** `HeadRecord`: the last committed block. The commit point. */
  head: () => ["meta", "head"] as const,
  /** number: height whose state changes are fully copied into `state/*`. */
  applied: () => ["meta", "applied"] as const,
  /** `BlobRecord`: the genesis spec (CBOR, chunked under `blob`). */
  genesis: () => ["meta", "genesis"] as const,
  /** Uint8Array: chunk `i` of a named blob (values are limited to 64 KiB). */
  blobChunk: (name: string, i: number) => ["blob", name, i] as const,
  /** `BlockRecord`: header, signature and chunk counts of the block at a height. */
  block: (height: number) => ["block", height] as const,
  /**
   * Uint8Array: chunk `i` of a block's transactions (wire form): UTF-8 JSON
   * array when the record's `txEncoding` is "json", else a CBOR array (older stores).
   */
  blockTxChunk: (height: number, i: number) => ["block_tx", height, i] as const,
  /**
   * Uint8Array: chunk `i` of the CBOR list of a block's state changes (the redo
   * log). Written as the canonical CBOR the state root hashes (older stores:
   * plain CBOR, other map key order); read with any CBOR decoder, so both open.
   */
  diffChunk: (height: number, i: number) => ["diff", height, i] as const,
  /** number: height of the block with this hash. */
  blockByHash: (hash: string) => ["block_hash", hash] as const,
  /** `TxLocation`: where a committed transaction is (stores written before `txr`/`txp`; read only). */
  tx: (id: string) => ["tx", id] as const,
  /** Uint8Array: chunk `i` of a block's level-0 transaction index (tx_index.ts), written with the block. */
  txIndexChunk: (height: number, i: number) => ["txr", height, i] as const,
  /**
   * Uint8Array: part `i` of a bucket's index page ending at `foldHeight`: a fold's page
   * (`level` 0), or a merge of {@link TX_PAGE_MERGE_FANOUT} pages of `level - 1` (tx_index.ts).
   * The last key part is `level * TX_PAGE_LEVEL_STRIDE + i`, so a merged page sorts after its
   * inputs and a lookup that lists the bucket while a merge deletes them still meets it.
   */
  txFoldPage: (bucket: number, foldHeight: number, i: number, level = 0) =>
    ["txp", bucket, foldHeight, level * TX_PAGE_LEVEL_STRIDE + i] as const,
  txFoldPrefix: (bucket: number) => ["txp", bucket] as const,
  /** number: last height whose level-0 transaction index is folded into `txp` pages. */
  txFolded: () => ["meta", "txfolded"] as const,
  /** `TxPageSetsRecord` (tx_index.ts): the page sets a lookup reads, and merged ones being deleted. */
  txPageSets: () => ["meta", "txpagesets"] as const,
  /** Any: one chain-state entry, keyed by its state key (node/chain/state.ts). */
  state: (stateKey: string) => ["state", stateKey] as const,
  statePrefix: () => ["state"] as const,
  /** Any: a write-only state record (state keys under `log/`, e.g. trades); not loaded at start-up. */
  log: (stateKey: string) => ["log", stateKey] as const,
  /** `SignedRecord` (signing_record.ts): consensus messages this node signed at its latest height. */
  signed: () => ["meta", "signed"] as const,
  /** `LockedBlockRecord` (signing_record.ts): hash and chunk count of the block this node is locked on. */
  lockedBlock: () => ["meta", "locked_block"] as const,
  /** Uint8Array: chunk `i` of the locked block (UTF-8 JSON of the `Block`). */
  lockedBlockChunk: (i: number) => ["locked_block", i] as const,
  /** `PowStateRecord` (pow_state_record.ts): PowState after a committed block, for O(1) boot. */
  powState: () => ["meta", "pow_state"] as const,
} as const;

export interface HeadRecord {
  height: number;
  hash: string;
  stateRoot: string;
}

export interface BlockRecord {
  header: import("../chain/block.ts").BlockHeader;
  signature: string;
  hash: string;
  txChunks: number;
  /** Chunks of the level-0 transaction index (`txr`); absent in stores that wrote `tx/<id>` keys. */
  txIndexChunks?: number;
  /** Encoding of the `block_tx` chunks: "json", or absent for CBOR (stores written before it). */
  txEncoding?: "json";
  diffChunks: number;
  /** Finality data (votes/commit) of the consensus layer, if any. */
  commit?: unknown;
}

export type TxLocation = readonly [height: number, index: number];

export interface BlobRecord {
  chunks: number;
  bytes: number;
}

/** Key-part stride of a page level in `txp` keys (a page never has this many parts). */
export const TX_PAGE_LEVEL_STRIDE = 2 ** 20;

/** Chunk size below Deno KV's 64 KiB value limit. */
export const CHUNK_BYTES = 60 * 1024;
/** Mutations per atomic commit, under Deno KV's limit of 1000. */
export const MAX_MUTATIONS_PER_COMMIT = 800;
/** Approximate bytes per atomic commit, under Deno KV's 800 KiB limit. */
export const MAX_BYTES_PER_COMMIT = 640 * 1024;
