/**
 * One shared suite for both matchers (Web Worker and same thread): each must
 * give exactly the results of calling matchBlock directly, and a replica
 * advanced with applyMatchResult must equal the matcher's book; with ops in
 * the test helpers' key order (they travel unpacked) and in createOrder's
 * (packed, see workers/match_codec.ts); and a block matched then rolled back
 * leaves the replica where a fresh load would.
 * Permissions: --allow-read (the worker module is loaded from disk).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  applyMatchResult,
  copyOrder,
  DEFAULT_MARKET_PARAMS,
  GridState,
  type MarketOp,
  matchBlock,
  OrderBook,
} from "../node/market/mod.ts";
import {
  InlineMatcher,
  type Matcher,
  MatcherError,
  WorkerMatcher,
} from "../workers/match_client.ts";
import { type Block, buildBlocks, run, SMALL_TOPOLOGY, streamArb } from "./market_helpers.ts";

/** Blocks whose placed orders have createOrder's key order. */
function canonicalBlocks(blocks: Block[]): Block[] {
  return blocks.map((b) => ({
    ...b,
    ops: b.ops.map((op): MarketOp =>
      op.type === "place" ? { type: "place", order: copyOrder(op.order) } : op
    ),
  }));
}

function ctxOf(b: Block) {
  return {
    height: b.height,
    timestampMs: b.timestampMs,
    params: DEFAULT_MARKET_PARAMS,
    haltedLocations: b.halted,
  };
}

const impls: [string, () => Matcher][] = [
  ["inline", () => new InlineMatcher()],
  ["worker", () => new WorkerMatcher({ timeoutMs: 20_000 })],
];

for (const [name, make] of impls) {
  for (const packed of [false, true]) {
    const form = packed ? "createOrder key order" : "helper key order";
    Deno.test(`matcher ${name}, ${form}: same results as matchBlock, replica in sync`, async () => {
      const m = make();
      try {
        await assert.rejects(
          m.match([], { height: 1, timestampMs: 0, params: DEFAULT_MARKET_PARAMS }),
          (e: unknown) => e instanceof MatcherError && e.code === "NOT_LOADED",
        );
        const streams = fc.sample(streamArb, { numRuns: 20, seed: 42 });
        for (const raw of streams) {
          const blocks = packed ? canonicalBlocks(buildBlocks(raw)) : buildBlocks(raw);
          const k = Math.floor(blocks.length / 2);
          const pre = run(blocks.slice(0, k));
          const expected = run(blocks);
          await m.load(SMALL_TOPOLOGY, pre.book.snapshot(), pre.grid.snapshot());
          const replica = OrderBook.fromOrders(pre.book.snapshot());
          const replicaGrid = new GridState(SMALL_TOPOLOGY);
          replicaGrid.restore(pre.grid.snapshot());
          for (let i = k; i < blocks.length; i++) {
            const b = blocks[i]!;
            const r = await m.match(b.ops, {
              height: b.height,
              timestampMs: b.timestampMs,
              params: DEFAULT_MARKET_PARAMS,
              haltedLocations: b.halted,
            });
            assert.deepEqual(r, expected.results[i]);
            assert.equal(JSON.stringify(r), JSON.stringify(expected.results[i]));
            applyMatchResult(replica, replicaGrid, r);
          }
          assert.deepEqual(replica.snapshot(), expected.book.snapshot());
          assert.deepEqual(replicaGrid.snapshot(), expected.grid.snapshot());
        }
        await m.reset();
      } finally {
        m.close();
      }
    });
  }

  Deno.test(`matcher ${name}: rollback puts the replica back at the parent`, async () => {
    const m = make();
    try {
      await m.load(SMALL_TOPOLOGY, [], null);
      await assert.rejects(
        m.rollback(),
        (e: unknown) => e instanceof MatcherError && e.code === "NO_JOURNAL",
      );
      const streams = fc.sample(streamArb, { numRuns: 20, seed: 7 });
      const alts = fc.sample(streamArb, { numRuns: 20, seed: 99 });
      for (let s = 0; s < streams.length; s++) {
        const blocks = canonicalBlocks(buildBlocks(streams[s]!));
        const alt = canonicalBlocks(buildBlocks(alts[s]!));
        const k = Math.floor(blocks.length / 2);
        const pre = run(blocks.slice(0, k));
        const expected = run(blocks);
        assert.equal(
          await m.load(SMALL_TOPOLOGY, pre.book.snapshot(), pre.grid.snapshot()),
          pre.book.size,
        );
        for (let i = k; i < blocks.length; i++) {
          const b = blocks[i]!;
          // A competing block at the same height (ids of its placements never seen on this chain).
          const a = alt[i % alt.length]!;
          const aOps = a.ops.map((op): MarketOp =>
            op.type === "place"
              ? { type: "place", order: { ...op.order, id: `alt-${op.order.id}` } }
              : op
          );
          await m.match(aOps, ctxOf({ ...a, height: b.height, timestampMs: b.timestampMs + 1 }));
          await m.rollback();
          assert.deepEqual(await m.match(b.ops, ctxOf(b)), expected.results[i]);
        }
      }
    } finally {
      m.close();
    }
  });
}

Deno.test("matchBlock on an empty grid state restored from a fresh snapshot is a no-op", () => {
  const grid = new GridState(SMALL_TOPOLOGY);
  grid.restore(new GridState(SMALL_TOPOLOGY).snapshot());
  const r = matchBlock(new OrderBook(), grid, [], {
    height: 1,
    timestampMs: 1,
    params: DEFAULT_MARKET_PARAMS,
  });
  assert.deepEqual(r.trades, []);
});
