/**
 * Votes and proposals: their signed bytes, and `VoteSet`, which accumulates
 * the voting power of one (height, round, type), detects a +2/3 quorum for a
 * block or for nil, and turns two different votes of one voter into
 * `DuplicateVoteEvidence`.
 *
 * Signed bytes (Ed25519 over them, no pre-hash):
 *   vote:     "GRIDTOKENX_VOTE_V1"     || CBOR_canonical({type, networkId, height, round, blockHash, validator})
 *   proposal: "GRIDTOKENX_PROPOSAL_V1" || CBOR_canonical({networkId, height, round, polRound, blockHash, proposer})
 * `blockHash: null` is a vote for nil. Signatures are checked by the caller
 * (async, batched); the pure code takes votes already verified.
 */
import { z } from "zod";
import { concatBytes } from "../crypto/sha256.ts";
import { fromHex, toHex } from "../crypto/hex.ts";
import { domainTag, encodeCanonical } from "../chain/encoding.ts";
import { ConsensusError } from "./errors.ts";
import { isAboveOneThird, isAboveTwoThirds, type ValidatorSet } from "./validator_set.ts";

const VOTE_DOMAIN = domainTag("GRIDTOKENX_VOTE_V1");
const PROPOSAL_DOMAIN = domainTag("GRIDTOKENX_PROPOSAL_V1");

export type VoteType = "prevote" | "precommit";

/** A signed vote, wire (JSON/CBOR) form. */
export interface Vote {
  type: VoteType;
  networkId: number;
  height: number;
  round: number;
  /** Block hash (hex), or null for nil. */
  blockHash: string | null;
  /** Voter's Ed25519 public key, hex. */
  validator: string;
  /** Ed25519 signature over {@link computeVoteSigningBytes}, hex. */
  signature: string;
}

export type UnsignedVote = Omit<Vote, "signature">;

/** A signed proposal of a block for (height, round). */
export interface Proposal {
  networkId: number;
  height: number;
  round: number;
  /** Round of the prevote quorum that justifies re-proposing a block; -1 for a new block. */
  polRound: number;
  blockHash: string;
  /** Proposer's public key, hex. */
  proposer: string;
  signature: string;
}

export type UnsignedProposal = Omit<Proposal, "signature">;

/** Two different signed votes of one voter for the same height, round and type. */
export interface DuplicateVoteEvidence {
  voteA: Vote;
  voteB: Vote;
}

/** Signs bytes with the node's key (synchronous Ed25519). */
export type SignFn = (bytes: Uint8Array) => Uint8Array;

const hex32 = z.string().regex(/^[0-9a-f]{64}$/);
const uint = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

/** zod schema of a {@link Vote} (strict). */
export const voteSchema = z.strictObject({
  type: z.enum(["prevote", "precommit"]),
  networkId: z.int().min(1).max(0xffffffff),
  height: uint,
  round: z.int().min(0).max(0xffffffff),
  blockHash: hex32.nullable(),
  validator: hex32,
  signature: z.string().regex(/^[0-9a-f]{128}$/),
});

/** zod schema of a {@link Proposal} (strict). */
export const proposalSchema = z.strictObject({
  networkId: z.int().min(1).max(0xffffffff),
  height: uint,
  round: z.int().min(0).max(0xffffffff),
  polRound: z.int().min(-1).max(0xffffffff),
  blockHash: hex32,
  proposer: hex32,
  signature: z.string().regex(/^[0-9a-f]{128}$/),
});

/**
 * Checks the shape of a vote received from the network (not its signature).
 * @throws {ConsensusError} `BAD_VOTE`
 */
export function parseVote(input: unknown): Vote {
  const r = voteSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new ConsensusError(
      "BAD_VOTE",
      `Invalid vote: "${issue.path.join(".")}": ${issue.message}`,
    );
  }
  return r.data;
}

/**
 * Checks the shape of a proposal received from the network (not its signature).
 * @throws {ConsensusError} `BAD_PROPOSAL`
 */
export function parseProposal(input: unknown): Proposal {
  const r = proposalSchema.safeParse(input);
  if (!r.success || r.data.polRound >= r.data.round) {
    const why = r.success
      ? "polRound must be below round"
      : `"${r.error.issues[0]!.path.join(".")}": ${r.error.issues[0]!.message}`;
    throw new ConsensusError("BAD_PROPOSAL", `Invalid proposal: ${why}`);
  }
  return r.data;
}

/** The bytes a voter signs. */
export function computeVoteSigningBytes(vote: UnsignedVote): Uint8Array {
  const { type, networkId, height, round, blockHash, validator } = vote;
  return concatBytes(
    VOTE_DOMAIN,
    encodeCanonical({ type, networkId, height, round, blockHash, validator }),
  );
}

/** The bytes a proposer signs. */
export function computeProposalSigningBytes(p: UnsignedProposal): Uint8Array {
  const { networkId, height, round, polRound, blockHash, proposer } = p;
  return concatBytes(
    PROPOSAL_DOMAIN,
    encodeCanonical({ networkId, height, round, polRound, blockHash, proposer }),
  );
}

/** Signs a vote. */
export function signVote(vote: UnsignedVote, sign: SignFn): Vote {
  return { ...vote, signature: toHex(sign(computeVoteSigningBytes(vote))) };
}

/** Signs a proposal. */
export function signProposal(p: UnsignedProposal, sign: SignFn): Proposal {
  return { ...p, signature: toHex(sign(computeProposalSigningBytes(p))) };
}

/** The (publicKey, message, signature) triple to verify for a vote. */
export function getVoteVerifyItem(vote: Vote): {
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
} {
  return {
    publicKey: fromHex(vote.validator),
    message: computeVoteSigningBytes(vote),
    signature: fromHex(vote.signature),
  };
}

/** The (publicKey, message, signature) triple to verify for a proposal. */
export function getProposalVerifyItem(p: Proposal): {
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
} {
  return {
    publicKey: fromHex(p.proposer),
    message: computeProposalSigningBytes(p),
    signature: fromHex(p.signature),
  };
}

/** Evidence with its two votes in canonical order (by block hash, nil first). */
export function computeEvidence(a: Vote, b: Vote): DuplicateVoteEvidence {
  const ka = a.blockHash ?? "";
  const kb = b.blockHash ?? "";
  return ka < kb || (ka === kb && a.signature <= b.signature)
    ? { voteA: a, voteB: b }
    : { voteA: b, voteB: a };
}

/** Result of {@link VoteSet.add}. */
export type AddVoteResult =
  | { status: "added" }
  | { status: "duplicate" }
  | { status: "rejected"; reason: string }
  | { status: "equivocation"; evidence: DuplicateVoteEvidence };

const NIL = "nil";

/** Votes of one (height, round, type); at most one counted vote per voter. */
export class VoteSet {
  readonly #votes = new Map<string, Vote>();
  readonly #powerByBlock = new Map<string, number>();
  readonly #equivocators = new Set<string>();
  #totalPower = 0;

  constructor(
    readonly networkId: number,
    readonly height: number,
    readonly round: number,
    readonly type: VoteType,
    readonly set: ValidatorSet,
  ) {}

  /**
   * Adds a vote whose signature the caller verified. A second, different
   * vote of the same voter is not counted and yields evidence.
   */
  add(vote: Vote): AddVoteResult {
    if (
      vote.type !== this.type || vote.height !== this.height || vote.round !== this.round ||
      vote.networkId !== this.networkId
    ) {
      return { status: "rejected", reason: "vote is for another height, round, type or network" };
    }
    const power = this.set.getPower(vote.validator);
    if (power === 0) return { status: "rejected", reason: "not a voter at this height" };
    const prior = this.#votes.get(vote.validator);
    if (prior !== undefined) {
      if (prior.blockHash === vote.blockHash) return { status: "duplicate" };
      if (this.#equivocators.has(vote.validator)) return { status: "duplicate" };
      this.#equivocators.add(vote.validator);
      return { status: "equivocation", evidence: computeEvidence(prior, vote) };
    }
    this.#votes.set(vote.validator, vote);
    const key = vote.blockHash ?? NIL;
    this.#powerByBlock.set(key, (this.#powerByBlock.get(key) ?? 0) + power);
    this.#totalPower += power;
    return { status: "added" };
  }

  /** Power of the votes for `blockHash` (null = nil). */
  getPowerFor(blockHash: string | null): number {
    return this.#powerByBlock.get(blockHash ?? NIL) ?? 0;
  }

  /** Power of all counted votes. */
  get totalPower(): number {
    return this.#totalPower;
  }

  /** Voters that voted (public keys), unordered. */
  getVoters(): Iterable<string> {
    return this.#votes.keys();
  }

  /** The vote of a voter, if any. */
  getVote(publicKey: string): Vote | undefined {
    return this.#votes.get(publicKey);
  }

  /** True when votes for `blockHash` (null = nil) carry > 2/3 of the power. */
  hasTwoThirdsFor(blockHash: string | null): boolean {
    return isAboveTwoThirds(this.getPowerFor(blockHash), this.set.totalPower);
  }

  /**
   * The value with > 2/3 of the power: a block hash, `null` for nil, or
   * `undefined` when there is none (at most one value can have it).
   */
  getTwoThirdsMajority(): string | null | undefined {
    for (const [key, power] of this.#powerByBlock) {
      if (isAboveTwoThirds(power, this.set.totalPower)) return key === NIL ? null : key;
    }
    return undefined;
  }

  /** True when votes for anything carry > 2/3 of the power. */
  hasTwoThirdsAny(): boolean {
    return isAboveTwoThirds(this.#totalPower, this.set.totalPower);
  }

  /** True when votes for anything carry > 1/3 of the power. */
  hasOneThirdAny(): boolean {
    return isAboveOneThird(this.#totalPower, this.set.totalPower);
  }

  /** Votes for `blockHash`, sorted by voter key (the commit stored with a block). */
  getVotesFor(blockHash: string | null): Vote[] {
    return [...this.#votes.values()]
      .filter((v) => v.blockHash === blockHash)
      .sort((a, b) => (a.validator < b.validator ? -1 : a.validator > b.validator ? 1 : 0));
  }
}

/** Precommits with > 2/3 of the power for a block: the proof it is final. */
export interface Commit {
  height: number;
  round: number;
  blockHash: string;
  precommits: Vote[];
}

/**
 * Checks that `commit` finalizes `blockHash` at `height` for the voters of
 * that height: precommits of one round, for that block, distinct voters,
 * > 2/3 of the power. Signatures are verified by the caller (all of them).
 *
 * @throws {ConsensusError} `BAD_COMMIT` naming the problem
 */
export function verifyCommit(
  set: ValidatorSet,
  networkId: number,
  blockHash: string,
  commit: Commit,
): void {
  const fail = (why: string) => {
    throw new ConsensusError("BAD_COMMIT", `Commit of height ${commit.height} ${why}`, "commit");
  };
  if (commit.blockHash !== blockHash) fail(`is for block ${commit.blockHash}, not ${blockHash}`);
  const votes = new VoteSet(networkId, commit.height, commit.round, "precommit", set);
  for (const v of commit.precommits) {
    if (v.blockHash !== blockHash) fail("holds a precommit for another block");
    const r = votes.add(v);
    if (r.status !== "added") fail(`holds a bad precommit from ${v.validator}: ${r.status}`);
  }
  if (!votes.hasTwoThirdsFor(blockHash)) {
    fail(`carries ${votes.totalPower} of ${set.totalPower} voting power, not more than 2/3`);
  }
}

/**
 * True when `prevotes` are prevotes of one voter each, of `height` and
 * `round`, for `blockHash`, with > 2/3 of the power of `set`: a proof-of-lock
 * (POL) that `blockHash` may be re-proposed with `polRound = round`.
 * Signatures are verified by the caller.
 */
export function isProofOfLock(
  set: ValidatorSet,
  networkId: number,
  height: number,
  round: number,
  blockHash: string,
  prevotes: readonly Vote[],
): boolean {
  const votes = new VoteSet(networkId, height, round, "prevote", set);
  for (const v of prevotes) {
    if (v.blockHash !== blockHash || votes.add(v).status !== "added") return false;
  }
  return votes.hasTwoThirdsFor(blockHash);
}
