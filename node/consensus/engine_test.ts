import assert from "node:assert/strict";
import { GENESIS_HASH, makeKeys, makeSet } from "../../tests/consensus_sim.ts";
import { sign } from "../crypto/ed25519.ts";
import { type ConsensusAction, ConsensusEngine, type EngineResume } from "./engine.ts";
import { getProposer } from "./proposer.ts";
import { signProposal, signVote, type Vote } from "./votes.ts";

const NET = 7;
const keys = makeKeys(4);
const set = makeSet(keys, [1, 1, 1, 1]);
const A = "aa".repeat(32);
const B = "bb".repeat(32);

function engineOf(i: number): ConsensusEngine {
  return new ConsensusEngine({
    networkId: NET,
    signer: { publicKey: keys[i]!.publicKey, sign: (b) => sign(b, keys[i]!.secret) },
    timeouts: { proposeMs: 1000, prevoteMs: 500, precommitMs: 500, deltaMs: 100 },
  });
}

function vote(i: number, type: Vote["type"], round: number, blockHash: string | null): Vote {
  return signVote(
    { type, networkId: NET, height: 1, round, blockHash, validator: keys[i]!.publicKey },
    (b) => sign(b, keys[i]!.secret),
  );
}

function proposerIndex(round: number): number {
  const pk = getProposer(set, GENESIS_HASH, 1, round).publicKey;
  return keys.findIndex((k) => k.publicKey === pk);
}

/** Feeds a proposal of `blockHash` at `round` (by that round's proposer) and marks it valid. */
function propose(e: ConsensusEngine, round: number, blockHash: string): ConsensusAction[] {
  const p = proposerIndex(round);
  const proposal = signProposal(
    { networkId: NET, height: 1, round, polRound: -1, blockHash, proposer: keys[p]!.publicKey },
    (b) => sign(b, keys[p]!.secret),
  );
  const out = e.handle({ type: "proposal", proposal });
  return [...out, ...e.handle({ type: "proposalValidity", height: 1, blockHash, valid: true })];
}

const myVotes = (actions: ConsensusAction[], me: number) =>
  actions.flatMap((a) =>
    a.type === "broadcastVote" && a.vote.validator === keys[me]!.publicKey ? [a.vote] : []
  );

/** Starts `e` at height 1 of `set`, resumed after a restart. */
function startResumed(e: ConsensusEngine, resume: EngineResume): ConsensusAction[] {
  return e.handle({ type: "start", height: 1, prevHash: GENESIS_HASH, validators: set, resume });
}

/** No lock and no valid value. */
const UNLOCKED = { lockedBlockHash: null, lockedRound: -1, validBlockHash: null, validRound: -1 };

/** A validator `me` that proposes round `r` >= 1 but not round r - 1 (so it can lock in r - 1). */
function findLaterRoundProposer(): { me: number; r: number } {
  for (let r = 1; r < 20; r++) {
    const p = proposerIndex(r);
    if (proposerIndex(r - 1) !== p) return { me: p, r };
  }
  throw new Error("no such round in 20");
}

/** A round whose proposer is not `me`, at or after `from`. */
function otherRound(me: number, from: number): number {
  for (let r = from;; r++) if (proposerIndex(r) !== me) return r;
}

Deno.test("engine: a lock restored at start makes the voter prevote only the locked block or nil", () => {
  const me = keys.findIndex((_, i) => proposerIndex(0) !== i);
  // Before the restart: lock on A in round 0 (proposal + prevotes of two others).
  const e1 = engineOf(me);
  e1.handle({ type: "start", height: 1, prevHash: GENESIS_HASH, validators: set });
  const r0 = otherRound(me, 0);
  assert.equal(r0, 0);
  const out: ConsensusAction[] = [...propose(e1, 0, A)];
  for (const i of [0, 1, 2, 3].filter((i) => i !== me).slice(0, 2)) {
    out.push(...e1.handle({ type: "vote", vote: vote(i, "prevote", 0, A) }));
  }
  const votes = myVotes(out, me);
  assert.deepEqual(votes.map((v) => [v.type, v.blockHash]), [["prevote", A], ["precommit", A]]);
  const st = e1.status;
  assert.equal(st.lockedBlockHash, A);
  assert.equal(st.lockedRound, 0);

  // The prevotes behind the lock, persisted with it.
  const pol = e1.getProofOfLock();
  assert.equal(pol?.round, 0);
  assert.equal(pol?.blockHash, A);
  assert.equal(pol?.prevotes.length, 3);

  // After the restart: a fresh engine resumed with the persisted lock.
  const resume: EngineResume = {
    round: 1,
    lockedBlockHash: st.lockedBlockHash,
    lockedRound: st.lockedRound,
    validBlockHash: st.validBlockHash,
    validRound: st.validRound,
    polPrevotes: pol!.prevotes,
  };
  const e2 = engineOf(me);
  const started = e2.handle({
    type: "start",
    height: 1,
    prevHash: GENESIS_HASH,
    validators: set,
    resume,
  });
  assert.equal(e2.status.round, 1);
  assert.equal(e2.status.lockedBlockHash, A);
  assert.equal(e2.status.lockedRound, 0);
  // The locked block is checked again so it can be re-proposed / prevoted.
  assert.ok(started.some((a) => a.type === "validateProposal" && a.blockHash === A));
  // Its proof-of-lock is counted and gossiped again.
  assert.deepEqual(e2.getProofOfLock()?.prevotes, pol!.prevotes);
  const gossiped = started.flatMap((a) => a.type === "gossipVotes" ? a.votes : []);
  assert.deepEqual(gossiped, pol!.prevotes);

  // Round >= 1 with another block B proposed: prevote nil (locked on A).
  const r = otherRound(me, 1);
  if (r > 1) {
    for (let k = 1; k < r; k++) {
      e2.handle({ type: "timeout", step: "propose", height: 1, round: k });
    }
    for (let k = 1; k < r; k++) {
      for (const i of [0, 1, 2, 3].filter((i) => i !== me)) {
        e2.handle({ type: "vote", vote: vote(i, "precommit", k, null) });
      }
      e2.handle({ type: "timeout", step: "precommit", height: 1, round: k });
    }
  }
  assert.equal(e2.status.round, r);
  const after = propose(e2, r, B);
  assert.deepEqual(myVotes(after, me).map((v) => [v.type, v.round, v.blockHash]), [
    ["prevote", r, null],
  ]);

  // Without the lock (a fresh engine at round r), the same proposal gets a prevote for B.
  const e3 = engineOf(me);
  startResumed(e3, { round: r, ...UNLOCKED });
  assert.deepEqual(myVotes(propose(e3, r, B), me).map((v) => v.blockHash), [B]);
});

Deno.test("engine: a resumed proposer re-proposes its valid value with polRound, past its signed rounds", () => {
  // Find a validator that proposes some round r >= 1 and lock it in an earlier round.
  const { me, r } = findLaterRoundProposer();
  const e = engineOf(me);
  const polPrevotes = [0, 1, 2, 3].filter((i) => i !== me).map((i) => vote(i, "prevote", r - 1, A));
  const actions = startResumed(e, {
    round: r - 1, // raised above the lock's round
    lockedBlockHash: A,
    lockedRound: r - 1,
    validBlockHash: A,
    validRound: r - 1,
    polPrevotes,
  });
  assert.equal(e.status.round, r);
  const proposals = actions.flatMap((a) => a.type === "broadcastProposal" ? [a.proposal] : []);
  assert.equal(proposals.length, 1);
  assert.equal(proposals[0]!.blockHash, A);
  assert.equal(proposals[0]!.polRound, r - 1);
  assert.ok(!actions.some((a) => a.type === "buildProposal"));
  // The proof-of-lock goes out right before the re-proposal.
  const gossip = actions.findIndex((a) => a.type === "gossipVotes");
  const proposal = actions.findIndex((a) => a.type === "broadcastProposal");
  assert.ok(gossip >= 0 && gossip < proposal, "POL prevotes gossiped before the proposal");
});

Deno.test("engine: a resumed locked proposer's POL prevotes let a fresh unlocked voter accept its re-proposal", () => {
  // The locked validator `me` proposes round r; it locked on A in round r - 1 with
  // validators x and y. `other` restarted too: a fresh engine, no votes in memory.
  const { me, r } = findLaterRoundProposer();
  const [x, y, other] = [0, 1, 2, 3].filter((i) => i !== me) as [number, number, number];
  const polPrevotes = [me, x, y].map((i) => vote(i, "prevote", r - 1, A));
  const locked = engineOf(me);
  const out = startResumed(locked, {
    round: r,
    lockedBlockHash: A,
    lockedRound: r - 1,
    validBlockHash: A,
    validRound: r - 1,
    polPrevotes,
  });
  const gossiped = out.flatMap((a) => a.type === "gossipVotes" ? a.votes : []);
  const proposal = out.flatMap((a) => a.type === "broadcastProposal" ? [a.proposal] : [])[0]!;
  assert.equal(proposal.polRound, r - 1);
  assert.equal(gossiped.length, 3);

  const fresh = engineOf(other);
  startResumed(fresh, { round: r, ...UNLOCKED });
  assert.equal(fresh.status.round, r);
  // The re-proposal alone (polRound r - 1, no prevote quorum seen): no prevote yet.
  const before = [
    ...fresh.handle({ type: "proposal", proposal }),
    ...fresh.handle({ type: "proposalValidity", height: 1, blockHash: A, valid: true }),
  ];
  assert.deepEqual(myVotes(before, other), []);
  // The gossiped POL prevotes of the older round are counted: it prevotes A.
  const after = gossiped.flatMap((v) => fresh.handle({ type: "vote", vote: v }));
  assert.deepEqual(myVotes(after, other).map((v) => [v.type, v.round, v.blockHash]), [
    ["prevote", r, A],
  ]);
  // The locked proposer (its block valid) prevotes A, then counts the fresh voter's
  // prevote and x's: +2/3 prevotes for A in round r, it precommits A.
  const lockedOut = [
    ...locked.handle({ type: "proposalValidity", height: 1, blockHash: A, valid: true }),
    ...myVotes(after, other).flatMap((v) => locked.handle({ type: "vote", vote: v })),
    ...locked.handle({ type: "vote", vote: vote(x, "prevote", r, A) }),
  ];
  assert.deepEqual(myVotes(lockedOut, me).map((v) => [v.type, v.round, v.blockHash]), [
    ["prevote", r, A],
    ["precommit", r, A],
  ]);
});

Deno.test("engine: the POL prevotes are gossiped again at each round start and rebroadcast while a valid value is held", () => {
  const me = keys.findIndex((_, i) => proposerIndex(0) !== i);
  const e = engineOf(me);
  e.handle({ type: "start", height: 1, prevHash: GENESIS_HASH, validators: set });
  propose(e, 0, A);
  const others = [0, 1, 2, 3].filter((i) => i !== me);
  for (const i of others.slice(0, 2)) e.handle({ type: "vote", vote: vote(i, "prevote", 0, A) });
  assert.equal(e.status.validBlockHash, A);
  // No decision in round 0 (precommits of the others are nil): the round times out.
  for (const i of others) e.handle({ type: "vote", vote: vote(i, "precommit", 0, null) });
  const next = e.handle({ type: "timeout", step: "precommit", height: 1, round: 0 });
  assert.equal(e.status.round, 1);
  const gossips = next.filter((a) => a.type === "gossipVotes");
  assert.equal(gossips.length, 1);
  assert.deepEqual(
    gossips[0]!.type === "gossipVotes" && gossips[0]!.votes.map((v) => [v.round, v.blockHash]),
    [[0, A], [0, A], [0, A]],
  );
  // A stalled round's rebroadcast (bounded by its period) sends them again, for peers
  // that connected after the round began.
  const again = e.handle({ type: "timeout", step: "rebroadcast", height: 1, round: 1 });
  assert.equal(again.filter((a) => a.type === "gossipVotes").length, 1);
});

Deno.test("engine: a start without resume (next height) clears the lock", () => {
  const e = engineOf(0);
  startResumed(e, {
    round: 3,
    lockedBlockHash: A,
    lockedRound: 2,
    validBlockHash: A,
    validRound: 2,
  });
  assert.equal(e.status.lockedBlockHash, A);
  e.handle({ type: "start", height: 2, prevHash: "22".repeat(32), validators: set });
  assert.equal(e.status.lockedBlockHash, null);
  assert.equal(e.status.lockedRound, -1);
  assert.equal(e.status.round, 0);
});

Deno.test("engine: a resumed single validator re-proposes its locked block and commits it", () => {
  const solo = makeSet([keys[0]!], [1]);
  const e = engineOf(0);
  const actions = e.handle({
    type: "start",
    height: 1,
    prevHash: GENESIS_HASH,
    validators: solo,
    resume: {
      round: 1,
      lockedBlockHash: A,
      lockedRound: 0,
      validBlockHash: A,
      validRound: 0,
      polPrevotes: [vote(0, "prevote", 0, A)],
    },
  });
  const proposal = actions.find((a) => a.type === "broadcastProposal");
  assert.ok(proposal?.type === "broadcastProposal" && proposal.proposal.polRound === 0);
  // Its own round-0 prevote, restored as the proof-of-lock, lets it prevote A again.
  const out = e.handle({ type: "proposalValidity", height: 1, blockHash: A, valid: true });
  const commit = out.find((a) => a.type === "commit");
  assert.ok(commit?.type === "commit" && commit.blockHash === A && commit.round === 1);
});

/** A voter (not round 0's proposer) at height 1 that received round 0's proposal of A. */
function voterHoldingProposal() {
  const me = keys.findIndex((_, i) => proposerIndex(0) !== i);
  const e = engineOf(me);
  e.handle({ type: "start", height: 1, prevHash: GENESIS_HASH, validators: set });
  const p = proposerIndex(0);
  const proposal = signProposal(
    {
      networkId: NET,
      height: 1,
      round: 0,
      polRound: -1,
      blockHash: A,
      proposer: keys[p]!.publicKey,
    },
    (b) => sign(b, keys[p]!.secret),
  );
  const asked = e.handle({ type: "proposal", proposal });
  return { e, me, asked };
}

Deno.test("engine: the propose timeout waits once for a proposal still under validation", () => {
  const { e, me, asked } = voterHoldingProposal();
  assert.ok(asked.some((a) => a.type === "validateProposal" && a.blockHash === A));
  // First firing: validation pending, so no nil prevote; the timeout is scheduled again.
  const first = e.handle({ type: "timeout", step: "propose", height: 1, round: 0 });
  assert.deepEqual(myVotes(first, me), []);
  assert.ok(first.some((a) => a.type === "scheduleTimeout" && a.step === "propose"));
  // The verdict arrives in the extra time: the voter prevotes the block.
  const valid = e.handle({ type: "proposalValidity", height: 1, blockHash: A, valid: true });
  assert.deepEqual(myVotes(valid, me).map((v) => [v.type, v.blockHash]), [["prevote", A]]);
});

Deno.test("engine: the propose timeout waits at most once, then prevotes nil", () => {
  const { e, me } = voterHoldingProposal();
  e.handle({ type: "timeout", step: "propose", height: 1, round: 0 });
  const second = e.handle({ type: "timeout", step: "propose", height: 1, round: 0 });
  assert.deepEqual(myVotes(second, me).map((v) => [v.type, v.blockHash]), [["prevote", null]]);
});

Deno.test("engine: without a proposal the propose timeout prevotes nil at once", () => {
  const me = keys.findIndex((_, i) => proposerIndex(0) !== i);
  const e = engineOf(me);
  e.handle({ type: "start", height: 1, prevHash: GENESIS_HASH, validators: set });
  const out = e.handle({ type: "timeout", step: "propose", height: 1, round: 0 });
  assert.deepEqual(myVotes(out, me).map((v) => [v.type, v.blockHash]), [["prevote", null]]);
});

Deno.test("engine: a proposer still building (sealing) its block gets one more propose timeout", () => {
  const me = proposerIndex(0);
  const e = engineOf(me);
  const started = e.handle({ type: "start", height: 1, prevHash: GENESIS_HASH, validators: set });
  assert.ok(started.some((a) => a.type === "buildProposal" && a.round === 0));
  const first = e.handle({ type: "timeout", step: "propose", height: 1, round: 0 });
  assert.deepEqual(myVotes(first, me), []);
  const built = e.handle({ type: "proposalBuilt", height: 1, round: 0, blockHash: A });
  assert.ok(built.some((a) => a.type === "broadcastProposal" && a.proposal.blockHash === A));
  assert.deepEqual(myVotes(built, me).map((v) => [v.type, v.blockHash]), [["prevote", A]]);
});
