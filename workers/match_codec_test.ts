import assert from "node:assert/strict";
import {
  createOrder,
  DEFAULT_MARKET_PARAMS,
  GridState,
  type MarketOp,
  matchBlock,
  type MatchResult,
  type Order,
  OrderBook,
} from "../node/market/mod.ts";
import {
  decodeOps,
  decodeOrders,
  decodeResult,
  encodeOps,
  encodeOrders,
  encodeResult,
} from "./match_codec.ts";

const TOPOLOGY = {
  transmissionAuthority: "EGAT",
  regions: [{ id: "BKK", authority: "MEA" }],
  zones: [{ id: "BKK-01" }],
  substations: [{ id: "BKK-01-SUB001", capacityKw: 1_000 }],
  links: [],
};
const T0 = Date.UTC(2026, 0, 15, 3, 0, 0);

function order(i: number, side: "buy" | "sell", price: number, owner = `acct-${i % 3}`): Order {
  return createOrder(
    {
      id: `order-${i}`,
      owner,
      side,
      amountWh: 1_000 + i,
      priceSatangPerKwh: price,
      source: side === "sell" ? "solar" : null,
      location: "BKK-01-SUB001",
      expiresAtMs: T0 + 3_600_000,
    },
    i,
    DEFAULT_MARKET_PARAMS,
  );
}

/** Same values and the same key order (JSON of orders is chain state). */
function assertSame(actual: unknown, expected: unknown): void {
  assert.deepStrictEqual(actual, expected);
  assert.equal(JSON.stringify(actual), JSON.stringify(expected));
}

/** Through a structured clone with transfer, as a worker message goes. */
function wire<T>(v: T): T {
  return structuredClone(v);
}

Deno.test("codec: createOrder orders and cancels are packed and come back identical", () => {
  const ops: MarketOp[] = [
    { type: "place", order: order(1, "sell", 5_000) },
    { type: "place", order: order(2, "buy", 5_100) },
    { type: "cancel", orderId: "order-1", owner: "acct-1" },
    { type: "place", order: { ...order(3, "sell", 4_900), owner: "with\u0000nul" } },
  ];
  const w = encodeOps(ops);
  assert.equal(w.columns.plain.length, 0);
  assertSame(decodeOps(wire(w)), ops);
  assertSame(decodeOps(wire(encodeOps(ops.slice(0, 3)))), ops.slice(0, 3));
  assertSame(decodeOps(wire(encodeOps([]))), []);
});

Deno.test("codec: records that are not exactly an op travel as themselves", () => {
  const { seq, ...rest } = order(4, "buy", 5_000);
  const reordered = { ...rest, seq };
  const extra = { ...order(5, "buy", 5_000), note: "x" };
  const ops = [
    { type: "place", order: reordered },
    { type: "place", order: extra },
    { type: "place", order: { ...order(6, "sell", 5_000), amountWh: "1000" } },
    { type: "place", order: null },
    { type: "cancel", orderId: 7, owner: "a" },
    { type: "other" },
    null,
    { type: "place", order: order(8, "sell", 5_000), more: 1 },
    { type: "place", order: order(9, "sell", 5_000) },
    { type: "place", order: { ...order(10, "buy", 5_000), source: undefined } },
    { type: "place", order: { ...order(11, "buy", 5_000), amountWh: -0 } },
    { type: "place", order: { ...order(12, "buy", 5_000), amountWh: NaN } },
  ] as unknown as MarketOp[];
  const w = encodeOps(ops);
  assert.equal(w.columns.plain.length, 9);
  const back = decodeOps(wire(w));
  assert.deepStrictEqual(back, ops);
  assert.ok(Object.is((back[10] as { order: Order }).order.amountWh, -0));
  for (let i = 0; i < ops.length; i++) {
    assert.equal(JSON.stringify(back[i]), JSON.stringify(ops[i]), `op ${i}`);
  }
});

Deno.test("codec: loaded orders and match results come back identical", () => {
  const resting = [order(1, "sell", 5_000), order(2, "sell", 5_050), order(3, "buy", 4_000)];
  assertSame(decodeOrders(wire(encodeOrders(resting))), resting);
  assertSame(decodeOrders(wire(encodeOrders(new Set(resting).values()))), resting);
  const book = OrderBook.fromOrders(resting);
  const grid = new GridState(TOPOLOGY);
  const r: MatchResult = matchBlock(book, grid, [
    { type: "place", order: order(4, "buy", 5_100, "acct-9") },
    { type: "place", order: order(5, "buy", 5_100, "acct-9") },
    { type: "cancel", orderId: "order-3", owner: "acct-0" },
    { type: "cancel", orderId: "missing", owner: "acct-0" },
  ], { height: 7, timestampMs: T0, params: DEFAULT_MARKET_PARAMS });
  assert.ok(r.trades.length >= 2 && r.removed.length >= 1 && r.rejected.length === 1);
  const w = encodeResult(r);
  assert.ok("columns" in w && w.columns.plain.length === 0);
  assertSame(decodeResult(wire(w)), r);
  const odd = { ...r, extra: true } as MatchResult;
  assertSame(decodeResult(wire(encodeResult(odd))), odd);
});
