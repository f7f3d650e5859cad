/**
 * Double-signing evidence and slashing. An `evidence` transaction carries two
 * different signed votes of one voter for the same (height, round, type).
 * Any account may submit it (it pays the usual fee). Effects:
 * - `slashFractionBps` of the offender's bonded stake is burned;
 * - the offender leaves the validator set and is jailed for good
 *   (`stateKey.jailed`), unless it is the last validator with stake (an
 *   empty set would halt the chain; it is slashed but stays);
 * - the offence (offender, height, round, type) is recorded under
 *   `stateKey.evidence`, so the same offence is punished once.
 * Evidence is accepted while the offence is at most `unbondingBlocks` old,
 * the window in which unstaked money is still held back.
 * Both signatures are verified here, synchronously (evidence is rare), so
 * a block with forged evidence is invalid on every node.
 */
import { ChainError } from "../chain/errors.ts";
import { stateKey, type StateOverlay, type Validator } from "../chain/state.ts";
import type { BlockContext } from "../chain/transition.ts";
import { getAddressOfPublicKeyHex, type Tx } from "../chain/transaction.ts";
import { verifyNoble } from "../crypto/ed25519.ts";
import { getTotalStakeSatang } from "../governance/stake_total.ts";
import { type DuplicateVoteEvidence, getVoteVerifyItem, type Vote } from "./votes.ts";

/** Kept under `stateKey.jailed(address)`. */
export interface JailRecord {
  /** Height of the block that applied the evidence. */
  jailedAtHeight: number;
  /** Height of the offence. */
  offenceHeight: number;
}

/**
 * Checks the structure of evidence: same voter, network, height, round and
 * type, different block hashes. Does not check signatures.
 *
 * @throws {ChainError} `BAD_EVIDENCE`
 */
export function checkEvidenceStructure(e: DuplicateVoteEvidence, networkId: number): void {
  const a = e.voteA;
  const b = e.voteB;
  const bad = (why: string) => {
    throw new ChainError("BAD_EVIDENCE", `Invalid evidence: ${why}`, "body.payload");
  };
  if (a.validator !== b.validator) bad("the votes are from different voters");
  if (a.type !== b.type) bad("the votes are of different types");
  if (a.height !== b.height || a.round !== b.round) {
    bad("the votes are for different heights or rounds");
  }
  if (a.networkId !== networkId || b.networkId !== networkId) bad("a vote is for another network");
  if (a.blockHash === b.blockHash) bad("the votes are for the same block: not a double sign");
}

function verifyVote(v: Vote): boolean {
  const item = getVoteVerifyItem(v);
  return verifyNoble(item.signature, item.message, item.publicKey);
}

/** Processor of the `evidence` transaction kind. */
export function processEvidence(state: StateOverlay, tx: Tx, ctx: BlockContext): void {
  if (tx.body.kind !== "evidence") throw new Error("processEvidence called with " + tx.body.kind);
  const evidence = tx.body.payload as DuplicateVoteEvidence;
  checkEvidenceStructure(evidence, ctx.networkId);
  const { voteA } = evidence;
  if (voteA.height >= ctx.height) {
    throw new ChainError(
      "BAD_EVIDENCE",
      `Evidence for height ${voteA.height} is not from a past height (block ${ctx.height})`,
      "body.payload.voteA.height",
    );
  }
  if (ctx.height - voteA.height > ctx.params.consensus.unbondingBlocks) {
    throw new ChainError(
      "EVIDENCE_TOO_OLD",
      `Evidence for height ${voteA.height} is older than ${ctx.params.consensus.unbondingBlocks} blocks`,
      "body.payload.voteA.height",
    );
  }
  if (!verifyVote(evidence.voteA) || !verifyVote(evidence.voteB)) {
    throw new ChainError(
      "BAD_SIGNATURE",
      "An evidence vote's signature does not verify",
      "body.payload",
    );
  }
  const address = getAddressOfPublicKeyHex(voteA.validator);
  const key = stateKey.evidence(address, voteA.height, voteA.round, voteA.type);
  if (state.get(key) !== undefined) {
    throw new ChainError(
      "EVIDENCE_USED",
      `This offence of ${address} was already punished`,
      "body.payload",
    );
  }
  const account = state.getAccount(address);
  if (account.stakeSatang <= 0) {
    throw new ChainError(
      "NOT_SLASHABLE",
      `${address} has no bonded stake to slash (authorities are handled by governance)`,
      "body.payload.voteA.validator",
    );
  }
  const slashSatang = Number(
    (BigInt(account.stakeSatang) * BigInt(ctx.params.consensus.slashFractionBps)) / 10_000n,
  );
  const totalBefore = getTotalStakeSatang(state);
  state.setAccount(address, { ...account, stakeSatang: account.stakeSatang - slashSatang });
  state.set(stateKey.totalStake(), Math.max(0, totalBefore - slashSatang));
  state.set(key, ctx.height);
  const validators = (state.get(stateKey.validators()) as Validator[] | undefined) ?? [];
  const rest = validators.filter((v) => v.address !== address);
  const isLastValidator = rest.length !== validators.length &&
    !rest.some((v) => state.getAccount(v.address).stakeSatang > 0);
  if (!isLastValidator) {
    if (rest.length !== validators.length) state.set(stateKey.validators(), rest);
    const jail: JailRecord = { jailedAtHeight: ctx.height, offenceHeight: voteA.height };
    state.set(stateKey.jailed(address), jail);
  }
}
