import assert from "node:assert/strict";
import { BUILD_BUDGET_FRACTION, computeBuildCap, MIN_BUILD_TXS } from "./block_pipeline.ts";

Deno.test("build cap: no estimate yet takes the chain's maximum", () => {
  assert.equal(computeBuildCap(20_000, 500, undefined), 20_000);
});

Deno.test("build cap: fits the build budget of the block time", () => {
  // 500 ms x 0.5 = 250 ms; at 50 µs per tx that is 5,000 transactions.
  assert.equal(BUILD_BUDGET_FRACTION, 0.5);
  assert.equal(computeBuildCap(20_000, 500, 50), 5_000);
  assert.equal(computeBuildCap(4_000, 500, 50), 4_000);
});

Deno.test("build cap: never below the floor, so a slow node still makes progress", () => {
  assert.equal(computeBuildCap(20_000, 500, 100_000), MIN_BUILD_TXS);
});
