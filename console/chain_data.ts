/**
 * Chain reads of the console: overview figures, recent blocks, explorer
 * lookups. Reads blocks by height (one KV get each), never scans the chain.
 */
import type { Block, BlockHeader } from "../node/chain/block.ts";
import type { Account } from "../node/chain/state.ts";
import { getAddressOfPublicKeyHex, type SignedTxJson } from "../node/chain/transaction.ts";
import { isValidAddress } from "../node/crypto/address.ts";
import { toHex } from "../node/crypto/hex.ts";
import { computeTxIdOfJson } from "../node/storage/tx_id.ts";
import { type BlockSummary, computeRates } from "./ui/rates.ts";
import type { GridNode, TxStatus } from "../node/runtime/grid_node.ts";

export type { BlockSummary };

/** The overview page's figures. */
export interface OverviewView {
  nodeId: string;
  networkName: string;
  role: string;
  height: number;
  headHash: string;
  /** Single-proposer chain: every committed block is final. */
  finalizedHeight: number;
  mempoolSize: number;
  /** Transactions per second over the recent blocks, 0.1 precision. */
  txPerSecond: number;
  /** Mean interval between the recent blocks, ms (0 with fewer than two). */
  avgBlockTimeMs: number;
  targetBlockTimeMs: number;
  producing: boolean;
  fault: string | null;
  /** This node's clock minus its peers' (ms), null when unknown. */
  clockOffsetMs: number | null;
  recentBlocks: BlockSummary[];
}

/** Recent blocks shown on the overview. */
export const RECENT_BLOCKS = 20;

/** Summary of a header (the proposer as an address). */
export function toBlockSummary(header: BlockHeader, hash: string): BlockSummary {
  return {
    height: header.height,
    hash,
    timestampMs: header.timestampMs,
    txCount: header.txCount,
    proposer: getAddressOfPublicKeyHex(header.proposer),
  };
}

/** The `count` blocks up to `toHeight`, newest first, read by height. */
export async function loadRecentBlocks(
  node: GridNode,
  count: number,
  toHeight = node.head.header.height,
): Promise<BlockSummary[]> {
  const heights: number[] = [];
  for (let h = toHeight; h >= 0 && heights.length < count; h--) heights.push(h);
  const records = await Promise.all(heights.map((h) => node.store.getBlockRecord(h)));
  return records.flatMap((r) => r ? [toBlockSummary(r.header, r.hash)] : []);
}

/** Everything the overview needs except pluggable sources. */
export async function loadOverview(node: GridNode): Promise<OverviewView> {
  const s = node.status();
  const recentBlocks = await loadRecentBlocks(node, RECENT_BLOCKS, s.height);
  return {
    nodeId: s.node_id,
    networkName: s.network_name,
    role: s.role,
    height: s.height,
    headHash: s.head_hash,
    finalizedHeight: s.height,
    mempoolSize: s.mempool_size,
    ...computeRates(recentBlocks),
    targetBlockTimeMs: s.block_time_ms,
    producing: s.producing,
    fault: s.fault,
    clockOffsetMs: s.clock_offset_ms,
    recentBlocks,
  };
}

/** Where a search box query leads. */
export type SearchTarget =
  | { kind: "block"; height: number }
  | { kind: "tx"; id: string }
  | { kind: "account"; address: string };

const HEX64 = /^[0-9a-f]{64}$/;

/** Resolves a query: a height, a block hash, a transaction id, or an address. */
export async function resolveSearch(node: GridNode, query: string): Promise<SearchTarget | null> {
  const q = query.trim();
  if (/^[0-9]{1,15}$/.test(q)) {
    const height = Number(q);
    return height <= node.head.header.height ? { kind: "block", height } : null;
  }
  const hex = q.toLowerCase().replace(/^0x/, "");
  if (HEX64.test(hex)) {
    const height = await node.store.getBlockHeightByHash(hex);
    if (height !== null) return { kind: "block", height };
    if (await node.getTransactionStatus(hex)) return { kind: "tx", id: hex };
    return null;
  }
  if (isValidAddress(q)) return { kind: "account", address: q };
  return null;
}

/** A block with its hash and transaction ids. */
export interface BlockPageView {
  block: Block;
  hash: string;
  txs: { id: string; tx: SignedTxJson; sender: string }[];
  headHeight: number;
}

/** A block by height or hash; null when unknown. */
export async function loadBlock(node: GridNode, ref: string): Promise<BlockPageView | null> {
  let height: number | null = null;
  if (/^[0-9]{1,15}$/.test(ref)) height = Number(ref);
  else if (HEX64.test(ref)) height = await node.store.getBlockHeightByHash(ref);
  if (height === null) return null;
  const [block, rec] = await Promise.all([
    node.store.getBlock(height),
    node.store.getBlockRecord(height),
  ]);
  if (!block || !rec) return null;
  return {
    block,
    hash: rec.hash,
    headHeight: node.head.header.height,
    txs: block.txs.map((tx) => ({
      id: computeTxIdOfJson(tx),
      tx,
      sender: getAddressOfPublicKeyHex(tx.body.from),
    })),
  };
}

/** A transaction's status and, when known, its body. */
export interface TxPageView {
  status: TxStatus;
  tx: SignedTxJson | null;
  sender: string | null;
}

/** Looks a transaction up in the mempool, the tx index and the rejections. */
export async function loadTx(node: GridNode, id: string): Promise<TxPageView | null> {
  if (!HEX64.test(id)) return null;
  const status = await node.getTransactionStatus(id);
  if (!status) return null;
  let tx: SignedTxJson | null = null;
  if (status.status === "committed") {
    const block = await node.store.getBlock(status.height);
    tx = block?.txs[status.index] ?? null;
  } else if (status.status === "pending") {
    const pending = node.mempool.get(id);
    tx = pending ? { body: pending.body, signature: toHex(pending.signature) } : null;
  }
  return { status, tx, sender: tx ? getAddressOfPublicKeyHex(tx.body.from) : null };
}

/** An account; null for a malformed address. */
export function loadAccount(node: GridNode, address: string): Account | null {
  return isValidAddress(address) ? node.getAccount(address) : null;
}
