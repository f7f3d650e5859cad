/**
 * One shared suite for both matchers (Web Worker and same thread): each must
 * give exactly the results of calling matchBlock directly, and a replica
 * advanced with applyMatchResult must equal the matcher's book.
 * Permissions: --allow-read (the worker module is loaded from disk).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  applyMatchResult,
  DEFAULT_MARKET_PARAMS,
  GridState,
  matchBlock,
  OrderBook,
} from "../node/market/mod.ts";
import {
  InlineMatcher,
  type Matcher,
  MatcherError,
  WorkerMatcher,
} from "../workers/match_client.ts";
import { buildBlocks, run, SMALL_TOPOLOGY, streamArb } from "./market_helpers.ts";

const impls: [string, () => Matcher][] = [
  ["inline", () => new InlineMatcher()],
  ["worker", () => new WorkerMatcher({ timeoutMs: 20_000 })],
];

for (const [name, make] of impls) {
  Deno.test(`matcher ${name}: same results as matchBlock, replica stays in sync`, async () => {
    const m = make();
    try {
      await assert.rejects(
        m.match([], { height: 1, timestampMs: 0, params: DEFAULT_MARKET_PARAMS }),
        (e: unknown) => e instanceof MatcherError && e.code === "NOT_LOADED",
      );
      const streams = fc.sample(streamArb, { numRuns: 20, seed: 42 });
      for (const raw of streams) {
        const blocks = buildBlocks(raw);
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
