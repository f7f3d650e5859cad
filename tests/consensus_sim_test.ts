import assert from "node:assert/strict";
import { makeKeys, makeSet, Sim } from "./consensus_sim.ts";

function fourNodes(stakes = [100, 100, 100, 100]): Sim {
  const keys = makeKeys(4);
  return new Sim({ keys, set: makeSet(keys, stakes) });
}

Deno.test("sim: 4 validators finalize the same blocks", () => {
  const sim = fourNodes();
  sim.start();
  sim.runUntil(10_000);
  sim.assertNoConflicts();
  assert.ok(sim.minHeight() >= 20, `only ${sim.minHeight()} blocks`);
  for (let h = 1; h <= sim.minHeight(); h++) {
    const hashes = new Set(sim.committed.map((m) => m.get(h)));
    assert.equal(hashes.size, 1);
  }
});

Deno.test("sim: a single validator finalizes alone", () => {
  const keys = makeKeys(1);
  const sim = new Sim({ keys, set: makeSet(keys, [5]) });
  sim.start();
  sim.runUntil(2_000);
  assert.ok(sim.minHeight() >= 10);
});

Deno.test("sim: random delays and 10% message loss keep safety and progress", () => {
  const keys = makeKeys(4);
  let x = 12345;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const sim = new Sim({
    keys,
    set: makeSet(keys, [100, 200, 300, 400]),
    delayMs: () => 1 + Math.floor(rnd() * 80),
  });
  sim.drop = () => rnd() < 0.1;
  sim.start();
  sim.runUntil(60_000);
  sim.assertNoConflicts();
  assert.ok(sim.minHeight() >= 5, `only ${sim.minHeight()} blocks`);
});

Deno.test("sim: with 1 of 4 stopped the chain goes on", () => {
  const sim = fourNodes();
  sim.start();
  sim.runUntil(2_000);
  sim.pause(3);
  const before = sim.maxHeight([0, 1, 2]);
  sim.runUntil(20_000);
  sim.assertNoConflicts();
  assert.ok(sim.minHeight([0, 1, 2]) >= before + 10, `${before} -> ${sim.minHeight([0, 1, 2])}`);
  sim.resume(3);
  sim.runUntil(30_000);
  sim.assertNoConflicts();
  assert.ok(sim.committed[3]!.size >= sim.maxHeight([0, 1, 2]) - 1);
});

Deno.test("sim: with 2 of 4 stopped nothing is finalized; it resumes when one returns", () => {
  const sim = fourNodes();
  sim.start();
  sim.runUntil(2_000);
  sim.pause(2);
  sim.pause(3);
  sim.runUntil(2_500); // let in-flight commits land
  const stuck = sim.maxHeight([0, 1]);
  sim.runUntil(30_000);
  assert.equal(sim.maxHeight([0, 1]), stuck, "blocks finalized without a quorum");
  sim.resume(2);
  sim.runUntil(120_000);
  sim.assertNoConflicts();
  assert.ok(sim.minHeight([0, 1, 2]) > stuck + 3, `${stuck} -> ${sim.minHeight([0, 1, 2])}`);
});

Deno.test("sim: a partition heals and the minority catches up", () => {
  const sim = fourNodes();
  sim.start();
  sim.partition([0, 1], [2, 3]);
  sim.runUntil(10_000);
  assert.equal(sim.maxHeight(), 0, "no side of a 2/2 partition has a quorum");
  sim.heal();
  sim.runUntil(80_000);
  sim.assertNoConflicts();
  assert.ok(sim.minHeight() >= 3, `only ${sim.minHeight()}`);
});

Deno.test("sim: a Byzantine proposer sending two proposals never causes conflicting finality", () => {
  for (const evil of [0, 1, 2, 3]) {
    const sim = fourNodes();
    sim.byzantineProposers.add(evil);
    sim.equivocators.add(evil);
    sim.start();
    sim.runUntil(20_000);
    sim.assertNoConflicts();
    assert.ok(sim.minHeight([0, 1, 2, 3].filter((i) => i !== evil)) >= 5);
  }
});

Deno.test("sim: an equivocating validator produces evidence", () => {
  const sim = fourNodes();
  sim.equivocators.add(1);
  sim.start();
  sim.runUntil(5_000);
  sim.assertNoConflicts();
  const honest = [0, 2, 3];
  for (const i of honest) {
    assert.ok(sim.evidence[i]!.length > 0, `node ${i} saw no evidence`);
    for (const e of sim.evidence[i]!) {
      assert.equal(e.voteA.validator, sim.keys[1]!.publicKey);
      assert.notEqual(e.voteA.blockHash, e.voteB.blockHash);
    }
  }
});
