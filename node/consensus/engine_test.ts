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

  // After the restart: a fresh engine resumed with the persisted lock.
  const resume: EngineResume = {
    round: 1,
    lockedBlockHash: st.lockedBlockHash,
    lockedRound: st.lockedRound,
    validBlockHash: st.validBlockHash,
    validRound: st.validRound,
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
  e3.handle({
    type: "start",
    height: 1,
    prevHash: GENESIS_HASH,
    validators: set,
    resume: {
      round: r,
      lockedBlockHash: null,
      lockedRound: -1,
      validBlockHash: null,
      validRound: -1,
    },
  });
  assert.deepEqual(myVotes(propose(e3, r, B), me).map((v) => v.blockHash), [B]);
});

Deno.test("engine: a resumed proposer re-proposes its valid value with polRound, past its signed rounds", () => {
  // Find a validator that proposes some round r >= 1 and lock it in an earlier round.
  let me = -1;
  let r = -1;
  for (let round = 1; round < 20 && me < 0; round++) {
    const p = proposerIndex(round);
    if (proposerIndex(round - 1) !== p) [me, r] = [p, round];
  }
  assert.ok(me >= 0);
  const e = engineOf(me);
  const actions = e.handle({
    type: "start",
    height: 1,
    prevHash: GENESIS_HASH,
    validators: set,
    resume: {
      round: r - 1, // raised above the lock's round
      lockedBlockHash: A,
      lockedRound: r - 1,
      validBlockHash: A,
      validRound: r - 1,
    },
  });
  assert.equal(e.status.round, r);
  const proposals = actions.flatMap((a) => a.type === "broadcastProposal" ? [a.proposal] : []);
  assert.equal(proposals.length, 1);
  assert.equal(proposals[0]!.blockHash, A);
  assert.equal(proposals[0]!.polRound, r - 1);
  assert.ok(!actions.some((a) => a.type === "buildProposal"));
});

Deno.test("engine: a start without resume (next height) clears the lock", () => {
  const e = engineOf(0);
  e.handle({
    type: "start",
    height: 1,
    prevHash: GENESIS_HASH,
    validators: set,
    resume: { round: 3, lockedBlockHash: A, lockedRound: 2, validBlockHash: A, validRound: 2 },
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
    resume: { round: 1, lockedBlockHash: A, lockedRound: 0, validBlockHash: A, validRound: 0 },
  });
  const proposal = actions.find((a) => a.type === "broadcastProposal");
  assert.ok(proposal?.type === "broadcastProposal" && proposal.proposal.polRound === 0);
  // The old round-0 prevotes are gone; the remembered quorum lets it prevote A again.
  const out = e.handle({ type: "proposalValidity", height: 1, blockHash: A, valid: true });
  const commit = out.find((a) => a.type === "commit");
  assert.ok(commit?.type === "commit" && commit.blockHash === A && commit.round === 1);
});
