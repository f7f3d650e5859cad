/**
 * Order book depth as an inline SVG: cumulative Wh against price, bids on the
 * left (green), asks on the right (red). Presentation attributes only.
 */
import type { DepthLevel } from "../../node/market/order_book.ts";
import { formatPrice } from "./format.ts";

const W = 480;
const H = 160;

/** Cumulative steps [price, cumulativeWh] from the best price outwards. */
export function computeCumulative(levels: readonly DepthLevel[]): [number, number][] {
  let sum = 0;
  return levels.map((l) => [l.priceSatangPerKwh, sum += l.amountWh]);
}

export function DepthChart({ bids, asks }: { bids: DepthLevel[]; asks: DepthLevel[] }) {
  const b = computeCumulative(bids);
  const a = computeCumulative(asks);
  const prices = [...b, ...a].map(([p]) => p);
  if (prices.length === 0) return <p class="empty">The order book is empty.</p>;
  const minP = Math.min(...prices);
  const maxP = Math.max(...prices);
  const maxWh = Math.max(1, ...[...b, ...a].map(([, wh]) => wh));
  const x = (p: number) => maxP === minP ? W / 2 : ((p - minP) / (maxP - minP)) * (W - 20) + 10;
  const y = (wh: number) => H - 10 - (wh / maxWh) * (H - 20);
  const path = (steps: [number, number][]) =>
    steps.map(([p, wh]) => `${x(p).toFixed(1)},${y(wh).toFixed(1)}`).join(" ");
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${W} ${H}`}
      width={W}
      height={H}
      role="img"
      aria-label={`Order book depth from ${formatPrice(minP)} to ${formatPrice(maxP)}`}
    >
      <title>Order book depth</title>
      <line x1="0" y1={H - 10} x2={W} y2={H - 10} stroke="#888" />
      {b.length > 0
        ? <polyline points={path(b)} fill="none" stroke="#1a7f37" stroke-width="2" />
        : null}
      {a.length > 0
        ? <polyline points={path(a)} fill="none" stroke="#cf222e" stroke-width="2" />
        : null}
    </svg>
  );
}

/** Horizontal bars of labelled values (e.g. kWh by energy source). */
export function BarChart(
  { rows, label, format }: {
    rows: { label: string; value: number }[];
    label: string;
    format: (v: number) => string;
  },
) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  const rowH = 22;
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${W} ${rows.length * rowH + 4}`}
      width={W}
      height={rows.length * rowH + 4}
      role="img"
      aria-label={label}
    >
      <title>{label}</title>
      {rows.map((r, i) => (
        <g key={r.label}>
          <text x="0" y={i * rowH + 16} font-size="12" fill="currentColor">{r.label}</text>
          <rect x="90" y={i * rowH + 4} height="14" width={(r.value / max) * 250} fill="#0969da" />
          <text x="350" y={i * rowH + 16} font-size="12" fill="currentColor">
            {format(r.value)}
          </text>
        </g>
      ))}
    </svg>
  );
}
