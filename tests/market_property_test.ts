/**
 * Property tests of the matcher over random order streams (fast-check):
 * limits respected, exact conservation of money and energy, capacity never
 * exceeded, price-time priority (against a naive reference matcher), and
 * deterministic replay including a rebuild from snapshots.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  computeValueSatang,
  DEFAULT_MARKET_PARAMS,
  GridState,
  matchBlock,
  type Order,
  OrderBook,
} from "../node/market/mod.ts";
import {
  type Block,
  buildBlocks,
  checkCapacity,
  Ledger,
  run,
  SMALL_LOCATIONS,
  SMALL_TOPOLOGY,
  streamArb,
} from "./market_helpers.ts";

const params = DEFAULT_MARKET_PARAMS;

Deno.test("property: limits, conservation, capacity, source, halts", () => {
  fc.assert(
    fc.property(streamArb, (raw) => {
      const blocks = buildBlocks(raw);
      const placed = new Map<string, Order>();
      for (const b of blocks) {
        for (const op of b.ops) if (op.type === "place") placed.set(op.order.id, op.order);
      }
      const ledger = new Ledger();
      let i = 0;
      run(blocks, (r, book, grid) => {
        const b = blocks[i++]!;
        ledger.place(b.ops);
        ledger.apply(r);
        ledger.check(book);
        checkCapacity(grid);
        for (const t of r.trades) {
          const buy = placed.get(t.buyOrderId)!, sell = placed.get(t.sellOrderId)!;
          assert.ok(t.priceSatangPerKwh <= buy.priceSatangPerKwh, "buy limit crossed");
          assert.ok(t.priceSatangPerKwh >= sell.priceSatangPerKwh, "sell limit crossed");
          const maker = t.makerSide === "buy" ? buy : sell;
          assert.equal(t.priceSatangPerKwh, maker.priceSatangPerKwh, "trade at maker price");
          assert.ok(buy.source === null || buy.source === t.source);
          assert.notEqual(t.buyer, t.seller, "self trade");
          assert.equal(t.valueSatang, computeValueSatang(t.amountWh, t.priceSatangPerKwh));
          for (const h of b.halted) {
            assert.ok(!t.sellerLocation.startsWith(h) && !t.buyerLocation.startsWith(h), "halted");
          }
        }
      });
    }),
    { numRuns: 150 },
  );
});

/** Naive reference: sort counter-orders by priority for every incoming order. */
function referenceTrades(blocks: Block[]): string[] {
  const resting: Order[] = [];
  const out: string[] = [];
  for (const b of blocks) {
    for (let i = resting.length - 1; i >= 0; i--) {
      if (resting[i]!.expiresAtMs <= b.timestampMs) resting.splice(i, 1);
    }
    for (const op of b.ops) {
      if (op.type === "cancel") {
        const i = resting.findIndex((o) => o.id === op.orderId && o.owner === op.owner);
        if (i >= 0) resting.splice(i, 1);
        continue;
      }
      const o = { ...op.order };
      if (o.expiresAtMs <= b.timestampMs) continue;
      const isBuy = o.side === "buy";
      const counter = resting
        .filter((r) => r.side !== o.side)
        .sort((a, c) =>
          (isBuy
            ? a.priceSatangPerKwh - c.priceSatangPerKwh
            : c.priceSatangPerKwh - a.priceSatangPerKwh) || a.seq - c.seq
        );
      for (const m of counter) {
        if (o.remainingWh === 0) break;
        if (
          isBuy
            ? m.priceSatangPerKwh > o.priceSatangPerKwh
            : m.priceSatangPerKwh < o.priceSatangPerKwh
        ) break;
        const f = Math.min(o.remainingWh, m.remainingWh);
        o.remainingWh -= f;
        m.remainingWh -= f;
        out.push(`${isBuy ? o.id : m.id}<${isBuy ? m.id : o.id}:${f}@${m.priceSatangPerKwh}`);
        if (m.remainingWh === 0) resting.splice(resting.indexOf(m), 1);
      }
      if (o.remainingWh > 0) resting.push(o);
    }
  }
  return out;
}

Deno.test("property: price-time priority equals a naive reference when the grid is unconstrained", () => {
  const big = {
    ...SMALL_TOPOLOGY,
    substations: [{ id: SMALL_LOCATIONS[0]!, capacityKw: 10_000_000 }],
  };
  fc.assert(
    fc.property(streamArb, (raw) => {
      const blocks = buildBlocks(raw, { simple: true });
      const book = new OrderBook();
      const grid = new GridState(big);
      const got: string[] = [];
      for (const b of blocks) {
        const r = matchBlock(book, grid, b.ops, {
          height: b.height,
          timestampMs: b.timestampMs,
          params,
        });
        for (const t of r.trades) {
          got.push(`${t.buyOrderId}<${t.sellOrderId}:${t.amountWh}@${t.priceSatangPerKwh}`);
        }
        const bid = book.best("buy"), ask = book.best("sell");
        if (bid && ask) assert.ok(bid.priceSatangPerKwh < ask.priceSatangPerKwh, "book crossed");
      }
      assert.deepEqual(got, referenceTrades(blocks));
    }),
    { numRuns: 150 },
  );
});

Deno.test("property: replay is deterministic, also after a rebuild from snapshots", () => {
  fc.assert(
    fc.property(streamArb, fc.nat(), (raw, cut) => {
      const blocks = buildBlocks(raw);
      const a = run(blocks);
      const b = run(blocks);
      assert.deepEqual(b.results, a.results);
      assert.deepEqual(b.book.snapshot(), a.book.snapshot());
      // Rebuild from snapshots after block k, then continue.
      const k = cut % blocks.length;
      const first = run(blocks.slice(0, k));
      const book = OrderBook.fromOrders(first.book.snapshot());
      const grid = new GridState(SMALL_TOPOLOGY);
      grid.restore(first.grid.snapshot());
      const rest = blocks.slice(k).map((bl) =>
        matchBlock(book, grid, bl.ops, {
          height: bl.height,
          timestampMs: bl.timestampMs,
          params,
          haltedLocations: bl.halted,
        })
      );
      assert.deepEqual(rest, a.results.slice(k));
      assert.deepEqual(book.snapshot(), a.book.snapshot());
    }),
    { numRuns: 100 },
  );
});
