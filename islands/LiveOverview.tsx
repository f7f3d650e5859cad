/** Overview figures and recent blocks, updated on every new block (SSE). */
import { useEffect, useState } from "preact/hooks";
import type { OverviewView } from "../console/chain_data.ts";
import { BlockTable } from "../console/ui/BlockTable.tsx";
import { formatInt } from "../console/ui/format.ts";
import { type BlockSummary, computeRates } from "../console/ui/rates.ts";
import { Sparkline } from "../console/ui/Sparkline.tsx";
import { onLiveEvent } from "./live_feed.ts";

export interface LiveOverviewProps {
  overview: OverviewView;
  /** Connected peers; null until the p2p layer reports them. */
  peers: number | null;
  /** Resting orders; null until the market reports them. */
  openOrders: number | null;
}

interface BlockEvent {
  block: BlockSummary;
  mempoolSize: number;
}

/** The overview after a new block (ignored when not newer than the head shown). */
export function applyBlockEvent(o: OverviewView, e: BlockEvent): OverviewView {
  if (e.block.height <= o.height) return o;
  const recentBlocks = [e.block, ...o.recentBlocks].slice(0, o.recentBlocks.length || 20);
  return {
    ...o,
    height: e.block.height,
    finalizedHeight: e.block.height,
    headHash: e.block.hash,
    mempoolSize: e.mempoolSize,
    recentBlocks,
    ...computeRates(recentBlocks),
  };
}

function Stat({ id, label, value }: { id: string; label: string; value: string }) {
  return (
    <div class="stat">
      <dt>{label}</dt>
      <dd id={id}>{value}</dd>
    </div>
  );
}

export default function LiveOverview(props: LiveOverviewProps) {
  const [o, setO] = useState(props.overview);
  useEffect(
    () => onLiveEvent("block", (data) => setO((prev) => applyBlockEvent(prev, data as BlockEvent))),
    [],
  );
  const txSeries = [...o.recentBlocks].reverse().map((b) => b.txCount);
  return (
    <div>
      <dl class="stats">
        <Stat id="stat-height" label="Height" value={formatInt(o.height)} />
        <Stat id="stat-finalized" label="Finalized" value={formatInt(o.finalizedHeight)} />
        <Stat
          id="stat-peers"
          label="Peers"
          value={props.peers === null ? "–" : formatInt(props.peers)}
        />
        <Stat id="stat-mempool" label="Mempool" value={formatInt(o.mempoolSize)} />
        <Stat id="stat-tps" label="TPS" value={o.txPerSecond.toFixed(1)} />
        <Stat
          id="stat-block-time"
          label="Block time"
          value={`${formatInt(o.avgBlockTimeMs)} ms (target ${formatInt(o.targetBlockTimeMs)})`}
        />
        <Stat id="stat-role" label="Role" value={o.role} />
        <Stat
          id="stat-orders"
          label="Open orders"
          value={props.openOrders === null ? "–" : formatInt(props.openOrders)}
        />
      </dl>
      <h2>Transactions per block</h2>
      <Sparkline values={txSeries} label="Transactions in each recent block, oldest to newest" />
      <h2>Recent blocks</h2>
      <BlockTable blocks={o.recentBlocks} />
    </div>
  );
}
