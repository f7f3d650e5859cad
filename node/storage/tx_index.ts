/**
 * Packed records of the transaction index (id → height and position), so a
 * block indexes its transactions with one or two KV values instead of one
 * key per transaction (a KV key costs ~25 µs of CPU here; a byte almost nothing).
 *
 * - Level 0, `txr/<height>/<chunk>`: the 16-byte id prefixes of a block's
 *   transactions in block order, written with the block (before the commit
 *   point). The store keeps the not-yet-folded ones in memory.
 * - Level 1, `txp/<bucket>/<fold height>`: every {@link TX_INDEX_FOLD_TXS}
 *   transactions the level-0 entries are folded into one page per bucket
 *   (the first {@link TX_INDEX_BUCKET_BITS} bits of the id) of
 *   {@link TX_INDEX_ENTRY_BYTES}-byte entries: prefix, height, position.
 *   A lookup reads one bucket's pages.
 * - Merged pages: the fold pages form page sets (one page per bucket, ending
 *   at a height); when the newest {@link TX_PAGE_MERGE_FANOUT} sets have the
 *   same level, a background merge concatenates them, bucket by bucket, into
 *   one set of the next level (up to {@link TX_PAGE_MAX_LEVEL}). A lookup then
 *   reads O(8 × levels + folds / 8^levels) pages, not one per fold.
 *
 * Entries are keyed by 16-byte prefixes of SHA-256 ids: a false match needs a
 * 128-bit collision.
 */
import { fromHex, toHex } from "../crypto/hex.ts";
import type { TxLocation } from "./kv_layout.ts";

/** Bytes of an id kept in the index. */
export const TX_ID_PREFIX_BYTES = 16;
/** Bits of the id that choose a level-1 bucket (4,096 buckets). */
export const TX_INDEX_BUCKET_BITS = 12;
/** Level-0 transactions that trigger a fold into level 1. */
export const TX_INDEX_FOLD_TXS = 262_144;
/** Bytes of a level-1 entry: id prefix, height (u32), position (u32). */
export const TX_INDEX_ENTRY_BYTES = TX_ID_PREFIX_BYTES + 8;

/** Page sets of one level merged into one of the next. */
export const TX_PAGE_MERGE_FANOUT = 8;
/** Highest merge level: a level-3 set holds 8^3 folds (~134M transactions, ~0.8 MB per bucket). */
export const TX_PAGE_MAX_LEVEL = 3;

/** One page per bucket (some may be empty), covering the folds up to `upTo`. */
export interface TxPageSet {
  upTo: number;
  level: number;
}

/**
 * `meta/txpagesets`: the page sets lookups rely on, oldest first, and the inputs of the last
 * merge (`retired`) still to be deleted. Fold pages of stores written before it are not listed:
 * they are still read, never merged.
 */
export interface TxPageSetsRecord {
  sets: TxPageSet[];
  retired: TxPageSet[];
}

/** The merge due in `sets` (the newest FANOUT sets of one level below the max), or null. */
export function planTxPageMerge(
  sets: readonly TxPageSet[],
): { inputs: TxPageSet[]; output: TxPageSet; sets: TxPageSet[] } | null {
  const n = sets.length;
  if (n < TX_PAGE_MERGE_FANOUT) return null;
  const inputs = sets.slice(n - TX_PAGE_MERGE_FANOUT);
  const level = inputs[0]!.level;
  if (level >= TX_PAGE_MAX_LEVEL || inputs.some((s) => s.level !== level)) return null;
  const output = { upTo: inputs[inputs.length - 1]!.upTo, level: level + 1 };
  return { inputs, output, sets: [...sets.slice(0, n - TX_PAGE_MERGE_FANOUT), output] };
}

const ID_RE = /^[0-9a-f]{64}$/;

/** True for a well-formed transaction id (64 lower-case hex). */
export function isTxId(id: string): boolean {
  return ID_RE.test(id);
}

/** Key of an id in the in-memory level 0: its prefix in hex. */
export function computeIdPrefixHex(id: string): string {
  return id.slice(0, TX_ID_PREFIX_BYTES * 2);
}

/** Level-1 bucket of an id. */
export function computeTxBucket(id: string): number {
  return parseInt(id.slice(0, 3), 16) >> (12 - TX_INDEX_BUCKET_BITS);
}

/** Level-0 record of a block: the id prefixes in block order. */
export function encodeBlockTxIndex(txIds: readonly string[]): Uint8Array {
  const out = new Uint8Array(txIds.length * TX_ID_PREFIX_BYTES);
  txIds.forEach((id, i) => out.set(fromHex(computeIdPrefixHex(id)), i * TX_ID_PREFIX_BYTES));
  return out;
}

/** The id prefixes (hex) of a level-0 record, in block order. */
export function decodeBlockTxIndex(bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (let at = 0; at + TX_ID_PREFIX_BYTES <= bytes.length; at += TX_ID_PREFIX_BYTES) {
    out.push(toHex(bytes.subarray(at, at + TX_ID_PREFIX_BYTES)));
  }
  return out;
}

/** Level-1 pages of entries (prefix hex → location), one per bucket. */
export function encodeFoldPages(
  entries: Iterable<[prefixHex: string, location: TxLocation]>,
): Map<number, Uint8Array> {
  const byBucket = new Map<number, [string, TxLocation][]>();
  for (const entry of entries) {
    const bucket = computeTxBucket(entry[0]);
    let list = byBucket.get(bucket);
    if (list === undefined) byBucket.set(bucket, list = []);
    list.push(entry);
  }
  const pages = new Map<number, Uint8Array>();
  for (const [bucket, list] of byBucket) {
    const page = new Uint8Array(list.length * TX_INDEX_ENTRY_BYTES);
    const view = new DataView(page.buffer);
    list.forEach(([prefix, [height, index]], i) => {
      const at = i * TX_INDEX_ENTRY_BYTES;
      page.set(fromHex(prefix), at);
      view.setUint32(at + TX_ID_PREFIX_BYTES, height);
      view.setUint32(at + TX_ID_PREFIX_BYTES + 4, index);
    });
    pages.set(bucket, page);
  }
  return pages;
}

/** Finds an id in a level-1 page; null when absent. */
export function findInFoldPage(page: Uint8Array, id: string): TxLocation | null {
  const prefix = fromHex(computeIdPrefixHex(id));
  const view = new DataView(page.buffer, page.byteOffset, page.byteLength);
  outer: for (let at = 0; at + TX_INDEX_ENTRY_BYTES <= page.length; at += TX_INDEX_ENTRY_BYTES) {
    for (let k = 0; k < TX_ID_PREFIX_BYTES; k++) {
      if (page[at + k] !== prefix[k]) continue outer;
    }
    return [
      view.getUint32(at + TX_ID_PREFIX_BYTES),
      view.getUint32(at + TX_ID_PREFIX_BYTES + 4),
    ];
  }
  return null;
}
