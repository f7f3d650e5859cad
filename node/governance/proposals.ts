/**
 * Proposals: submission (deposit locked from the balance), votes, and the
 * end-block hook that tallies proposals whose voting ended and executes
 * passed ones at their execution height.
 *
 * Lifecycle (heights): submitted at S -> votes accepted in blocks S..E where
 * E = S + votingPeriodBlocks -> tallied at the end of block E -> if passed,
 * executed at the end of block E + executionDelayBlocks. Deposit: refunded at
 * the tally unless vetoed (then burned).
 */
import { addChecked } from "../chain/amounts.ts";
import { ChainError } from "../chain/errors.ts";
import { stateKey, type StateOverlay, type StateReader } from "../chain/state.ts";
import type { Tx } from "../chain/transaction.ts";
import type { BlockContext } from "../chain/transition.ts";
import { addComplianceTotals } from "./compliance_totals.ts";
import { getGovernanceParams } from "./governance_params.ts";
import {
  type Changes,
  executeProposalAction,
  parseProposalAction,
  type ProposalAction,
  type ProposalType,
} from "./proposal_actions.ts";
import { getTotalStakeSatang } from "./stake_total.ts";
import { computeTally, computeTallyOutcome, type Tally, type VoteChoice } from "./tally.ts";

export type ProposalStatus = "voting" | "passed" | "rejected" | "vetoed" | "executed" | "failed";
export const PROPOSAL_STATUSES: readonly ProposalStatus[] = [
  "voting",
  "passed",
  "rejected",
  "vetoed",
  "executed",
  "failed",
];

/** A proposal as stored in state. */
export interface Proposal {
  id: number;
  /** Id of the submitting transaction. */
  txId: string;
  proposer: string;
  proposalType: ProposalType;
  title: string;
  description: string;
  depositSatang: number;
  /** As submitted. */
  changes: Changes;
  /** Checked at submission. */
  action: ProposalAction;
  submitHeight: number;
  /** Last height at which votes are accepted; tallied at the end of this block. */
  votingEndHeight: number;
  /** Height whose end executes the proposal (set when it passes). */
  executeAtHeight: number | null;
  status: ProposalStatus;
  tally: Tally | null;
  depositStatus: "held" | "refunded" | "burned";
  /** Regulator authorities that approved (pricing-regulation). */
  approvedBy: string[];
  /** Why it was rejected/vetoed/failed, or how it passed. */
  result: string | null;
  executedHeight: number | null;
}

export function getProposal(state: StateReader, id: number): Proposal | undefined {
  return state.get(stateKey.proposal(id)) as Proposal | undefined;
}

/** Number of proposals ever submitted (ids are 1..count). */
export function getProposalCount(state: StateReader): number {
  return ((state.get(stateKey.nextProposalId()) as number | undefined) ?? 1) - 1;
}

export function getProposalVotes(state: StateReader, id: number): Record<string, VoteChoice> {
  return (state.get(stateKey.proposalVotes(id)) as Record<string, VoteChoice> | undefined) ?? {};
}

/** The tally so far (weights = current stakes), for open proposals. */
export function computeCurrentTally(state: StateReader, id: number): Tally {
  const votes = getProposalVotes(state, id);
  return computeTally(
    votes,
    (a) =>
      (state.get(stateKey.account(a)) as { stakeSatang: number } | undefined)?.stakeSatang ?? 0,
    getTotalStakeSatang(state),
  );
}

function appendToHeightList(state: StateOverlay, key: string, id: number): void {
  const ids = (state.get(key) as number[] | undefined) ?? [];
  state.set(key, [...ids, id]);
}

/** Processor of `governance_proposal` transactions. */
export function processGovernanceProposal(state: StateOverlay, tx: Tx, ctx: BlockContext): void {
  if (tx.body.kind !== "governance_proposal") throw new Error("not a governance_proposal");
  const p = tx.body.payload;
  const gov = getGovernanceParams(ctx.params);
  if (p.depositSatang < gov.minDepositSatang) {
    throw new ChainError(
      "DEPOSIT_TOO_LOW",
      `Deposit ${p.depositSatang} satang is below the minimum ${gov.minDepositSatang}`,
      "body.payload.depositSatang",
    );
  }
  const action = parseProposalAction(p.proposalType, p.changes, state, ctx.params);
  const account = state.getAccount(tx.sender);
  if (account.balanceSatang < p.depositSatang) {
    throw new ChainError(
      "INSUFFICIENT_BALANCE",
      `Balance ${account.balanceSatang} satang cannot pay the deposit ${p.depositSatang}`,
      "body.payload.depositSatang",
    );
  }
  state.setAccount(tx.sender, {
    ...account,
    balanceSatang: account.balanceSatang - p.depositSatang,
  });
  const id = getProposalCount(state) + 1;
  state.set(stateKey.nextProposalId(), id + 1);
  const proposal: Proposal = {
    id,
    txId: tx.id,
    proposer: tx.sender,
    proposalType: p.proposalType,
    title: p.title,
    description: p.description,
    depositSatang: p.depositSatang,
    changes: p.changes,
    action,
    submitHeight: ctx.height,
    votingEndHeight: ctx.height + gov.votingPeriodBlocks,
    executeAtHeight: null,
    status: "voting",
    tally: null,
    depositStatus: "held",
    approvedBy: [],
    result: null,
    executedHeight: null,
  };
  state.set(stateKey.proposal(id), proposal);
  appendToHeightList(state, stateKey.proposalsEndingAt(proposal.votingEndHeight), id);
}

/** Processor of `vote` transactions: one vote per account, replaceable until voting ends. */
export function processVote(state: StateOverlay, tx: Tx, ctx: BlockContext): void {
  if (tx.body.kind !== "vote") throw new Error("not a vote");
  const { proposalId, choice } = tx.body.payload;
  const proposal = getProposal(state, proposalId);
  if (proposal === undefined) {
    throw new ChainError(
      "PROPOSAL_NOT_FOUND",
      `No proposal ${proposalId}`,
      "body.payload.proposalId",
    );
  }
  if (proposal.status !== "voting" || ctx.height > proposal.votingEndHeight) {
    throw new ChainError(
      "VOTING_CLOSED",
      `Voting on proposal ${proposalId} ended at height ${proposal.votingEndHeight}`,
      "body.payload.proposalId",
    );
  }
  if (state.getAccount(tx.sender).stakeSatang === 0) {
    throw new ChainError(
      "NO_VOTING_POWER",
      `${tx.sender} has no bonded stake; votes are weighted by stake (stake first)`,
      "body.from",
    );
  }
  const votes = getProposalVotes(state, proposalId);
  state.set(stateKey.proposalVotes(proposalId), { ...votes, [tx.sender]: choice });
}

/** Tallies one proposal at the end of its voting period and settles its deposit. */
function processTally(state: StateOverlay, proposal: Proposal, ctx: BlockContext): void {
  const gov = getGovernanceParams(ctx.params);
  const tally = computeCurrentTally(state, proposal.id);
  const { outcome, reason } = computeTallyOutcome(tally, gov);
  let depositStatus: Proposal["depositStatus"] = "refunded";
  if (outcome === "vetoed") {
    depositStatus = "burned";
    addComplianceTotals(state, { burnedSatang: proposal.depositSatang });
  } else {
    const account = state.getAccount(proposal.proposer);
    state.setAccount(proposal.proposer, {
      ...account,
      balanceSatang: addChecked(account.balanceSatang, proposal.depositSatang, "deposit"),
    });
  }
  const executeAtHeight = outcome === "passed" ? ctx.height + gov.executionDelayBlocks : null;
  state.set(stateKey.proposal(proposal.id), {
    ...proposal,
    status: outcome,
    tally,
    depositStatus,
    executeAtHeight,
    result: reason,
  });
  if (executeAtHeight !== null) {
    appendToHeightList(state, stateKey.proposalsExecutingAt(executeAtHeight), proposal.id);
  }
}

/** Executes a passed proposal; a failing action marks it failed and changes nothing else. */
function processExecution(state: StateOverlay, proposal: Proposal, ctx: BlockContext): void {
  const fork = state.fork();
  try {
    executeProposalAction(fork, proposal, ctx.height);
    state.merge(fork);
    state.set(stateKey.proposal(proposal.id), {
      ...proposal,
      status: "executed",
      executedHeight: ctx.height,
    });
  } catch (e) {
    if (!(e instanceof ChainError)) throw e;
    state.set(stateKey.proposal(proposal.id), {
      ...proposal,
      status: "failed",
      executedHeight: ctx.height,
      result: `execution failed: ${e.code}: ${e.message}`,
    });
  }
}

/**
 * End-block hook: tallies proposals whose voting ends at this height, then
 * executes proposals due at this height (in id order). Never throws for a
 * proposal's own failure: the block stays valid.
 */
export function processGovernanceEndBlock(state: StateOverlay, ctx: BlockContext): void {
  const endingKey = stateKey.proposalsEndingAt(ctx.height);
  const ending = state.get(endingKey) as number[] | undefined;
  if (ending !== undefined) {
    for (const id of [...ending].sort((a, b) => a - b)) {
      const proposal = getProposal(state, id);
      if (proposal?.status === "voting") processTally(state, proposal, ctx);
    }
    state.delete(endingKey);
  }
  const executingKey = stateKey.proposalsExecutingAt(ctx.height);
  const executing = state.get(executingKey) as number[] | undefined;
  if (executing !== undefined) {
    for (const id of [...executing].sort((a, b) => a - b)) {
      const proposal = getProposal(state, id);
      if (proposal?.status === "passed") processExecution(state, proposal, ctx);
    }
    state.delete(executingKey);
  }
}
