/**
 * The consensus round state machine (Tendermint, "The latest gossip on BFT
 * consensus", arXiv 1807.04938, Algorithm 1), pure and event-driven:
 * `engine.handle(event)` returns the actions the node must carry out. No
 * clock, no I/O: timeouts are actions (`scheduleTimeout`) that come back as
 * events; block building and validation are actions whose results come back
 * as events. The engine deals in block hashes only; the node keeps blocks.
 *
 * Thresholds are by voting power: "2f+1" is > 2/3 of the total power, "f+1"
 * is > 1/3. Safety (no two different blocks finalized at one height) holds
 * while voters with < 1/3 of the power are Byzantine, through locking: after
 * precommitting v in round r a voter prevotes only v, unless a later round
 * shows a prevote quorum (polRound) for another value.
 */
import { getProposer } from "./proposer.ts";
import type { ValidatorSet } from "./validator_set.ts";
import { isAboveOneThird } from "./validator_set.ts";
import {
  type DuplicateVoteEvidence,
  type Proposal,
  type SignFn,
  signProposal,
  signVote,
  type Vote,
  VoteSet,
  type VoteType,
} from "./votes.ts";

export type Step = "propose" | "prevote" | "precommit";
/** Timeout kinds: the three steps, and `rebroadcast` (resend own messages of a stalled round). */
export type TimeoutStep = Step | "rebroadcast";

/** Inputs of the engine. Signatures of proposals and votes are verified before. */
export type ConsensusEvent =
  /** Begin `height` at round 0 with its voters; `prevHash` is the hash of block height-1.
   * `resume`: the lock persisted before a restart at this same height (see `EngineResume`). */
  | {
    type: "start";
    height: number;
    prevHash: string;
    validators: ValidatorSet;
    resume?: EngineResume;
  }
  /** The node built (and, if needed, sealed and signed) the block asked for by `buildProposal`. */
  | { type: "proposalBuilt"; height: number; round: number; blockHash: string }
  /** A proposal from the network whose block the node holds; signature verified. */
  | { type: "proposal"; proposal: Proposal }
  /** Result of `validateProposal`: the block passed (or failed) processBlock and seal checks. */
  | { type: "proposalValidity"; height: number; blockHash: string; valid: boolean }
  /** A vote from the network, signature verified. */
  | { type: "vote"; vote: Vote }
  /** A timeout scheduled by `scheduleTimeout` fired. */
  | { type: "timeout"; step: TimeoutStep; height: number; round: number };

/** Outputs of the engine, in the order the node should carry them out. */
export type ConsensusAction =
  /** A new round began (count it: gridtokenx_consensus_rounds). */
  | { type: "newRound"; height: number; round: number }
  /** This node proposes: build a block on the head, seal it if needed, sign it, then send `proposalBuilt`. */
  | { type: "buildProposal"; height: number; round: number }
  /** Gossip this signed proposal together with its block. */
  | { type: "broadcastProposal"; proposal: Proposal }
  /** Check the block (processBlock on the head state, seal, timestamp) and send `proposalValidity`.
   * If the node does not hold the block, fetch it from peers by hash first. */
  | { type: "validateProposal"; height: number; round: number; blockHash: string }
  /** Gossip this signed vote (already counted by the engine). Also used to resend our own
   * votes and the previous height's commit when a round stalls (lost messages). */
  | { type: "broadcastVote"; vote: Vote }
  /** Relay these already-signed votes again, nothing new is signed: the prevote quorum (POL)
   * behind our valid value, for peers that lost it (a restart) and must see it to accept
   * the value's re-proposal. Emitted when a round starts and with each `rebroadcast`. */
  | { type: "gossipVotes"; votes: Vote[] }
  /** Send `{type: "timeout", step, height, round}` after `delayMs`. */
  | { type: "scheduleTimeout"; step: TimeoutStep; height: number; round: number; delayMs: number }
  /** The block is final: store it with these precommits, apply it, then `start` the next height. */
  | { type: "commit"; height: number; round: number; blockHash: string; precommits: Vote[] }
  /** Messages of a later height arrived (once per height of ours): peers may have finalized
   * blocks we missed. If still behind after a short grace period, fetch blocks with their
   * commits from peers (verifyCommit), apply them and `start` the next height. */
  | { type: "syncNeeded"; height: number; peerHeight: number }
  /** A voter signed two different votes: submit an `evidence` transaction. */
  | { type: "evidence"; evidence: DuplicateVoteEvidence };

/** Per-step timeouts: `baseMs + round * deltaMs`. */
export interface Timeouts {
  proposeMs: number;
  prevoteMs: number;
  precommitMs: number;
  deltaMs: number;
  /** Period of resending our messages while a round makes no progress; default 2 x proposeMs. */
  rebroadcastMs?: number;
}

/**
 * Default timeouts for a block time. A proposal must reach the voters and be
 * validated within the propose timeout: the proposer may spend half the
 * block time building (BUILD_BUDGET_FRACTION in node/runtime/block_pipeline.ts),
 * a voter's validation of the same transactions costs about as much, and the
 * block (fetched by hash above 256 KiB) and the voters' start times (each
 * starts after its own commit) add to it. With propose = 1 block time,
 * 4 validators on 2 cores lost rounds at 1 s blocks where every voter
 * held a valid proposal a few ms after its timeout (measured, issue #8):
 * 1.5 block times. A stalled proposer costs half a block time more.
 * Votes need far less.
 */
export function computeDefaultTimeouts(blockTimeMs: number): Timeouts {
  return {
    proposeMs: Math.max(500, blockTimeMs + Math.floor(blockTimeMs / 2)),
    prevoteMs: Math.max(200, Math.floor(blockTimeMs / 2)),
    precommitMs: Math.max(200, Math.floor(blockTimeMs / 2)),
    deltaMs: Math.max(100, Math.floor(blockTimeMs / 2)),
  };
}

export interface EngineOptions {
  networkId: number;
  /** This node's key; null for an observer that follows without voting. */
  signer: { publicKey: string; sign: SignFn } | null;
  timeouts: Timeouts;
  /** Rounds ahead of the current one whose messages are kept; default 64. */
  maxRoundsAhead?: number;
  /** Messages of the next height buffered until its `start`; default 10_000. */
  maxBufferedNextHeight?: number;
}

/** Read-only view of the engine, for status and metrics. */
export interface EngineStatus {
  height: number;
  round: number;
  step: Step | "committed" | "idle";
  lockedBlockHash: string | null;
  lockedRound: number;
  validBlockHash: string | null;
  validRound: number;
}

/**
 * What a validator restarted in the middle of a height brings back from its
 * storage: its Tendermint lock and valid value (persisted before the
 * precommit that created the lock left the node), the prevotes that justify
 * the valid value, and the first round it may still sign in (one past the
 * last round it signed). Restoring the lock is what keeps a restarted voter
 * from prevoting another block than the one it may have helped finalize.
 * The prevotes are counted as received votes and gossiped again: peers that
 * lost them (restarted too) need them to accept the valid value's
 * re-proposal with `polRound = validRound` (Algorithm 1, line 28).
 */
export interface EngineResume {
  /** Round to start at; raised above `lockedRound` and `validRound` if lower. */
  round: number;
  lockedBlockHash: string | null;
  lockedRound: number;
  validBlockHash: string | null;
  validRound: number;
  /** Prevotes with > 2/3 of the power for `validBlockHash` in `validRound` (signatures verified). */
  polPrevotes?: Vote[];
}

/** The prevote quorum behind a valid value: what peers need to accept its re-proposal. */
export interface ProofOfLock {
  round: number;
  blockHash: string;
  /** The prevotes for `blockHash` in `round`, sorted by voter key; > 2/3 of the power. */
  prevotes: Vote[];
}

interface RoundFlags {
  /** The propose timeout fired once while the round's proposal was being built or validated. */
  proposeTimeoutExtended: boolean;
  prevoteTimeout: boolean;
  precommitTimeout: boolean;
  /** Rule 36 ran for this round (lock/valid update). */
  quorumPrevoteSeen: boolean;
}

/** The Tendermint state machine of one node. */
export class ConsensusEngine {
  readonly #opts: Required<EngineOptions>;
  #height = -1;
  #round = 0;
  #step: Step | "committed" | "idle" = "idle";
  #prevHash = "";
  #set: ValidatorSet | null = null;
  #lockedValue: string | null = null;
  #lockedRound = -1;
  #validValue: string | null = null;
  #validRound = -1;
  #proposals = new Map<number, Proposal>();
  #validity = new Map<string, boolean>();
  #validationAsked = new Set<string>();
  #prevotes = new Map<number, VoteSet>();
  #precommits = new Map<number, VoteSet>();
  #flags = new Map<number, RoundFlags>();
  #evidenceSeen = new Set<string>();
  /** Round of this height whose proposal this node was asked to build (-1: none). */
  #buildAskedRound = -1;
  #buffered: ConsensusEvent[] = [];
  /** Precommits that finalized the previous height: resent to peers still on it. */
  #lastCommit: Vote[] = [];
  #syncReportedAt = -1;
  #actions: ConsensusAction[] = [];

  constructor(opts: EngineOptions) {
    this.#opts = { maxRoundsAhead: 64, maxBufferedNextHeight: 10_000, ...opts };
  }

  /** Current height, round, step and lock. */
  get status(): EngineStatus {
    return {
      height: this.#height,
      round: this.#round,
      step: this.#step,
      lockedBlockHash: this.#lockedValue,
      lockedRound: this.#lockedRound,
      validBlockHash: this.#validValue,
      validRound: this.#validRound,
    };
  }

  /**
   * The prevotes that justify the valid value (and the lock, when both are of
   * one round), or null without a valid value. Persisted with the lock.
   */
  getProofOfLock(): ProofOfLock | null {
    const blockHash = this.#validValue;
    if (blockHash === null || this.#validRound < 0) return null;
    const round = this.#validRound;
    const prevotes = this.#prevotes.get(round)?.getVotesFor(blockHash) ?? [];
    return { round, blockHash, prevotes };
  }

  /** Feeds one event; returns the actions to carry out, in order. */
  handle(event: ConsensusEvent): ConsensusAction[] {
    this.#actions = [];
    this.#dispatch(event);
    const out = this.#actions;
    this.#actions = [];
    return out;
  }

  #dispatch(event: ConsensusEvent): void {
    switch (event.type) {
      case "start":
        this.#onStart(event.height, event.prevHash, event.validators, event.resume);
        break;
      case "proposalBuilt":
        this.#onProposalBuilt(event.height, event.round, event.blockHash);
        break;
      case "proposal":
        if (this.#bufferIfNext(event, event.proposal.height)) return;
        this.#onProposal(event.proposal);
        break;
      case "proposalValidity":
        if (event.height !== this.#height) return;
        this.#validity.set(event.blockHash, event.valid);
        break;
      case "vote":
        if (this.#bufferIfNext(event, event.vote.height)) return;
        this.#onVote(event.vote);
        break;
      case "timeout":
        this.#onTimeout(event.step, event.height, event.round);
        break;
    }
    this.#evaluate();
  }

  /** Keeps messages of height+1 (bounded) for replay at its `start`. */
  #bufferIfNext(event: ConsensusEvent, height: number): boolean {
    if (height > this.#height && this.#step !== "idle" && this.#syncReportedAt !== this.#height) {
      this.#syncReportedAt = this.#height;
      this.#emit({ type: "syncNeeded", height: this.#height, peerHeight: height });
    }
    if (height === this.#height + 1 || (this.#step === "idle" && height > this.#height)) {
      if (this.#buffered.length < this.#opts.maxBufferedNextHeight) this.#buffered.push(event);
      return true;
    }
    return false;
  }

  #onStart(height: number, prevHash: string, set: ValidatorSet, resume?: EngineResume): void {
    if (height <= this.#height && this.#step !== "idle") return;
    this.#height = height;
    this.#prevHash = prevHash;
    this.#set = set;
    const locked = resume !== undefined && resume.lockedBlockHash !== null &&
      resume.lockedRound >= 0;
    const valid = resume !== undefined && resume.validBlockHash !== null && resume.validRound >= 0;
    this.#lockedValue = locked ? resume.lockedBlockHash : null;
    this.#lockedRound = locked ? resume.lockedRound : -1;
    this.#validValue = valid ? resume.validBlockHash : null;
    this.#validRound = valid ? resume.validRound : -1;
    this.#proposals = new Map();
    this.#validity = new Map();
    this.#validationAsked = new Set();
    this.#prevotes = new Map();
    this.#precommits = new Map();
    this.#flags = new Map();
    this.#evidenceSeen = new Set();
    this.#buildAskedRound = -1;
    const replay = this.#buffered.filter((e) =>
      (e.type === "vote" && e.vote.height === height) ||
      (e.type === "proposal" && e.proposal.height === height)
    );
    this.#buffered = this.#buffered.filter((e) =>
      (e.type === "vote" && e.vote.height > height) ||
      (e.type === "proposal" && e.proposal.height > height)
    );
    // A resumed height starts past every round it signed in, so the valid value
    // is re-proposed with polRound < round, and the node's votes are not refused.
    const round = resume === undefined
      ? 0
      : Math.max(0, resume.round, this.#lockedRound + 1, this.#validRound + 1);
    this.#round = round;
    // Counted as received (they are only of rounds before `round`); #startRound gossips them.
    for (const vote of resume?.polPrevotes ?? []) {
      if (vote.type === "prevote") this.#onVote(vote);
    }
    if (this.#validValue !== null) this.#askValidity(round, this.#validValue);
    if (this.#lockedValue !== null) this.#askValidity(round, this.#lockedValue);
    this.#startRound(round);
    this.#schedule("rebroadcast", round, this.#rebroadcastMs());
    for (const e of replay) {
      if (e.type === "vote") this.#onVote(e.vote);
      else if (e.type === "proposal") this.#onProposal(e.proposal);
    }
  }

  get #me(): string | null {
    return this.#opts.signer?.publicKey ?? null;
  }

  #isMyTurn(round: number): boolean {
    const me = this.#me;
    return me !== null &&
      getProposer(this.#set!, this.#prevHash, this.#height, round).publicKey === me;
  }

  #startRound(round: number): void {
    this.#round = round;
    this.#step = "propose";
    this.#emit({ type: "newRound", height: this.#height, round });
    // Every round we hold a valid value (a round ended without a decision, or we
    // resumed after a restart), peers may miss its prevote quorum: re-gossip it,
    // before our re-proposal if we propose it now.
    this.#gossipProofOfLock();
    if (this.#isMyTurn(round)) {
      if (this.#validValue !== null) {
        this.#propose(round, this.#validValue, this.#validRound);
      } else {
        this.#buildAskedRound = round;
        this.#emit({ type: "buildProposal", height: this.#height, round });
      }
    }
    // Also for the proposer: if building fails, the round still moves on.
    this.#schedule("propose", round, this.#opts.timeouts.proposeMs);
  }

  #propose(round: number, blockHash: string, polRound: number): void {
    const proposal = signProposal({
      networkId: this.#opts.networkId,
      height: this.#height,
      round,
      polRound,
      blockHash,
      proposer: this.#me!,
    }, this.#opts.signer!.sign);
    this.#proposals.set(round, proposal);
    this.#emit({ type: "broadcastProposal", proposal });
  }

  #onProposalBuilt(height: number, round: number, blockHash: string): void {
    if (height !== this.#height || round !== this.#round || this.#step !== "propose") return;
    if (!this.#isMyTurn(round) || this.#proposals.has(round)) return;
    this.#validity.set(blockHash, true);
    this.#propose(round, blockHash, -1);
  }

  #onProposal(p: Proposal): void {
    const set = this.#set;
    if (set === null || p.height !== this.#height || p.networkId !== this.#opts.networkId) return;
    if (p.round > this.#round + this.#opts.maxRoundsAhead || p.polRound >= p.round) return;
    if (this.#proposals.has(p.round)) return; // first proposal of a round wins
    if (getProposer(set, this.#prevHash, p.height, p.round).publicKey !== p.proposer) return;
    this.#proposals.set(p.round, p);
    this.#askValidity(p.round, p.blockHash);
  }

  #askValidity(round: number, blockHash: string): void {
    if (this.#validity.has(blockHash) || this.#validationAsked.has(blockHash)) return;
    this.#validationAsked.add(blockHash);
    this.#emit({ type: "validateProposal", height: this.#height, round, blockHash });
  }

  #voteSet(type: VoteType, round: number): VoteSet {
    const sets = type === "prevote" ? this.#prevotes : this.#precommits;
    let s = sets.get(round);
    if (s === undefined) {
      s = new VoteSet(this.#opts.networkId, this.#height, round, type, this.#set!);
      sets.set(round, s);
    }
    return s;
  }

  #onVote(vote: Vote): void {
    if (this.#set === null || vote.height !== this.#height) return;
    if (vote.round > this.#round + this.#opts.maxRoundsAhead) return;
    const r = this.#voteSet(vote.type, vote.round).add(vote);
    if (r.status === "equivocation") {
      const key = `${vote.validator}/${vote.round}/${vote.type}`;
      if (!this.#evidenceSeen.has(key)) {
        this.#evidenceSeen.add(key);
        this.#emit({ type: "evidence", evidence: r.evidence });
      }
    }
  }

  #castVote(type: VoteType, blockHash: string | null): void {
    this.#step = type;
    const signer = this.#opts.signer;
    if (signer === null || !this.#set!.isVoter(signer.publicKey)) return;
    const vote = signVote({
      type,
      networkId: this.#opts.networkId,
      height: this.#height,
      round: this.#round,
      blockHash,
      validator: signer.publicKey,
    }, signer.sign);
    this.#voteSet(type, this.#round).add(vote);
    this.#emit({ type: "broadcastVote", vote });
  }

  /** Emits `gossipVotes` with the prevote quorum of our valid value, if we hold one. */
  #gossipProofOfLock(): void {
    const pol = this.getProofOfLock();
    if (pol !== null && pol.prevotes.length > 0) {
      this.#emit({ type: "gossipVotes", votes: pol.prevotes });
    }
  }

  #rebroadcastMs(): number {
    return this.#opts.timeouts.rebroadcastMs ?? 2 * this.#opts.timeouts.proposeMs;
  }

  /**
   * Resends what peers may have lost: our proposal and votes of this round,
   * the proof-of-lock of our valid value (a peer that connects after the
   * round began, e.g. restarted, missed the round-start gossip, and a stalled
   * round may not end without it), the last commit.
   */
  #rebroadcast(): void {
    const me = this.#me;
    const proposal = this.#proposals.get(this.#round);
    if (proposal !== undefined && proposal.proposer === me) {
      this.#emit({ type: "broadcastProposal", proposal });
    }
    if (me !== null) {
      for (const sets of [this.#prevotes, this.#precommits]) {
        const vote = sets.get(this.#round)?.getVote(me);
        if (vote !== undefined) this.#emit({ type: "broadcastVote", vote });
      }
    }
    this.#gossipProofOfLock();
    for (const vote of this.#lastCommit) this.#emit({ type: "broadcastVote", vote });
  }

  #onTimeout(step: TimeoutStep, height: number, round: number): void {
    if (step === "rebroadcast") {
      if (height !== this.#height || this.#step === "committed") return;
      this.#rebroadcast();
      this.#emit({
        type: "scheduleTimeout",
        step,
        height,
        round: this.#round,
        delayMs: this.#rebroadcastMs(),
      });
      return;
    }
    if (height !== this.#height || round !== this.#round) return;
    if (step === "propose" && this.#step === "propose") {
      if (this.#isProposalPending(round) && !this.#flagsOf(round).proposeTimeoutExtended) {
        // The proposal is on its way: we are building (and sealing) it, or it came
        // and only its validation is late (a big block on a busy node). Wait one
        // more propose timeout for it instead of throwing the round away: a lost
        // round costs more (prevote and precommit timeouts, a new build and seal;
        // a single validator decides alone, so its own late seal was always lost).
        // Bounded: the next firing prevotes nil.
        this.#flagsOf(round).proposeTimeoutExtended = true;
        this.#schedule("propose", round, this.#opts.timeouts.proposeMs);
        return;
      }
      this.#castVote("prevote", null);
    } else if (step === "prevote" && this.#step === "prevote") this.#castVote("precommit", null);
    else if (step === "precommit" && this.#step !== "committed") this.#startRound(round + 1);
  }

  /**
   * This node was asked to build the round's proposal and has not proposed
   * yet, or holds the round's proposal and does not know its validity yet.
   */
  #isProposalPending(round: number): boolean {
    const proposal = this.#proposals.get(round);
    if (proposal === undefined) return this.#buildAskedRound === round;
    return !this.#validity.has(proposal.blockHash) &&
      this.#validationAsked.has(proposal.blockHash);
  }

  #schedule(step: TimeoutStep, round: number, baseMs: number): void {
    this.#emit({
      type: "scheduleTimeout",
      step,
      height: this.#height,
      round,
      delayMs: baseMs + round * this.#opts.timeouts.deltaMs,
    });
  }

  #flagsOf(round: number): RoundFlags {
    let f = this.#flags.get(round);
    if (f === undefined) {
      f = {
        proposeTimeoutExtended: false,
        prevoteTimeout: false,
        precommitTimeout: false,
        quorumPrevoteSeen: false,
      };
      this.#flags.set(round, f);
    }
    return f;
  }

  #emit(action: ConsensusAction): void {
    this.#actions.push(action);
  }

  /** Applies the upon-rules of Algorithm 1 until none fires. */
  #evaluate(): void {
    if (this.#set === null || this.#step === "committed" || this.#step === "idle") return;
    for (let guard = 0; guard < 1000; guard++) {
      if (!this.#applyOneRule()) return;
      if ((this.#step as EngineStatus["step"]) === "committed") return;
    }
  }

  #applyOneRule(): boolean {
    // Lines 49-54: decide on a block with +2/3 precommits in any round.
    for (const [round, set] of this.#precommits) {
      const v = set.getTwoThirdsMajority();
      if (typeof v !== "string") continue;
      const valid = this.#validity.get(v);
      if (valid === undefined) {
        this.#askValidity(round, v);
        continue;
      }
      if (!valid) continue;
      this.#step = "committed";
      this.#lastCommit = set.getVotesFor(v);
      this.#emit({
        type: "commit",
        height: this.#height,
        round,
        blockHash: v,
        precommits: this.#lastCommit,
      });
      return true;
    }
    // Lines 55-56: f+1 messages of a higher round make us skip to it.
    for (const round of this.#roundsAbove(this.#round)) {
      if (this.#hasOneThirdInRound(round)) {
        this.#startRound(round);
        return true;
      }
    }
    const r = this.#round;
    const proposal = this.#proposals.get(r);
    const prevotes = this.#voteSet("prevote", r);
    const flags = this.#flagsOf(r);
    if (this.#step === "propose" && proposal !== undefined) {
      const v = proposal.blockHash;
      const valid = this.#validity.get(v);
      if (proposal.polRound === -1) {
        // Lines 22-27.
        if (valid !== undefined) {
          const ok = valid && (this.#lockedRound === -1 || this.#lockedValue === v);
          this.#castVote("prevote", ok ? v : null);
          return true;
        }
      } else if (
        proposal.polRound < r && this.#hasPolFor(proposal.polRound, v)
      ) {
        // Lines 28-33.
        if (valid !== undefined) {
          const ok = valid && (this.#lockedRound <= proposal.polRound || this.#lockedValue === v);
          this.#castVote("prevote", ok ? v : null);
          return true;
        }
      }
    }
    // Lines 34-35.
    if (this.#step === "prevote" && !flags.prevoteTimeout && prevotes.hasTwoThirdsAny()) {
      flags.prevoteTimeout = true;
      this.#schedule("prevote", r, this.#opts.timeouts.prevoteMs);
      return true;
    }
    // Lines 36-43.
    if (
      (this.#step === "prevote" || this.#step === "precommit") && !flags.quorumPrevoteSeen &&
      proposal !== undefined && this.#validity.get(proposal.blockHash) === true &&
      prevotes.hasTwoThirdsFor(proposal.blockHash)
    ) {
      flags.quorumPrevoteSeen = true;
      const v = proposal.blockHash;
      if (this.#step === "prevote") {
        this.#lockedValue = v;
        this.#lockedRound = r;
        this.#castVote("precommit", v);
      }
      this.#validValue = v;
      this.#validRound = r;
      return true;
    }
    // Lines 44-46.
    if (this.#step === "prevote" && prevotes.hasTwoThirdsFor(null)) {
      this.#castVote("precommit", null);
      return true;
    }
    // Lines 47-48.
    if (!flags.precommitTimeout && this.#voteSet("precommit", r).hasTwoThirdsAny()) {
      flags.precommitTimeout = true;
      this.#schedule("precommit", r, this.#opts.timeouts.precommitMs);
      return true;
    }
    return false;
  }

  /**
   * +2/3 prevotes for `v` in `round` were counted: received, or restored with
   * the lock after a restart (`EngineResume.polPrevotes`), or re-gossiped by
   * a peer holding `v` as its valid value.
   */
  #hasPolFor(round: number, v: string): boolean {
    return this.#voteSet("prevote", round).hasTwoThirdsFor(v);
  }

  #roundsAbove(round: number): number[] {
    const rounds = new Set<number>();
    for (const k of this.#prevotes.keys()) if (k > round) rounds.add(k);
    for (const k of this.#precommits.keys()) if (k > round) rounds.add(k);
    return [...rounds].sort((a, b) => a - b);
  }

  /** Power of distinct voters with any prevote or precommit in `round`, > 1/3. */
  #hasOneThirdInRound(round: number): boolean {
    const voters = new Set<string>();
    for (const s of [this.#prevotes.get(round), this.#precommits.get(round)]) {
      if (s) { for (const k of s.getVoters()) voters.add(k); }
    }
    let power = 0;
    for (const k of voters) power += this.#set!.getPower(k);
    return isAboveOneThird(power, this.#set!.totalPower);
  }
}
