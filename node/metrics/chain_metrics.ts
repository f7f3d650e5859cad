/** Metrics of block production, the mempool and transactions. */
import { client, type Registry } from "./registry.ts";

export function createChainMetrics(registry: Registry) {
  const registers = [registry];
  return {
    height: new client.Gauge({
      name: "gridtokenx_blockchain_height",
      help: "Height of the last committed block",
      registers,
    }),
    // A gauge, not a counter, because the product description names it
    // without `_total`; its value only rises.
    consensusRounds: new client.Gauge({
      name: "gridtokenx_consensus_rounds",
      help: "Consensus rounds completed since the node started",
      registers,
    }),
    mempoolSize: new client.Gauge({
      name: "gridtokenx_mempool_transactions",
      help: "Transactions waiting in the mempool",
      registers,
    }),
    txCommitted: new client.Counter({
      name: "gridtokenx_transactions_committed_total",
      help: "Transactions committed in blocks",
      registers,
    }),
    txVerified: new client.Counter({
      name: "gridtokenx_transactions_verified_total",
      help: "Transaction signatures verified",
      labelNames: ["result"] as const,
      registers,
    }),
    txRejected: new client.Counter({
      name: "gridtokenx_transactions_rejected_total",
      help: "Transactions rejected, by reason code",
      labelNames: ["code"] as const,
      registers,
    }),
    blockBuildSeconds: new client.Histogram({
      name: "gridtokenx_block_build_seconds",
      help: "Time to build a block (select, apply, hash)",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    blockCommitSeconds: new client.Histogram({
      name: "gridtokenx_block_commit_seconds",
      help: "Time to persist a block and its state changes to Deno KV",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
  };
}

export type ChainMetrics = ReturnType<typeof createChainMetrics>;
