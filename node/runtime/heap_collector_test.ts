/** The main isolate's full collections: when they run, what they ask V8 for. */
import assert from "node:assert/strict";
import { type GcFunction, getExposedGc } from "../../workers/match_idle_gc.ts";
import { HeapCollector, IdleCompactor, MAJOR_GROWTH_BYTES } from "./heap_collector.ts";

/** A heap whose garbage the collector's `gc` removes: live + garbage bytes. */
function fakeHeap(liveBytes: number) {
  const heap = { live: liveBytes, garbage: 0, calls: [] as Parameters<GcFunction>[0][] };
  const gc: GcFunction = (options) => {
    heap.calls.push(options);
    heap.garbage = 0;
  };
  const read = () => heap.live + heap.garbage;
  return { heap, gc, read };
}

Deno.test("HeapCollector: collects only when the heap grew by the threshold since the last full collection", () => {
  const { heap, gc, read } = fakeHeap(300e6);
  const c = new HeapCollector(gc, read, 100e6, () => 0, 0);
  heap.garbage = 99e6;
  assert.deepEqual(c.afterBlock(), null);
  heap.garbage = 100e6;
  assert.deepEqual(c.afterBlock(), { beforeBytes: 400e6, afterBytes: 300e6, durationMs: 0 });
  assert.deepEqual(heap.calls, [{ type: "major", execution: "sync" }]);
  // Live growth counts too; the next baseline is what the collection left.
  heap.live = 350e6;
  heap.garbage = 60e6;
  assert.deepEqual(c.afterBlock()?.afterBytes, 350e6);
  heap.garbage = 99e6;
  assert.deepEqual(c.afterBlock(), null);
});

Deno.test("HeapCollector: a collection V8 ran on its own lowers the baseline", () => {
  const { heap, gc, read } = fakeHeap(300e6);
  heap.garbage = 50e6;
  const c = new HeapCollector(gc, read, 100e6, undefined, 0);
  heap.garbage = 0; // V8 collected: 300 MB now, the baseline was 350 MB
  assert.deepEqual(c.afterBlock(), null);
  heap.garbage = 100e6;
  assert.deepEqual(c.afterBlock()?.afterBytes, 300e6);
});

Deno.test("HeapCollector: collect({ compact }) asks for V8's memory-reducing collection", () => {
  const { heap, gc, read } = fakeHeap(10e6);
  new HeapCollector(gc, read).collect({ compact: true });
  assert.deepEqual(heap.calls, [{ type: "major", execution: "sync", flavor: "last-resort" }]);
});

Deno.test("HeapCollector: does nothing without the gc global", () => {
  const c = new HeapCollector(null, () => 1e9);
  assert.deepEqual(c.afterBlock(), null);
  assert.deepEqual(c.collect({ compact: true }), null);
  assert.deepEqual(MAJOR_GROWTH_BYTES, 128 * 1024 * 1024);
});

Deno.test("HeapCollector: never forces a collection below the floor", () => {
  const { heap, gc, read } = fakeHeap(100e6);
  const c = new HeapCollector(gc, read, 100e6, () => 0, 500e6);
  heap.garbage = 350e6;
  assert.deepEqual(c.afterBlock(), null, "grew 350 MB, but 450 MB in all");
  heap.garbage = 400e6;
  assert.deepEqual(c.afterBlock()?.beforeBytes, 500e6);
  assert.equal(heap.calls.length, 1);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("IdleCompactor: compacts once after an idle gap, never while a job runs", async () => {
  const calls: Parameters<GcFunction>[0][] = [];
  const idle = new IdleCompactor((options) => calls.push(options), 30, 0);
  try {
    idle.start();
    idle.start();
    idle.done(); // one job still running
    await sleep(80);
    assert.equal(idle.collections, 0);
    idle.done();
    idle.start(); // a new job before the gap elapsed cancels the compaction
    await sleep(80);
    assert.equal(idle.collections, 0);
    idle.done();
    await sleep(80);
    assert.equal(idle.collections, 1);
    assert.deepEqual(calls, [{ type: "major", execution: "sync", flavor: "last-resort" }]);
    await sleep(80); // once per gap
    assert.equal(idle.collections, 1);
  } finally {
    idle.stop();
  }
});

Deno.test("IdleCompactor: V8 gives back the young generation that sustained allocation grew", {
  ignore: getExposedGc() === null,
}, async () => {
  // Like a verify worker under load: short-lived objects, some surviving a few scavenges.
  let keep: unknown[][] = [];
  for (let i = 0; i < 300; i++) {
    keep.push(Array.from({ length: 2000 }, (_, j) => ({ bytes: new Uint8Array(100), j })));
    if (keep.length > 3) keep.shift();
  }
  keep = [];
  const before = Deno.memoryUsage().heapTotal;
  const idle = new IdleCompactor(undefined, 1, 0);
  idle.start();
  idle.done();
  await sleep(50);
  assert.equal(idle.collections, 1);
  const after = Deno.memoryUsage().heapTotal;
  assert.ok(after < before - 8 * 1024 * 1024, `heap ${before} -> ${after} bytes`);
});

Deno.test("IdleCompactor: leaves a small heap alone", async () => {
  const calls: unknown[] = [];
  let heapBytes = 10e6;
  const idle = new IdleCompactor((options) => calls.push(options), 1, 24e6, () => heapBytes);
  idle.start();
  idle.done();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(calls.length, 0);
  heapBytes = 70e6;
  idle.start();
  idle.done();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(calls.length, 1);
  idle.stop();
});

Deno.test("HeapCollector: compacts after the state load only when the heap is large", () => {
  const small = fakeHeap(50e6);
  assert.equal(new HeapCollector(small.gc, small.read, 100e6).afterStateLoad(), null);
  assert.deepEqual(small.heap.calls, []);
  const large = fakeHeap(400e6);
  large.heap.garbage = 100e6;
  const c = new HeapCollector(large.gc, large.read, 100e6, () => 0);
  assert.deepEqual(c.afterStateLoad(), { beforeBytes: 500e6, afterBytes: 400e6, durationMs: 0 });
  assert.deepEqual(large.heap.calls, [{ type: "major", execution: "sync", flavor: "last-resort" }]);
});
