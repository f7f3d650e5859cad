/** Metrics of the p2p network, consensus timing and sync. */
import { client, type Registry } from "./registry.ts";

/** Creates the network metrics; `peerCount` and `clockOffsetMs` are read at each scrape. */
export function createNetworkMetrics(
  registry: Registry,
  peerCount: () => number,
  clockOffsetMs: () => number | null = () => null,
) {
  const registers = [registry];
  return {
    peers: new client.Gauge({
      name: "gridtokenx_network_peers",
      help: "Connected p2p peers",
      registers,
      collect() {
        this.set(peerCount());
      },
    }),
    clockOffset: new client.Gauge({
      name: "gridtokenx_clock_offset_seconds",
      help:
        "This node's clock minus its peers' (median of their gossip send times; 0 before any is heard)",
      registers,
      collect() {
        this.set((clockOffsetMs() ?? 0) / 1000);
      },
    }),
    finalitySeconds: new client.Histogram({
      name: "gridtokenx_consensus_finality_seconds",
      help: "Time from a proposal (built or first seen) to its commit",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    syncedBlocks: new client.Counter({
      name: "gridtokenx_sync_blocks_imported_total",
      help: "Finalized blocks imported from peers by sync or commit gossip",
      registers,
    }),
    evidence: new client.Counter({
      name: "gridtokenx_consensus_evidence_total",
      help: "Double-signing evidence detected by this node",
      registers,
    }),
  };
}

export type NetworkMetrics = ReturnType<typeof createNetworkMetrics>;
