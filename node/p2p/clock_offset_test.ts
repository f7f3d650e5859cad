import assert from "node:assert/strict";
import { ClockOffsetEstimator } from "./clock_offset.ts";

Deno.test("clock offset: none before any peer is heard", () => {
  assert.equal(new ClockOffsetEstimator().estimate(1_000), null);
});

Deno.test("clock offset: our clock 1 h ahead shows as +3,600,000 ms from every peer", () => {
  const c = new ClockOffsetEstimator();
  const now = 10_000_000;
  for (const peer of ["a", "b", "c"]) c.record(peer, now - 3_600_000 - 20, now);
  assert.deepEqual(c.estimate(now), { offsetMs: 3_600_020, peers: 3 });
});

Deno.test("clock offset: one lying peer does not move the median over peers", () => {
  const c = new ClockOffsetEstimator();
  const now = 5_000_000;
  c.record("honest-1", now - 10, now);
  c.record("honest-2", now - 30, now);
  c.record("liar", now + 3_600_000, now);
  assert.deepEqual(c.estimate(now), { offsetMs: 10, peers: 3 });
});

Deno.test("clock offset: a peer's odd sample is outvoted by its own recent ones", () => {
  const c = new ClockOffsetEstimator();
  const now = 1_000_000;
  for (let i = 0; i < 5; i++) c.record("p", now - 100, now);
  c.record("p", now - 900_000, now); // a message relayed late from a skewed node
  assert.deepEqual(c.estimate(now), { offsetMs: 100, peers: 1 });
});

Deno.test("clock offset: peers not heard for 5 minutes no longer count", () => {
  const c = new ClockOffsetEstimator();
  c.record("old", 0, 7_000);
  c.record("new", 400_000, 400_000);
  assert.deepEqual(c.estimate(400_000), { offsetMs: 0, peers: 1 });
  assert.equal(c.estimate(1_000_000), null);
});
