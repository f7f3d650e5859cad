/**
 * Read views of the market for the API and the console, computed from the
 * node's committed state and open-order index.
 */
import { TRADE_KEY_PREFIX } from "../chain/state.ts";
import { getGridEmergencies } from "../governance/emergencies.ts";
import { type CongestionReport, GridState } from "../market/grid_state.ts";
import type { GridTopology } from "../market/location.ts";
import { getGridFlows, getGridTopology, getMarketParams } from "../market/chain/market_state.ts";
import type { DepthLevel } from "../market/order_book.ts";
import type { Trade } from "../market/trade.ts";
import type { GridNode } from "./grid_node.ts";

/** Congestion of the head block's delivery interval. */
export function computeGridCongestion(
  node: GridNode,
): { topology: GridTopology; congestion: CongestionReport } | null {
  const topology = getGridTopology(node.state);
  if (!topology) return null;
  const grid = new GridState(topology);
  const flows = getGridFlows(node.state);
  if (flows) grid.restore(flows);
  grid.beginInterval(node.head.header.timestampMs, getMarketParams(node.state).intervalMs);
  return { topology, congestion: grid.getCongestion() };
}

/** Depth per price level from the open orders, best first; optionally under a location prefix. */
export function computeDepth(
  node: GridNode,
  side: "buy" | "sell",
  levels: number,
  location?: string,
): DepthLevel[] {
  const byPrice = new Map<number, DepthLevel>();
  for (const o of node.market.orders.values()) {
    if (o.side !== side) continue;
    if (
      location !== undefined && o.location !== location && !o.location.startsWith(location + "-")
    ) continue;
    let l = byPrice.get(o.priceSatangPerKwh);
    if (!l) {
      byPrice.set(
        o.priceSatangPerKwh,
        l = { priceSatangPerKwh: o.priceSatangPerKwh, amountWh: 0, orders: 0 },
      );
    }
    l.amountWh += o.remainingWh;
    l.orders += 1;
  }
  return [...byPrice.values()]
    .sort((a, b) =>
      side === "buy"
        ? b.priceSatangPerKwh - a.priceSatangPerKwh
        : a.priceSatangPerKwh - b.priceSatangPerKwh
    )
    .slice(0, levels);
}

/** Most recent trades first. */
export async function readRecentTrades(node: GridNode, limit: number, cursor?: string) {
  return await node.store.listLog<Trade>(TRADE_KEY_PREFIX, { limit, reverse: true, cursor });
}

export { getGridEmergencies };

/** Grid status as the console's live grid island expects it ("grid" events). */
export function computeGridStatusView(node: GridNode) {
  const grid = computeGridCongestion(node);
  if (!grid) return null;
  const emergencies = getGridEmergencies(node.state).map((e) => ({
    id: e.scope,
    area: e.scope,
    level: e.kind === "halt" ? "halt" : `cap ${e.capKw} kW`,
    reason: e.reason,
    declaredBy: e.declaredBy.join(", "),
    sinceHeight: e.height,
  }));
  return { ...grid, emergencies };
}
