import assert from "node:assert/strict";
import { makeKeys, makeSet } from "../../tests/consensus_sim.ts";
import { sha256Hex } from "../crypto/sha256.ts";
import { getProposer } from "./proposer.ts";

const keys = makeKeys(4);

Deno.test("getProposer is deterministic and only picks validators", () => {
  const set = makeSet(keys, [1, 2, 3, 4], makeKeys(6).slice(4));
  const prev = "ab".repeat(32);
  const a = getProposer(set, prev, 10, 0);
  assert.equal(getProposer(set, prev, 10, 0).publicKey, a.publicKey);
  for (let r = 0; r < 50; r++) assert.equal(getProposer(set, prev, 10, r).role, "validator");
});

Deno.test("getProposer is weighted by stake", () => {
  const stakes = [100, 200, 300, 400];
  const set = makeSet(keys, stakes);
  const counts = new Map<string, number>();
  const n = 20_000;
  for (let h = 0; h < n; h++) {
    const prev = sha256Hex(new TextEncoder().encode(`h${h}`));
    const p = getProposer(set, prev, h + 1, h % 3);
    counts.set(p.publicKey, (counts.get(p.publicKey) ?? 0) + 1);
  }
  keys.forEach((k, i) => {
    const share = (counts.get(k.publicKey) ?? 0) / n;
    const expected = stakes[i]! / 1000;
    assert.ok(Math.abs(share - expected) < 0.02, `validator ${i}: ${share} vs ${expected}`);
  });
});

Deno.test("getProposer: a later round usually picks someone else; no stake throws", () => {
  const set = makeSet(keys, [1, 1, 1, 1]);
  let differ = 0;
  for (let h = 1; h <= 200; h++) {
    const prev = sha256Hex(new TextEncoder().encode(`p${h}`));
    if (getProposer(set, prev, h, 0).publicKey !== getProposer(set, prev, h, 1).publicKey) differ++;
  }
  assert.ok(differ > 120 && differ < 180, `${differ}`);
  assert.throws(() => getProposer(makeSet([], []), "00".repeat(32), 1, 0), /No validator/);
});
