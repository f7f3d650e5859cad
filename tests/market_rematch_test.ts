/**
 * Re-matching of crossed resting orders (node/market/matching.ts): when a
 * halt is lifted (the chain sets `rematch`) or a new delivery interval frees
 * capacity, resting orders that cross trade without any new order, in seq
 * order at the earlier order's price, within a bounded amount of work.
 * Permissions: none.
 */
import assert from "node:assert/strict";
import {
  DEFAULT_MARKET_PARAMS,
  GridState,
  type MarketOp,
  matchBlock,
  type MatchContext,
  OrderBook,
  REMATCH_MAX_ORDERS_PER_SIDE,
  verifyCertificateId,
} from "../node/market/mod.ts";
import { Ledger, makeOrder, OFF_PEAK_MS, SMALL_TOPOLOGY } from "./market_helpers.ts";

const params = DEFAULT_MARKET_PARAMS;
const INTERVAL_MS = params.intervalMs;
/** Start of an interval, so that +60 s stays in it. */
const T0 = Math.floor(OFF_PEAK_MS / INTERVAL_MS) * INTERVAL_MS;

function ctx(height: number, timestampMs: number, extra: Partial<MatchContext> = {}): MatchContext {
  return { height, timestampMs, params, ...extra };
}

function place(o: Parameters<typeof makeOrder>[0]): MarketOp {
  return { type: "place", order: makeOrder(o) };
}

Deno.test("halt, orders cross without trading, lift: they trade in the block of the lift with no new order", () => {
  const book = new OrderBook(), grid = new GridState(SMALL_TOPOLOGY), ledger = new Ledger();
  const halted = ["BKK-01"];
  const ops1 = [
    place({ id: "s1", side: "sell", amountWh: 1_000, priceSatangPerKwh: 4_000, seq: 1 }),
    place({ id: "b1", side: "buy", amountWh: 600, priceSatangPerKwh: 5_000, seq: 2 }),
    place({ id: "b2", side: "buy", amountWh: 600, priceSatangPerKwh: 4_500, seq: 3 }),
  ];
  ledger.place(ops1);
  const r1 = matchBlock(book, grid, ops1, ctx(1, T0, { haltedLocations: halted }));
  ledger.apply(r1);
  assert.equal(r1.trades.length, 0);
  assert.equal(book.size, 3, "the book is crossed but halted");
  // Still halted, nothing changes; the halt lasts several blocks.
  const r2 = matchBlock(book, grid, [], ctx(2, T0 + 2_000, { haltedLocations: halted }));
  assert.equal(r2.trades.length, 0);
  // Lifted, but no re-match asked for and no new interval: the book stays crossed.
  const probe = OrderBook.fromOrders(book.snapshot()), probeGrid = new GridState(SMALL_TOPOLOGY);
  probeGrid.restore(grid.snapshot());
  assert.equal(matchBlock(probe, probeGrid, [], ctx(3, T0 + 4_000)).trades.length, 0);
  // Lifted with `rematch` (what the chain sets when the halts change): trades at once.
  const r3 = matchBlock(book, grid, [], ctx(3, T0 + 4_000, { rematch: true }));
  ledger.apply(r3);
  assert.deepEqual(
    r3.trades.map((
      t,
    ) => [t.buyOrderId, t.sellOrderId, t.makerSide, t.amountWh, t.priceSatangPerKwh]),
    [["b1", "s1", "sell", 600, 4_000], ["b2", "s1", "sell", 400, 4_000]],
  );
  assert.deepEqual(r3.removed.map((r) => [r.orderId, r.reason]), [["b1", "filled"], [
    "s1",
    "filled",
  ]]);
  assert.deepEqual(r3.changed.map((o) => [o.id, o.remainingWh]), [["b2", 200]]);
  assert.equal(r3.rematchPending, false);
  r3.trades.forEach((t, i) => {
    assert.ok(verifyCertificateId(t.certificateId, 3, r3.interval, r3.trades, i));
  });
  ledger.check(book);
});

Deno.test("a new delivery interval frees capacity: resting crossed orders trade with no new order", () => {
  // BKK-03-SUB001 has 20 kW = 5,000 Wh per interval.
  const book = new OrderBook(), grid = new GridState(SMALL_TOPOLOGY), ledger = new Ledger();
  const at = { location: "BKK-03-SUB001" };
  const ops1 = [
    place({ id: "s1", side: "sell", amountWh: 8_000, priceSatangPerKwh: 4_000, seq: 1, ...at }),
    place({ id: "b1", side: "buy", amountWh: 8_000, priceSatangPerKwh: 4_200, seq: 2, ...at }),
  ];
  ledger.place(ops1);
  const r1 = matchBlock(book, grid, ops1, ctx(1, T0));
  ledger.apply(r1);
  assert.deepEqual(r1.trades.map((t) => t.amountWh), [5_000], "cut to the substation's headroom");
  const r2 = matchBlock(book, grid, [], ctx(2, T0 + 60_000));
  assert.equal(r2.trades.length, 0, "same interval: still full");
  const r3 = matchBlock(book, grid, [], ctx(3, T0 + INTERVAL_MS));
  ledger.apply(r3);
  assert.deepEqual(
    r3.trades.map((
      t,
    ) => [t.buyOrderId, t.sellOrderId, t.makerSide, t.amountWh, t.priceSatangPerKwh]),
    [["b1", "s1", "sell", 3_000, 4_000]],
  );
  assert.equal(r3.interval, r1.interval + 1);
  assert.equal(book.size, 0);
  ledger.check(book);
});

Deno.test("re-match replays in seq order, each order against earlier counter-orders, before the block's ops", () => {
  const book = new OrderBook(), grid = new GridState(SMALL_TOPOLOGY);
  const halted = ["BKK"];
  const cnx = { location: "CNX-01-SUB001" };
  // Two buys and a sell at BKK (halted); an incoming sell in the next block is at CNX.
  const ops1 = [
    place({ id: "b1", side: "buy", amountWh: 500, priceSatangPerKwh: 5_000, seq: 1 }),
    place({ id: "s1", side: "sell", amountWh: 500, priceSatangPerKwh: 4_000, seq: 2 }),
    place({ id: "b2", side: "buy", amountWh: 500, priceSatangPerKwh: 6_000, seq: 3 }),
  ];
  matchBlock(book, grid, ops1, ctx(1, T0, { haltedLocations: halted }));
  const ops2 = [
    place({ id: "s2", side: "sell", amountWh: 500, priceSatangPerKwh: 3_000, seq: 4, ...cnx }),
  ];
  const r = matchBlock(book, grid, ops2, ctx(2, T0 + 1_000, { rematch: true }));
  // s1 (seq 2) is replayed first and takes b1 (seq 1) at b1's price; b2 (seq 3)
  // finds no earlier sell left; then the block's s2 takes b2 at b2's price.
  assert.deepEqual(
    r.trades.map((t) => [t.buyOrderId, t.sellOrderId, t.makerSide, t.priceSatangPerKwh]),
    [["b1", "s1", "buy", 5_000], ["b2", "s2", "buy", 6_000]],
  );
});

Deno.test("re-match work is bounded per block; a cut re-match goes on in the next block", () => {
  const book = new OrderBook(),
    grid = new GridState({
      ...SMALL_TOPOLOGY,
      substations: SMALL_TOPOLOGY.substations.map((s) => ({ ...s, capacityKw: 1_000_000 })),
    });
  const ledger = new Ledger();
  const n = REMATCH_MAX_ORDERS_PER_SIDE + 200;
  const ops: MarketOp[] = [];
  for (let i = 0; i < n; i++) {
    ops.push(place({ id: `s${i}`, side: "sell", amountWh: 100, priceSatangPerKwh: 4_000, seq: i }));
  }
  for (let i = 0; i < n; i++) {
    ops.push(
      place({ id: `b${i}`, side: "buy", amountWh: 100, priceSatangPerKwh: 5_000, seq: n + i }),
    );
  }
  ledger.place(ops);
  ledger.apply(matchBlock(book, grid, ops, ctx(1, T0, { haltedLocations: ["BKK"] })));
  assert.equal(book.size, 2 * n);
  const r2 = matchBlock(book, grid, [], ctx(2, T0 + 1_000, { rematch: true }));
  ledger.apply(r2);
  assert.equal(r2.trades.length, REMATCH_MAX_ORDERS_PER_SIDE, "only the first 1,024 buys replayed");
  assert.equal(r2.rematchPending, true);
  const r3 = matchBlock(book, grid, [], ctx(3, T0 + 2_000, { rematch: r2.rematchPending }));
  ledger.apply(r3);
  assert.equal(r3.trades.length, 200);
  assert.equal(r3.rematchPending, false);
  assert.equal(book.size, 0);
  ledger.check(book);
});

Deno.test("orders that cannot trade (same owner) stay crossed; re-match is a no-op for them", () => {
  const book = new OrderBook(), grid = new GridState(SMALL_TOPOLOGY);
  const ops = [
    place({ id: "s1", owner: "a", side: "sell", amountWh: 500, priceSatangPerKwh: 4_000, seq: 1 }),
    place({ id: "b1", owner: "a", side: "buy", amountWh: 500, priceSatangPerKwh: 5_000, seq: 2 }),
  ];
  matchBlock(book, grid, ops, ctx(1, T0));
  const r = matchBlock(book, grid, [], ctx(2, T0 + INTERVAL_MS, { rematch: true }));
  assert.equal(r.trades.length, 0);
  assert.equal(r.rematchPending, false);
  assert.equal(book.size, 2);
});
