import assert from "node:assert/strict";
import {
  computeIdleCollectionKind,
  type GcFunction,
  type IdleCollectionKind,
  IdleCollector,
  MAJOR_GROWTH_MIN_BYTES,
} from "./match_idle_gc.ts";

const MB = 1024 * 1024;

Deno.test("computeIdleCollectionKind: major once the heap grew by max(16 MiB, 25 %)", () => {
  assert.equal(computeIdleCollectionKind(50 * MB, 50 * MB), "minor");
  assert.equal(computeIdleCollectionKind(50 * MB + MAJOR_GROWTH_MIN_BYTES - 1, 50 * MB), "minor");
  assert.equal(computeIdleCollectionKind(50 * MB + MAJOR_GROWTH_MIN_BYTES, 50 * MB), "major");
  // A large heap needs 25 % growth.
  assert.equal(computeIdleCollectionKind(240 * MB, 200 * MB), "minor");
  assert.equal(computeIdleCollectionKind(250 * MB, 200 * MB), "major");
  // Shrunk (V8 collected by itself): minor.
  assert.equal(computeIdleCollectionKind(10 * MB, 50 * MB), "minor");
});

Deno.test("IdleCollector: minor collections until the heap left by them grew enough, then major", () => {
  let heap = 40 * MB;
  const calls: (IdleCollectionKind | undefined)[] = [];
  const gc: GcFunction = (opts) => calls.push(opts?.type);
  const c = new IdleCollector(gc, () => heap);
  assert.equal(c.enabled, true);
  heap = 48 * MB; // after the first minor
  assert.equal(c.collect()?.kind, "minor");
  heap = 60 * MB;
  assert.equal(c.collect()?.kind, "minor"); // decided on 48 MB (the heap the previous one left)
  assert.equal(c.collect()?.kind, "major"); // 60 - 40 >= 16 MiB
  heap = 45 * MB;
  assert.equal(c.collect()?.kind, "minor"); // baseline now 60 MB, 60 - 60 < 16 MiB
  assert.deepEqual(calls, ["minor", "minor", "major", "minor"]);
  // The heap dropped below the baseline (V8 ran a full collection): the baseline follows it.
  heap = 62 * MB;
  assert.equal(c.collect()?.kind, "minor"); // decided on 45 MB
  assert.equal(c.collect()?.kind, "major"); // 62 - 45 >= 16 MiB
});

Deno.test("IdleCollector: does nothing without an exposed gc", () => {
  const c = new IdleCollector(null, () => 1);
  assert.equal(c.enabled, false);
  assert.equal(c.collect(), null);
});
