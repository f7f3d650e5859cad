/** Pure figures over block summaries, shared by the server and the islands. */

/** One row of a block list. */
export interface BlockSummary {
  height: number;
  hash: string;
  timestampMs: number;
  txCount: number;
  /** Proposer's address (gtx1...). */
  proposer: string;
}

/** TPS and mean block time over blocks sorted newest first. */
export function computeRates(blocks: readonly BlockSummary[]): {
  txPerSecond: number;
  avgBlockTimeMs: number;
} {
  const newest = blocks[0];
  const oldest = blocks[blocks.length - 1];
  if (!newest || !oldest || newest === oldest) return { txPerSecond: 0, avgBlockTimeMs: 0 };
  const spanMs = newest.timestampMs - oldest.timestampMs;
  if (spanMs <= 0) return { txPerSecond: 0, avgBlockTimeMs: 0 };
  // Transactions of the oldest block were produced before the span started.
  const txs = blocks.slice(0, -1).reduce((n, b) => n + b.txCount, 0);
  return {
    txPerSecond: Math.round((txs * 10_000) / spanMs) / 10,
    avgBlockTimeMs: Math.round(spanMs / (blocks.length - 1)),
  };
}
