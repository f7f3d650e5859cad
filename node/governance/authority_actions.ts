/**
 * `authority_action` transactions: what grid authorities do directly on
 * chain, each checked against the signer's roles and service area.
 *
 * | action               | args                                             | who                                   |
 * |----------------------|--------------------------------------------------|---------------------------------------|
 * | register_participant | address, location                                | distribution, location in its area    |
 * | register_meter       | meterId, owner, location, source                 | distribution, location in its area    |
 * | deposit              | to, amountSatang                                 | distribution, `to`'s location in area |
 * | declare_emergency    | scope, kind ("halt"/"cap"), capKw?, reason?      | transmission, or distribution in area |
 * | lift_emergency       | scope                                            | transmission, or distribution in area |
 * | grid_reading         | location, loadKw, generationKw, frequencyMilliHz | transmission, or distribution in area |
 * | approve_regulation   | proposalId                                       | regulator                             |
 */
import { z } from "zod";
import { addChecked } from "../chain/amounts.ts";
import { ChainError } from "../chain/errors.ts";
import { ENERGY_SOURCES } from "../chain/params.ts";
import { stateKey, type StateOverlay } from "../chain/state.ts";
import type { Tx } from "../chain/transaction.ts";
import type { BlockContext } from "../chain/transition.ts";
import {
  getMeter,
  getParticipant,
  GRID_LOCATION_REGEX,
  GRID_SCOPE_REGEX,
  type Meter,
  type Participant,
  requireAuthority,
} from "./authorities.ts";
import { addComplianceTotals } from "./compliance_totals.ts";
import { processEmergencySignature } from "./emergencies.ts";
import { getGovernanceParams } from "./governance_params.ts";
import { getProposal } from "./proposals.ts";

/** Names of authority actions. */
export const AUTHORITY_ACTIONS = [
  "register_participant",
  "register_meter",
  "deposit",
  "declare_emergency",
  "lift_emergency",
  "grid_reading",
  "approve_regulation",
] as const;
export type AuthorityActionName = typeof AUTHORITY_ACTIONS[number];

const address = z.string().regex(/^gtx1[02-9ac-hj-np-z]{38}$/, "must be a gtx1... address");
const location = z.string().regex(
  GRID_LOCATION_REGEX,
  'must be a grid location REGION-ZONE-SUBSTATION like "BKK-01-SUB001"',
);
const scope = z.string().regex(
  GRID_SCOPE_REGEX,
  'must be a region, zone or substation like "BKK", "BKK-01" or "BKK-01-SUB001"',
);
const uint = z.int().min(0);

/** Argument schema of each action (strict: unknown args are rejected). */
export const AUTHORITY_ACTION_ARGS = {
  register_participant: z.strictObject({ address, location }),
  register_meter: z.strictObject({
    meterId: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, "must be 1..64 of A-Z a-z 0-9 . _ : -"),
    owner: address,
    location,
    source: z.enum(ENERGY_SOURCES),
  }),
  deposit: z.strictObject({ to: address, amountSatang: z.int().min(1) }),
  declare_emergency: z.strictObject({
    scope,
    kind: z.enum(["halt", "cap"]).default("halt"),
    capKw: z.int().min(0).nullable().default(null),
    reason: z.string().max(500).default(""),
  }),
  lift_emergency: z.strictObject({ scope }),
  grid_reading: z.strictObject({
    location: scope,
    loadKw: uint,
    generationKw: uint,
    frequencyMilliHz: z.int().min(40_000).max(60_000),
  }),
  approve_regulation: z.strictObject({ proposalId: z.int().min(1) }),
} as const;

/** The latest grid reading at a scope. */
export interface GridReading {
  location: string;
  loadKw: number;
  generationKw: number;
  frequencyMilliHz: number;
  reportedBy: string;
  height: number;
  timestampMs: number;
}

/** Parses an action's args. @throws ChainError BAD_AUTHORITY_ARGS naming the field */
export function parseAuthorityArgs<A extends AuthorityActionName>(
  action: A,
  args: unknown,
): z.output<typeof AUTHORITY_ACTION_ARGS[A]> {
  const result = AUTHORITY_ACTION_ARGS[action].safeParse(args);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const field = ["body.payload.args", ...issue.path.map(String)].join(".");
    throw new ChainError(
      "BAD_AUTHORITY_ARGS",
      `Invalid ${action} arguments: "${field}": ${issue.message}`,
      field,
    );
  }
  return result.data as z.output<typeof AUTHORITY_ACTION_ARGS[A]>;
}

/** Processor of `authority_action` transactions. */
export function processAuthorityAction(state: StateOverlay, tx: Tx, ctx: BlockContext): void {
  if (tx.body.kind !== "authority_action") throw new Error("not an authority_action");
  const { action, args } = tx.body.payload;
  if (!(AUTHORITY_ACTIONS as readonly string[]).includes(action)) {
    throw new ChainError(
      "UNKNOWN_AUTHORITY_ACTION",
      `Unknown authority action "${action}"; known: ${AUTHORITY_ACTIONS.join(", ")}`,
      "body.payload.action",
    );
  }
  switch (action as AuthorityActionName) {
    case "register_participant": {
      const a = parseAuthorityArgs("register_participant", args);
      const authority = requireAuthority(state, tx.sender, ["distribution"], a.location);
      const existing = getParticipant(state, a.address);
      const record: Participant = {
        address: a.address,
        location: a.location,
        registeredBy: authority.name,
        height: ctx.height,
      };
      state.set(stateKey.participant(a.address), record);
      if (existing === undefined) addComplianceTotals(state, { participants: 1 });
      return;
    }
    case "register_meter": {
      const a = parseAuthorityArgs("register_meter", args);
      const authority = requireAuthority(state, tx.sender, ["distribution"], a.location);
      if (getParticipant(state, a.owner) === undefined) {
        throw new ChainError(
          "NOT_REGISTERED",
          `Meter owner ${a.owner} is not a registered participant`,
          "body.payload.args.owner",
        );
      }
      const existing = getMeter(state, a.meterId);
      if (existing !== undefined && existing.owner !== a.owner) {
        throw new ChainError(
          "METER_EXISTS",
          `Meter ${a.meterId} is already registered to ${existing.owner}`,
          "body.payload.args.meterId",
        );
      }
      const record: Meter = {
        meterId: a.meterId,
        owner: a.owner,
        location: a.location,
        source: a.source,
        registeredBy: authority.name,
        height: ctx.height,
      };
      state.set(stateKey.meter(a.meterId), record);
      if (existing === undefined) addComplianceTotals(state, { meters: 1 });
      return;
    }
    case "deposit": {
      const a = parseAuthorityArgs("deposit", args);
      const participant = getParticipant(state, a.to);
      if (participant === undefined) {
        throw new ChainError(
          "NOT_REGISTERED",
          `Deposit recipient ${a.to} is not a registered participant`,
          "body.payload.args.to",
        );
      }
      requireAuthority(state, tx.sender, ["distribution"], participant.location);
      const account = state.getAccount(a.to);
      state.setAccount(a.to, {
        ...account,
        balanceSatang: addChecked(account.balanceSatang, a.amountSatang, "body.payload.args"),
      });
      addComplianceTotals(state, { depositedSatang: a.amountSatang });
      return;
    }
    case "declare_emergency": {
      const a = parseAuthorityArgs("declare_emergency", args);
      if (a.kind === "cap" && a.capKw === null) {
        throw new ChainError(
          "BAD_AUTHORITY_ARGS",
          'A "cap" emergency needs capKw',
          "body.payload.args.capKw",
        );
      }
      const authority = requireAuthority(
        state,
        tx.sender,
        ["transmission", "distribution"],
        a.scope,
      );
      processEmergencySignature(
        state,
        authority.name,
        {
          action: "declare",
          scope: a.scope,
          kind: a.kind,
          capKw: a.kind === "cap" ? a.capKw : null,
          reason: a.reason,
        },
        { height: ctx.height, timestampMs: ctx.timestampMs },
        getGovernanceParams(ctx.params).emergencySignaturesRequired,
      );
      return;
    }
    case "lift_emergency": {
      const a = parseAuthorityArgs("lift_emergency", args);
      const authority = requireAuthority(
        state,
        tx.sender,
        ["transmission", "distribution"],
        a.scope,
      );
      processEmergencySignature(
        state,
        authority.name,
        { action: "lift", scope: a.scope, kind: null, capKw: null, reason: "" },
        { height: ctx.height, timestampMs: ctx.timestampMs },
        getGovernanceParams(ctx.params).emergencySignaturesRequired,
      );
      return;
    }
    case "grid_reading": {
      const a = parseAuthorityArgs("grid_reading", args);
      const authority = requireAuthority(
        state,
        tx.sender,
        ["transmission", "distribution"],
        a.location,
      );
      const reading: GridReading = {
        ...a,
        reportedBy: authority.name,
        height: ctx.height,
        timestampMs: ctx.timestampMs,
      };
      state.set(stateKey.gridReading(a.location), reading);
      return;
    }
    case "approve_regulation": {
      const a = parseAuthorityArgs("approve_regulation", args);
      const authority = requireAuthority(state, tx.sender, ["regulator"]);
      const proposal = getProposal(state, a.proposalId);
      if (proposal === undefined || proposal.proposalType !== "pricing-regulation") {
        throw new ChainError(
          "PROPOSAL_NOT_FOUND",
          `No pricing-regulation proposal ${a.proposalId}`,
          "body.payload.args.proposalId",
        );
      }
      if (proposal.status !== "voting" && proposal.status !== "passed") {
        throw new ChainError(
          "PROPOSAL_CLOSED",
          `Proposal ${a.proposalId} is ${proposal.status}; it can no longer be approved`,
          "body.payload.args.proposalId",
        );
      }
      if (proposal.approvedBy.includes(authority.name)) return;
      state.set(stateKey.proposal(proposal.id), {
        ...proposal,
        approvedBy: [...proposal.approvedBy, authority.name],
      });
      return;
    }
  }
}
