/** The recent-trades table; every "trade" event (SSE) prepends its trade. */
import { useEffect, useState } from "preact/hooks";
import type { Trade } from "../node/market/trade.ts";
import { formatKwh, formatPrice, formatThb, formatTime, shortId } from "../console/ui/format.ts";
import { onLiveEvent } from "./live_feed.ts";

/** Rows the table keeps. */
export const LIVE_TRADES_MAX = 50;

export interface LiveTradesProps {
  /** Most recent first, at most {@link LIVE_TRADES_MAX}. */
  trades: Trade[];
}

function isTrade(x: unknown): x is Trade {
  if (!x || typeof x !== "object") return false;
  const t = x as Partial<Trade>;
  return typeof t.id === "string" && typeof t.timestampMs === "number" &&
    typeof t.amountWh === "number" && typeof t.priceSatangPerKwh === "number" &&
    typeof t.valueSatang === "number" && typeof t.seller === "string" &&
    typeof t.buyer === "string";
}

/** `list` with `t` first (ignored when already shown), capped at `max` rows. */
export function prependTrade(list: readonly Trade[], t: Trade, max = LIVE_TRADES_MAX): Trade[] {
  if (list.some((x) => x.id === t.id)) return list as Trade[];
  return [t, ...list].slice(0, max);
}

export default function LiveTrades(props: LiveTradesProps) {
  const [trades, setTrades] = useState(props.trades);
  useEffect(
    () =>
      onLiveEvent("trade", (data) => {
        if (isTrade(data)) setTrades((prev) => prependTrade(prev, data));
      }),
    [],
  );
  if (trades.length === 0) return <p class="empty" id="no-trades">No trades yet.</p>;
  return (
    <table class="data" id="trades">
      <thead>
        <tr>
          <th scope="col">Time (UTC)</th>
          <th scope="col" class="num">Energy</th>
          <th scope="col" class="num">Price</th>
          <th scope="col" class="num">Value</th>
          <th scope="col">Source</th>
          <th scope="col">Seller → buyer</th>
        </tr>
      </thead>
      <tbody>
        {trades.map((t) => (
          <tr key={t.id} data-trade-id={t.id}>
            <td>{formatTime(t.timestampMs)}</td>
            <td class="num">{formatKwh(t.amountWh)}</td>
            <td class="num">{formatPrice(t.priceSatangPerKwh)}</td>
            <td class="num">{formatThb(t.valueSatang)}</td>
            <td>{t.source}</td>
            <td class="mono">
              {t.sellerLocation} → {t.buyerLocation} ({shortId(t.seller, 8, 4)} →{" "}
              {shortId(t.buyer, 8, 4)})
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
