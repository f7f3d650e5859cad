/**
 * REST routes of governance: proposals with their tallies, governable
 * parameters. Proposals and votes are submitted as signed transactions
 * (`POST /api/v1/transactions`, kinds `governance_proposal` and `vote`).
 * Importing this file also registers the authority and compliance routes.
 */
import "./authority_routes.ts";
import "./compliance_routes.ts";
import type { Hono } from "hono";
import type { StateReader } from "../chain/state.ts";
import {
  computeCurrentTally,
  formatScaledDecimal,
  getGovernableParam,
  getGovernanceParams,
  getParamValue,
  getProposal,
  getProposalCount,
  getProposalVotes,
  GOVERNABLE_PARAMS,
  type Proposal,
  PROPOSAL_STATUSES,
  type ProposalStatus,
  type Tally,
} from "../governance/mod.ts";
import type { GridNode } from "../runtime/grid_node.ts";
import { addRoutes } from "./app.ts";
import { ApiError } from "./errors.ts";

function tallyView(t: Tally) {
  return {
    yes_satang: t.yesSatang,
    no_satang: t.noSatang,
    abstain_satang: t.abstainSatang,
    veto_satang: t.vetoSatang,
    total_stake_satang: t.totalStakeSatang,
    voters: t.voters,
  };
}

/** A proposal as the API shows it; open proposals carry the tally so far. */
export function proposalView(state: StateReader, p: Proposal, headHeight: number) {
  const final = p.tally !== null;
  return {
    id: p.id,
    tx_id: p.txId,
    proposer: p.proposer,
    type: p.proposalType,
    title: p.title,
    description: p.description,
    deposit_satang: p.depositSatang,
    deposit_status: p.depositStatus,
    changes: p.changes,
    action: p.action,
    status: p.status,
    submit_height: p.submitHeight,
    voting_end_height: p.votingEndHeight,
    blocks_left: p.status === "voting" ? Math.max(0, p.votingEndHeight - headHeight) : 0,
    execute_at_height: p.executeAtHeight,
    executed_height: p.executedHeight,
    approved_by: p.approvedBy,
    result: p.result,
    tally_final: final,
    tally: tallyView(final ? p.tally! : computeCurrentTally(state, p.id)),
  };
}

function parseId(text: string): number {
  if (!/^[1-9][0-9]{0,12}$/.test(text)) {
    throw new ApiError("BAD_PARAM", `"id" must be a positive integer, got "${text}"`, "id");
  }
  return Number(text);
}

export function registerGovernanceRoutes(app: Hono, node: GridNode): void {
  app.get("/api/v1/governance/proposals", (c) => {
    const status = c.req.query("status");
    if (status !== undefined && !(PROPOSAL_STATUSES as readonly string[]).includes(status)) {
      throw new ApiError(
        "BAD_PARAM",
        `"status" must be one of ${PROPOSAL_STATUSES.join(", ")}, got "${status}"`,
        "status",
      );
    }
    const proposer = c.req.query("proposer");
    const txId = c.req.query("tx_id");
    const limit = Math.min(Number(c.req.query("limit") ?? 100) || 100, 1000);
    const state = node.state;
    const out = [];
    for (let id = getProposalCount(state); id >= 1 && out.length < limit; id--) {
      const p = getProposal(state, id);
      if (p === undefined) continue;
      if (status !== undefined && p.status !== (status as ProposalStatus)) continue;
      if (proposer !== undefined && p.proposer !== proposer) continue;
      if (txId !== undefined && p.txId !== txId) continue;
      out.push(proposalView(state, p, node.head.header.height));
    }
    return c.json({ proposals: out, count: out.length, height: node.head.header.height });
  });

  app.get("/api/v1/governance/proposals/:id", (c) => {
    const id = parseId(c.req.param("id"));
    const p = getProposal(node.state, id);
    if (p === undefined) throw new ApiError("PROPOSAL_NOT_FOUND", `No proposal ${id}`, "id");
    const votes = getProposalVotes(node.state, id);
    return c.json({
      ...proposalView(node.state, p, node.head.header.height),
      votes: Object.keys(votes).sort().map((voter) => ({ voter, choice: votes[voter] })),
    });
  });

  app.get("/api/v1/governance/params", (c) => {
    const params = node.getParams();
    const gov = getGovernanceParams(params);
    return c.json({
      voting_period_blocks: gov.votingPeriodBlocks,
      quorum_bps: gov.quorumBps,
      threshold_bps: gov.thresholdBps,
      veto_bps: gov.vetoBps,
      min_deposit_satang: gov.minDepositSatang,
      execution_delay_blocks: gov.executionDelayBlocks,
      emergency_signatures_required: gov.emergencySignaturesRequired,
      governable: GOVERNABLE_PARAMS.map((p) => {
        const value = getParamValue(params, p);
        return {
          name: p.name,
          unit: p.unit,
          value: value === undefined ? null : formatScaledDecimal(value, p.decimals),
          chain_value: value ?? null,
          chain_path: p.path.join("."),
        };
      }),
    });
  });

  app.get("/api/v1/governance/params/:name", (c) => {
    const p = getGovernableParam(c.req.param("name"));
    if (p === undefined) {
      throw new ApiError("NOT_FOUND", `Unknown governable parameter "${c.req.param("name")}"`);
    }
    const value = getParamValue(node.getParams(), p);
    return c.json({
      name: p.name,
      unit: p.unit,
      value: value === undefined ? null : formatScaledDecimal(value, p.decimals),
      chain_value: value ?? null,
    });
  });
}

addRoutes(registerGovernanceRoutes);
