import assert from "node:assert/strict";
import { makeKeys, makeSet } from "../../tests/consensus_sim.ts";
import { sign } from "../crypto/ed25519.ts";
import { verifyNoble } from "../crypto/ed25519.ts";
import { isAboveOneThird, isAboveTwoThirds } from "./validator_set.ts";
import {
  getVoteVerifyItem,
  isProofOfLock,
  signVote,
  verifyCommit,
  type Vote,
  VoteSet,
} from "./votes.ts";

const keys = makeKeys(4);
const A = "aa".repeat(32);
const B = "bb".repeat(32);

function vote(
  i: number,
  blockHash: string | null,
  type: Vote["type"] = "prevote",
  round = 0,
): Vote {
  return signVote(
    { type, networkId: 7, height: 5, round, blockHash, validator: keys[i]!.publicKey },
    (b) => sign(b, keys[i]!.secret),
  );
}

Deno.test("isAboveTwoThirds / isAboveOneThird are exact", () => {
  assert.equal(isAboveTwoThirds(2, 3), false);
  assert.equal(isAboveTwoThirds(3, 4), true);
  assert.equal(isAboveTwoThirds(66, 99), false);
  assert.equal(isAboveTwoThirds(67, 99), true);
  assert.equal(isAboveTwoThirds(6_000_000_000_000_001, 9_000_000_000_000_000), true);
  assert.equal(isAboveTwoThirds(6_000_000_000_000_000, 9_000_000_000_000_000), false);
  assert.equal(isAboveOneThird(1, 3), false);
  assert.equal(isAboveOneThird(2, 4), true);
});

Deno.test("VoteSet: +2/3 needs strictly more than 2/3 of the power", () => {
  // Powers 1,1,1,3: total 6; 2/3 = 4 -> needs 5.
  const set = makeSet(keys, [1, 1, 1, 3]);
  const vs = new VoteSet(7, 5, 0, "prevote", set);
  assert.equal(vs.add(vote(3, A)).status, "added");
  assert.equal(vs.add(vote(0, A)).status, "added");
  assert.equal(vs.getTwoThirdsMajority(), undefined);
  assert.ok(vs.hasOneThirdAny());
  assert.equal(vs.add(vote(1, A)).status, "added");
  assert.equal(vs.getTwoThirdsMajority(), A);
  assert.equal(vs.getVotesFor(A).length, 3);
});

Deno.test("VoteSet: nil quorum, split votes, duplicates, strangers", () => {
  const set = makeSet(keys, [1, 1, 1, 1]);
  const vs = new VoteSet(7, 5, 0, "precommit", set);
  for (const i of [0, 1, 2]) vs.add(vote(i, null, "precommit"));
  assert.equal(vs.getTwoThirdsMajority(), null);
  assert.equal(vs.add(vote(0, null, "precommit")).status, "duplicate");
  const split = new VoteSet(7, 5, 0, "precommit", set);
  split.add(vote(0, A, "precommit"));
  split.add(vote(1, A, "precommit"));
  split.add(vote(2, B, "precommit"));
  split.add(vote(3, null, "precommit"));
  assert.equal(split.getTwoThirdsMajority(), undefined);
  assert.ok(split.hasTwoThirdsAny());
  const stranger = makeKeys(5)[4]!;
  const r = vs.add({ ...vote(0, A), validator: stranger.publicKey });
  assert.equal(r.status, "rejected");
  assert.equal(vs.add(vote(3, A, "prevote")).status, "rejected"); // wrong type
});

Deno.test("VoteSet: two different votes of one voter are evidence, counted once", () => {
  const set = makeSet(keys, [1, 1, 1, 1]);
  const vs = new VoteSet(7, 5, 0, "prevote", set);
  vs.add(vote(2, A));
  const r = vs.add(vote(2, B));
  assert.equal(r.status, "equivocation");
  if (r.status !== "equivocation") return;
  assert.equal(r.evidence.voteA.blockHash, A);
  assert.equal(r.evidence.voteB.blockHash, B);
  for (const v of [r.evidence.voteA, r.evidence.voteB]) {
    const item = getVoteVerifyItem(v);
    assert.ok(verifyNoble(item.signature, item.message, item.publicKey));
  }
  assert.equal(vs.getPowerFor(B), 0);
  assert.equal(vs.add(vote(2, null)).status, "duplicate");
});

Deno.test("verifyCommit accepts > 2/3 precommits and rejects less or mixed", () => {
  const set = makeSet(keys, [1, 1, 1, 1]);
  const pcs = [0, 1, 2].map((i) => vote(i, A, "precommit"));
  verifyCommit(set, 7, A, { height: 5, round: 0, blockHash: A, precommits: pcs });
  assert.throws(
    () =>
      verifyCommit(set, 7, A, { height: 5, round: 0, blockHash: A, precommits: pcs.slice(0, 2) }),
    /not more than 2\/3/,
  );
  assert.throws(
    () =>
      verifyCommit(set, 7, A, { height: 5, round: 0, blockHash: A, precommits: [...pcs, pcs[0]!] }),
    /bad precommit/,
  );
  assert.throws(
    () =>
      verifyCommit(set, 7, A, {
        height: 5,
        round: 0,
        blockHash: A,
        precommits: [...pcs.slice(0, 2), vote(3, B, "precommit")],
      }),
    /another block/,
  );
});

Deno.test("isProofOfLock: +2/3 prevotes of one round for the block, one per voter", () => {
  const set = makeSet(keys, [1, 1, 1, 1]);
  const pol = [vote(0, A), vote(1, A), vote(2, A)];
  assert.equal(isProofOfLock(set, 7, 5, 0, A, pol), true);
  assert.equal(isProofOfLock(set, 7, 5, 0, A, pol.slice(0, 2)), false, "2 of 4 is not +2/3");
  assert.equal(isProofOfLock(set, 7, 5, 0, B, pol), false, "another block");
  assert.equal(isProofOfLock(set, 7, 5, 1, A, pol), false, "another round");
  assert.equal(isProofOfLock(set, 7, 6, 0, A, pol), false, "another height");
  assert.equal(isProofOfLock(set, 7, 5, 0, A, [vote(0, A), vote(0, A), vote(1, A)]), false);
  assert.equal(
    isProofOfLock(set, 7, 5, 0, A, [...pol.slice(0, 2), vote(2, A, "precommit")]),
    false,
  );
});
