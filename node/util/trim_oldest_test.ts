import assert from "node:assert/strict";
import { trimOldest } from "./trim_oldest.ts";

Deno.test("trimOldest drops the oldest entries of a Map or Set down to the bound", () => {
  const m = new Map([["a", 1], ["b", 2], ["c", 3]]);
  m.delete("a");
  m.set("a", 4); // re-inserted: now the newest
  trimOldest(m, 2);
  assert.deepEqual([...m.keys()], ["c", "a"]);
  const s = new Set([1, 2, 3, 4]);
  trimOldest(s, 1);
  assert.deepEqual([...s], [4]);
  trimOldest(s, 5);
  assert.deepEqual([...s], [4]);
  trimOldest(s, -1);
  assert.equal(s.size, 0);
});
