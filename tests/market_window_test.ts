/**
 * The scan window at the end of a long price level (node/market/matching.ts,
 * `walkWindowEnd`): an incoming order examines at most `maxScanPerOrder`
 * resting orders in FIFO order, and orders it cannot trade with (here: at a
 * halted substation) count towards that bound even when the matcher skips
 * them without loading them, also after fills shortened the FIFO. Orders of
 * equal seq (not in a chain's book) keep their FIFO order.
 * Permissions: none.
 */
import assert from "node:assert/strict";
import {
  DEFAULT_MARKET_PARAMS,
  GridState,
  type MarketOp,
  matchBlock,
  type Order,
  OrderBook,
} from "../node/market/mod.ts";
import { makeOrder, OFF_PEAK_MS, SMALL_TOPOLOGY } from "./market_helpers.ts";

const params = { ...DEFAULT_MARKET_PARAMS, maxScanPerOrder: 4 };
const HALTED = "BKK-01-SUB002";
const OPEN = "BKK-01-SUB001";

function sell(id: string, seq: number, location: string): Order {
  return makeOrder({ id, side: "sell", amountWh: 100, priceSatangPerKwh: 5000, seq, location });
}

function buy(id: string, seq: number): MarketOp {
  const order = makeOrder({
    id,
    side: "buy",
    amountWh: 100,
    priceSatangPerKwh: 5000,
    seq,
    location: OPEN,
  });
  return { type: "place", order };
}

/** Match `ops` one block each on a book of `resting`; the sell ids traded, block by block. */
function tradedSells(resting: Order[], ops: MarketOp[]): string[][] {
  const book = OrderBook.fromOrders(resting);
  const grid = new GridState(SMALL_TOPOLOGY);
  return ops.map((op, i) =>
    matchBlock(book, grid, [op], {
      height: i + 1,
      timestampMs: OFF_PEAK_MS + i,
      params,
      haltedLocations: [HALTED],
    }).trades.map((t) => t.sellOrderId)
  );
}

Deno.test("scan window: blocked orders at the head count towards maxScanPerOrder, also after fills", () => {
  // One ask level, FIFO: s1 s2 (halted) s3 (open) s4 (halted) s5 s6 (open).
  const resting = [
    sell("s1", 1, HALTED),
    sell("s2", 2, HALTED),
    sell("s3", 3, OPEN),
    sell("s4", 4, HALTED),
    sell("s5", 5, OPEN),
    sell("s6", 6, OPEN),
  ];
  const ops = [buy("b1", 11), buy("b2", 12), buy("b3", 13), buy("b4", 14)];
  // Windows: [s1 s2 s3 s4] -> s3; [s1 s2 s4 s5] -> s5; [s1 s2 s4 s6] -> s6; [s1 s2 s4] -> none.
  assert.deepEqual(tradedSells(resting, ops), [["s3"], ["s5"], ["s6"], []]);
  // The same takers in one block: the same trades.
  const book = OrderBook.fromOrders(resting);
  const r = matchBlock(book, new GridState(SMALL_TOPOLOGY), ops, {
    height: 1,
    timestampMs: OFF_PEAK_MS,
    params,
    haltedLocations: [HALTED],
  });
  assert.deepEqual(r.trades.map((t) => t.sellOrderId), ["s3", "s5", "s6"]);
  assert.deepEqual(book.list("sell").map((o) => o.id), ["s1", "s2", "s4"]);
  assert.deepEqual(book.list("buy").map((o) => o.id), ["b4"]);
});

Deno.test("scan window: orders of equal seq are examined in FIFO (insertion) order", () => {
  // s3 (open) and s3b (open, same seq, inserted after it) both inside the window.
  const resting = [
    sell("s1", 1, HALTED),
    sell("s2", 2, HALTED),
    sell("s3", 3, OPEN),
    sell("s3b", 3, OPEN),
    sell("s4", 4, HALTED),
  ];
  const ops = [buy("b1", 11), buy("b2", 12), buy("b3", 13)];
  // Windows: [s1 s2 s3 s3b] -> s3; [s1 s2 s3b s4] -> s3b; [s1 s2 s4] -> none.
  assert.deepEqual(tradedSells(resting, ops), [["s3"], ["s3b"], []]);
});
