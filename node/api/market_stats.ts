/** Market statistics over 1 h, 24 h and all time, from chain time (the head block's timestamp). */
import { TRADE_KEY_PREFIX } from "../chain/state.ts";
import type { MarketTotals } from "../market/chain/market_state.ts";
import type { Trade } from "../market/trade.ts";
import type { GridNode } from "../runtime/grid_node.ts";

const RENEWABLE = new Set(["solar", "wind", "hydro", "biomass", "geothermal"]);
/** Most trades read back for the windowed figures. */
const MAX_WINDOW_TRADES = 50_000;

interface WindowStats {
  trades_count: number;
  volume_wh: number;
  value_satang: number;
  vwap_satang_per_kwh: number | null;
  grid_fees_satang: number;
  carbon_micro_credits: number;
  kwh_by_source: Record<string, number>;
  renewable_share_bps: number | null;
}

function summarize(trades: Trade[]): WindowStats {
  const s: WindowStats = {
    trades_count: 0,
    volume_wh: 0,
    value_satang: 0,
    vwap_satang_per_kwh: null,
    grid_fees_satang: 0,
    carbon_micro_credits: 0,
    kwh_by_source: {},
    renewable_share_bps: null,
  };
  let priceWeighted = 0;
  let renewableWh = 0;
  for (const t of trades) {
    s.trades_count++;
    s.volume_wh += t.amountWh;
    s.value_satang += t.valueSatang;
    s.grid_fees_satang += t.gridFeeSatang;
    s.carbon_micro_credits += t.carbonMicroCredits;
    priceWeighted += t.amountWh * t.priceSatangPerKwh;
    s.kwh_by_source[t.source] = (s.kwh_by_source[t.source] ?? 0) + t.amountWh / 1000;
    if (RENEWABLE.has(t.source)) renewableWh += t.amountWh;
  }
  if (s.volume_wh > 0) {
    s.vwap_satang_per_kwh = Math.round(priceWeighted / s.volume_wh);
    s.renewable_share_bps = Math.floor((renewableWh * 10_000) / s.volume_wh);
  }
  return s;
}

const cache = new WeakMap<GridNode, { height: number; value: unknown }>();

export async function computeMarketStats(node: GridNode, totals: MarketTotals) {
  const height = node.head.header.height;
  const hit = cache.get(node);
  if (hit?.height === height) return hit.value;
  const now = node.head.header.timestampMs;
  const recent: Trade[] = [];
  let cursor: string | undefined;
  outer: while (recent.length < MAX_WINDOW_TRADES) {
    const rows = await node.store.listLog<Trade>(TRADE_KEY_PREFIX, {
      limit: 1000,
      reverse: true,
      cursor,
    });
    for (const r of rows) {
      if (r.value.timestampMs < now - 24 * 3_600_000) break outer;
      recent.push(r.value);
    }
    if (rows.length < 1000) break;
    cursor = rows[rows.length - 1]!.key;
  }
  const tradedWh = totals.tradedWh;
  let renewableWh = 0;
  for (const [source, wh] of Object.entries(totals.tradedWhBySource)) {
    if (RENEWABLE.has(source)) renewableWh += wh;
  }
  const value = {
    height,
    as_of_ms: now,
    last_price_satang_per_kwh: totals.lastPriceSatangPerKwh,
    "1h": summarize(recent.filter((t) => t.timestampMs >= now - 3_600_000)),
    "24h": summarize(recent),
    all: {
      trades_count: totals.tradesCount,
      volume_wh: tradedWh,
      value_satang: totals.tradedValueSatang,
      vwap_satang_per_kwh: tradedWh > 0
        ? Math.round((totals.tradedValueSatang * 1000) / tradedWh)
        : null,
      grid_fees_satang: totals.gridFeesSatang,
      carbon_micro_credits: totals.carbonMicroCredits,
      carbon_credits_issued: totals.carbonMicroCredits / 1_000_000,
      kwh_by_source: Object.fromEntries(
        Object.entries(totals.tradedWhBySource).map(([k, v]) => [k, v / 1000]),
      ),
      minted_kwh_by_source: Object.fromEntries(
        Object.entries(totals.mintedWhBySource).map(([k, v]) => [k, v / 1000]),
      ),
      renewable_share_bps: tradedWh > 0 ? Math.floor((renewableWh * 10_000) / tradedWh) : null,
    },
  };
  cache.set(node, { height, value });
  return value;
}
