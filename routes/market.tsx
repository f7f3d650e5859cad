/** Market: depth chart, recent trades, price and volume, kWh by source, carbon credits. */
import { ENERGY_SOURCES } from "../node/chain/params.ts";
import type { Trade } from "../node/market/trade.ts";
import type { OrderBookView } from "../console/data.ts";
import { Island } from "../console/island.tsx";
import { definePage } from "../console/page.ts";
import { LIVE_TRADES_MAX } from "../islands/LiveTrades.tsx";
import { BarChart, DepthChart } from "../console/ui/DepthChart.tsx";
import { formatCredits, formatInt, formatKwh, formatPrice } from "../console/ui/format.ts";
import { Sparkline } from "../console/ui/Sparkline.tsx";

interface MarketData {
  book: OrderBookView | null;
  trades: Trade[] | null;
}

const RECENT_TRADES = 200;

/** Wh traded per energy source, in the order of ENERGY_SOURCES. */
export function computeWhBySource(trades: readonly Trade[]): { label: string; value: number }[] {
  return ENERGY_SOURCES.map((s) => ({
    label: s,
    value: trades.filter((t) => t.source === s).reduce((n, t) => n + t.amountWh, 0),
  }));
}

export default definePage<MarketData>({
  path: "/market",
  title: () => "Market",
  async load({ data }) {
    const [book, trades] = await Promise.all([
      data.getOrderBook(50),
      data.getTrades(RECENT_TRADES),
    ]);
    return { book, trades };
  },
  Page({ data }) {
    const { book, trades } = data;
    const chrono = trades ? [...trades].reverse() : [];
    return (
      <>
        <h2>Order book</h2>
        {book
          ? (
            <>
              <p>
                {formatInt(book.openOrders)} open orders. Best bid{" "}
                {book.bids[0] ? formatPrice(book.bids[0].priceSatangPerKwh) : "–"}, best ask{" "}
                {book.asks[0] ? formatPrice(book.asks[0].priceSatangPerKwh) : "–"}.
              </p>
              <DepthChart bids={book.bids} asks={book.asks} />
            </>
          )
          : (
            <p class="empty" id="book-unavailable">
              The order book is not available on this node yet.
            </p>
          )}
        <h2>Recent trades</h2>
        {trades === null
          ? <p class="empty" id="trades-unavailable">Trades are not available on this node yet.</p>
          : (
            <>
              {trades.length > 0
                ? (
                  <>
                    <h3>Price over the last {chrono.length} trades</h3>
                    <Sparkline
                      values={chrono.map((t) => t.priceSatangPerKwh)}
                      label="Trade prices, oldest to newest"
                    />
                    <h3>Volume per trade</h3>
                    <Sparkline
                      values={chrono.map((t) => t.amountWh)}
                      label="Trade volumes, oldest to newest"
                    />
                    <h3>Energy by source</h3>
                    <BarChart
                      rows={computeWhBySource(trades)}
                      label="Energy traded by source"
                      format={formatKwh}
                    />
                    <p>
                      Carbon credits issued in these trades:{" "}
                      {formatCredits(trades.reduce((n, t) => n + t.carbonMicroCredits, 0))}
                    </p>
                  </>
                )
                : null}
              <Island
                name="LiveTrades"
                props={{ trades: trades.slice(0, LIVE_TRADES_MAX) }}
              />
            </>
          )}
      </>
    );
  },
});
