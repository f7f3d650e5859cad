/**
 * Matcher benchmarks. Run: `deno bench node/market/matching_bench.ts`.
 *
 * Book: 100,000 resting orders (50k asks 5001..5500, 50k bids 4500..4999
 * satang/kWh, 1,000 Wh each, 9 substations). Each block holds 10,000 orders:
 * half rest without crossing, half cross the spread and take one resting
 * order, so the book size stays ~100k. ops/s = 10,000 / time per block.
 */
import { GridState } from "./grid_state.ts";
import type { GridTopology } from "./location.ts";
import { DEFAULT_GRID_TOPOLOGY } from "./location.ts";
import { type MarketOp, matchBlock } from "./matching.ts";
import { createOrder, type Order } from "./order.ts";
import { OrderBook } from "./order_book.ts";
import { DEFAULT_MARKET_PARAMS } from "./params.ts";

const params = DEFAULT_MARKET_PARAMS;
const LOCATIONS = DEFAULT_GRID_TOPOLOGY.substations.map((s) => s.id);
const BIG: GridTopology = {
  ...DEFAULT_GRID_TOPOLOGY,
  substations: DEFAULT_GRID_TOPOLOGY.substations.map((s) => ({ ...s, capacityKw: 10_000_000 })),
  links: DEFAULT_GRID_TOPOLOGY.links.map((l) => ({ ...l, capacityKw: 10_000_000 })),
};

let rng = 12345;
function next(n: number): number {
  rng = (Math.imul(rng, 1103515245) + 12345) >>> 0;
  return rng % n;
}
let seq = 0;

function order(side: "buy" | "sell", price: number): Order {
  const id = `o${++seq}`;
  return createOrder(
    {
      id,
      owner: `a${next(5000)}`,
      side,
      amountWh: 1000,
      priceSatangPerKwh: price,
      source: side === "sell" ? "solar" : null,
      location: LOCATIONS[next(LOCATIONS.length)]!,
      expiresAtMs: 4_000_000_000_000,
    },
    seq,
    params,
  );
}

function setup(topology: GridTopology) {
  const book = new OrderBook();
  for (let i = 0; i < 50_000; i++) {
    book.insert(order("sell", 5001 + next(500)));
    book.insert(order("buy", 4500 + next(500)));
  }
  return { book, grid: new GridState(topology), height: 0, ts: 1_768_446_000_000 };
}

function block(n: number): MarketOp[] {
  const ops: MarketOp[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const buy = (i & 1) === 0;
    const crossing = (i & 2) === 0;
    const price = buy ? (crossing ? 5600 : 4500 + next(500)) : (crossing ? 4400 : 5001 + next(500));
    ops[i] = { type: "place", order: order(buy ? "buy" : "sell", price) };
  }
  return ops;
}

for (
  const [name, topology] of [["ample capacity", BIG], [
    "default topology",
    DEFAULT_GRID_TOPOLOGY,
  ]] as const
) {
  const s = setup(topology);
  Deno.bench(`matchBlock: 10,000 orders (50% crossing) on a 100,000-order book, ${name}`, (b) => {
    const ops = block(10_000);
    s.ts += 60_000;
    b.start();
    matchBlock(s.book, s.grid, ops, { height: ++s.height, timestampMs: s.ts, params });
    b.end();
  });
}

{
  const s = setup(BIG);
  Deno.bench("matchBlock: 1 order on a 100,000-order book (per-block overhead included)", () => {
    s.ts += 1;
    matchBlock(s.book, s.grid, block(1), { height: ++s.height, timestampMs: s.ts, params });
  });
}
