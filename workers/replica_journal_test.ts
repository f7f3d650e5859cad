/**
 * Rollback of the match session's replica: after matching a block A and
 * rolling it back, the replica equals its state before A (orders field by
 * field, grid flows), and matching a block B then gives what a fresh replica
 * loaded at the parent gives. Random streams from tests/market_helpers.ts.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { copyOrder, DEFAULT_MARKET_PARAMS, type MarketOp, type Order } from "../node/market/mod.ts";
import { buildBlocks, run, SMALL_TOPOLOGY, streamArb } from "../tests/market_helpers.ts";
import { decodeResult, encodeOps, encodeOrders, type WireResult } from "./match_codec.ts";
import { MatchSession, type MatchWorkerResponse } from "./match_protocol.ts";
import type { Block } from "../tests/market_helpers.ts";

function canonicalOps(ops: MarketOp[]): MarketOp[] {
  return ops.map((op) => op.type === "place" ? { type: "place", order: copyOrder(op.order) } : op);
}

function renamePlaced(b: Block): Block {
  const ops = b.ops.map((op): MarketOp =>
    op.type === "place" ? { type: "place", order: { ...op.order, id: `alt-${op.order.id}` } } : op
  );
  return { ...b, ops };
}

let nextId = 0;
function send(s: MatchSession, req: Record<string, unknown>): MatchWorkerResponse {
  return s.handle(structuredClone({ ...req, id: ++nextId }) as never);
}

function load(s: MatchSession, orders: Order[], gridFlows: unknown): void {
  const r = send(s, {
    type: "load",
    topology: SMALL_TOPOLOGY,
    orders: encodeOrders(orders),
    gridFlows,
  });
  assert.equal(r.type, "loaded");
}

function match(s: MatchSession, b: Block): { id: number; result: WireResult } {
  const r = send(s, {
    type: "match",
    ops: encodeOps(canonicalOps(b.ops)),
    ctx: {
      height: b.height,
      timestampMs: b.timestampMs,
      params: DEFAULT_MARKET_PARAMS,
      haltedLocations: b.halted,
    },
  });
  if (r.type !== "matched") throw new Error(`match failed: ${JSON.stringify(r)}`);
  return { id: r.id, result: r.result };
}

Deno.test("rollback: replica equals the parent, and matches the next block like a fresh load", () => {
  // How often A filled or removed parent orders (so the test is known to exercise the undo).
  const undone = { fills: 0, removals: 0, placements: 0 };
  fc.assert(
    fc.property(streamArb, streamArb, fc.nat(), (rawMain, rawAlt, cut) => {
      const blocks = buildBlocks(rawMain);
      const alt = buildBlocks(rawAlt);
      const k = cut % blocks.length;
      const pre = run(blocks.slice(0, k));
      const preOrders = pre.book.snapshot().map(copyOrder), preFlows = pre.grid.snapshot();
      const s = new MatchSession();
      load(s, preOrders, preFlows);
      // Block A: another stream's block at a later time (may cross intervals), then B after rollback.
      for (let i = k; i < blocks.length; i++) {
        const b = blocks[i]!;
        // Alternative ids for A's placements (ids never repeat on a chain); its cancels keep theirs.
        const a = renamePlaced(alt[i % alt.length]!);
        const parent = s.inspect();
        const m = match(s, {
          ...a,
          height: b.height,
          timestampMs: b.timestampMs + a.timestampMs % 7,
        });
        const ra = decodeResult(m.result);
        if (
          ra.trades.some((t) =>
            !t.buyOrderId.startsWith("alt-") || !t.sellOrderId.startsWith("alt-")
          )
        ) undone.fills++;
        if (ra.removed.some((r) => !r.orderId.startsWith("alt-"))) undone.removals++;
        if (ra.changed.some((o) => o.id.startsWith("alt-"))) undone.placements++;
        const rb = send(s, { type: "rollback", matchId: m.id });
        assert.equal(rb.type, "rolledBack", JSON.stringify(rb));
        const back = s.inspect();
        assert.deepStrictEqual(back, parent);
        // Fresh replica at the parent, loaded from the state the rollback restored.
        const fresh = new MatchSession();
        load(fresh, back!.orders, back!.gridFlows);
        const rB = match(s, b), rF = match(fresh, b);
        assert.deepStrictEqual(rB.result, rF.result);
        assert.deepStrictEqual(s.inspect(), fresh.inspect());
      }
      // And the whole stream agrees with matchBlock on one book.
      const expected = run(blocks);
      assert.deepStrictEqual(s.inspect()!.orders, expected.book.snapshot().map(copyOrder));
      assert.deepStrictEqual(s.inspect()!.gridFlows, expected.grid.snapshot());
    }),
    { numRuns: 150, seed: 8 },
  );
  assert.ok(
    undone.fills > 20 && undone.removals > 20 && undone.placements > 20,
    `coverage ${JSON.stringify(undone)}`,
  );
});

Deno.test("rollback: refused without a journal, for another match, or when an id was re-placed", () => {
  const blocks = buildBlocks(fc.sample(streamArb, { numRuns: 1, seed: 3 })[0]!);
  const s = new MatchSession();
  load(s, [], null);
  let r = send(s, { type: "rollback", matchId: 1 });
  assert.equal(r.type === "error" && r.code, "NO_JOURNAL");
  assert.equal(s.inspect(), null, "an error drops the replica");
  load(s, [], null);
  const m = match(s, blocks[0]!);
  r = send(s, { type: "rollback", matchId: m.id - 1 });
  assert.equal(r.type === "error" && r.code, "NO_JOURNAL");
  load(s, [], null);
  const m2 = match(s, blocks[0]!);
  assert.equal(send(s, { type: "rollback", matchId: m2.id }).type, "rolledBack");
  r = send(s, { type: "rollback", matchId: m2.id });
  assert.equal(r.type === "error" && r.code, "NO_JOURNAL", "one block back only");

  // A parent order cancelled and its id placed again in the same block cannot be undone.
  const o: Order = copyOrder({
    id: "x1",
    owner: "acct-1",
    side: "sell",
    amountWh: 1_000,
    remainingWh: 1_000,
    priceSatangPerKwh: 5_000,
    source: "solar",
    location: "BKK-01-SUB001",
    seq: 1,
    expiresAtMs: 4_000_000_000_000,
    lockedSatang: 0,
  });
  load(s, [o], null);
  const m3 = match(s, {
    height: 2,
    timestampMs: 1_768_446_000_000,
    halted: [],
    ops: [
      { type: "cancel", orderId: "x1", owner: "acct-1" },
      { type: "place", order: { ...o, seq: 2 } },
    ],
  });
  r = send(s, { type: "rollback", matchId: m3.id });
  assert.equal(r.type === "error" && r.code, "NOT_REVERSIBLE");
});
