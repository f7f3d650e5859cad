/**
 * MarketRuntime keeps the match replica at the head: a matched block that is
 * not committed is rolled back (no reload) when the next block is built or
 * checked at the same parent; any rollback failure falls back to a reload.
 * Results always equal matchBlock on a book rebuilt from the committed state.
 */
import assert from "node:assert/strict";
import { MemoryState, stateKey } from "../chain/state.ts";
import {
  createOrder,
  DEFAULT_MARKET_PARAMS,
  GridState,
  type MarketOp,
  matchBlock,
  type Order,
  OrderBook,
} from "../market/mod.ts";
import { getGridTopology } from "../market/chain/market_state.ts";
import { MarketRuntime } from "./market_runtime.ts";
import { SMALL_TOPOLOGY } from "../../tests/market_helpers.ts";

const T0 = Date.UTC(2026, 0, 15, 3, 0, 0);
let seq = 0;
function order(side: "buy" | "sell", price: number, owner: string): Order {
  seq++;
  return createOrder(
    {
      id: `o${seq}`,
      owner,
      side,
      amountWh: 1_000,
      priceSatangPerKwh: price,
      source: side === "sell" ? "solar" : null,
      location: "BKK-01-SUB001",
      expiresAtMs: T0 + 3_600_000,
    },
    seq,
    DEFAULT_MARKET_PARAMS,
  );
}

const ctx = (height: number) => ({
  height,
  timestampMs: T0 + height,
  params: DEFAULT_MARKET_PARAMS,
});

Deno.test("MarketRuntime: a discarded or competing block is rolled back, not reloaded", async () => {
  const resting = [
    order("sell", 5_000, "s1"),
    order("sell", 5_100, "s2"),
    order("buy", 4_000, "b1"),
  ];
  const state = new MemoryState(
    new Map<string, unknown>([
      [stateKey.gridTopology(), SMALL_TOPOLOGY],
      ...resting.map((o): [string, unknown] => [stateKey.order(o.id), o]),
    ]),
  );
  const topology = getGridTopology(state)!;
  const expected = (ops: MarketOp[], height: number) =>
    matchBlock(OrderBook.fromOrders(resting), new GridState(SMALL_TOPOLOGY), ops, ctx(height));
  const rt = new MarketRuntime(state, { useWorker: false });
  try {
    const opsA: MarketOp[] = [{ type: "place", order: order("buy", 5_200, "b2") }];
    const opsB: MarketOp[] = [
      { type: "cancel", orderId: "o1", owner: "s1" },
      { type: "place", order: order("buy", 5_200, "b3") },
    ];
    let svc = await rt.serviceFor("h0");
    assert.ok((await svc!.match(opsA, ctx(1), topology)).trades.length > 0);
    rt.discarded();
    svc = await rt.serviceFor("h0");
    assert.deepEqual(rt.replicaStats, { loads: 1, rollbacks: 1, rollbackFailures: 0 });
    assert.deepEqual(await svc!.match(opsB, ctx(1), topology), expected(opsB, 1));

    // Another proposal checked at the same parent, without a discard in between.
    svc = await rt.serviceFor("h0");
    assert.deepEqual(await svc!.match(opsA, ctx(1), topology), expected(opsA, 1));
    assert.deepEqual(rt.replicaStats, { loads: 1, rollbacks: 2, rollbackFailures: 0 });

    // The replica is lost (e.g. a worker error): the rollback fails and the replica is reloaded.
    await rt.matcher.reset();
    svc = await rt.serviceFor("h0");
    assert.deepEqual(rt.replicaStats, { loads: 2, rollbacks: 2, rollbackFailures: 1 });
    const r = await svc!.match(opsA, ctx(1), topology);
    assert.deepEqual(r, expected(opsA, 1));

    // Committed: the next block at the new head needs neither.
    const changes: [string, unknown][] = [
      ...r.removed.map((rm): [string, unknown] => [stateKey.order(rm.orderId), null]),
      ...r.changed.map((o): [string, unknown] => [stateKey.order(o.id), o]),
    ];
    state.apply(changes);
    rt.committed("h1", changes);
    await rt.serviceFor("h1");
    assert.deepEqual(rt.replicaStats, { loads: 2, rollbacks: 2, rollbackFailures: 1 });
    // A head the replica never saw: reload.
    await rt.serviceFor("elsewhere");
    assert.equal(rt.replicaStats.loads, 3);
  } finally {
    rt.close();
  }
});
