/**
 * Payload schema of each transaction kind. The envelope is shared
 * (transaction.ts); each kind's payload is a strict object: unknown fields
 * are rejected.
 */
import { z } from "zod";
import { ENERGY_SOURCES } from "./params.ts";

export const TX_KINDS = [
  "transfer",
  "stake",
  "unstake",
  "energy_order",
  "cancel_order",
  "meter_reading",
  "governance_proposal",
  "vote",
  "authority_action",
  "evidence",
] as const;
export type TxKind = typeof TX_KINDS[number];

const ADDRESS_RE = /^gtx1[02-9ac-hj-np-z]{38}$/;
const address = z.string().regex(ADDRESS_RE, "must be a gtx1... address");
const positive = z.int().min(1);
const uint = z.int().min(0);
const hex32 = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters");
/** `REGION-ZONE-SUBSTATION`, e.g. `BKK-01-SUB001`; checked against the grid topology later. */
const location = z.string().min(1).max(32);
/** A signed consensus vote (shape of node/consensus/votes.ts `Vote`). */
const consensusVote = z.strictObject({
  type: z.enum(["prevote", "precommit"]),
  networkId: z.int().min(1).max(0xffffffff),
  height: uint,
  round: z.int().min(0).max(0xffffffff),
  blockHash: hex32.nullable(),
  validator: hex32,
  signature: z.string().regex(/^[0-9a-f]{128}$/, "must be 128 lowercase hex characters"),
});

export const payloadSchemas = {
  transfer: z.strictObject({ to: address, amountSatang: uint, amountWh: uint }),
  stake: z.strictObject({ amountSatang: positive }),
  unstake: z.strictObject({ amountSatang: positive }),
  energy_order: z.strictObject({
    side: z.enum(["buy", "sell"]),
    amountWh: positive,
    priceSatangPerKwh: positive,
    /** Sell: the source of the energy sold. Buy: a required source, or null for any. */
    source: z.enum(ENERGY_SOURCES).nullable(),
    location,
    /** Order expiry, block-timestamp ms. */
    orderExpiresAtMs: positive,
  }),
  cancel_order: z.strictObject({ orderId: hex32 }),
  meter_reading: z.strictObject({
    meterId: z.string().min(1).max(64),
    /** Cumulative generation counter of the meter, Wh; must increase. */
    totalWh: uint,
    readAtMs: positive,
    /** Where the meter reports from; must be its registered location. */
    location,
  }),
  governance_proposal: z.strictObject({
    proposalType: z.enum([
      "parameter-change",
      "pricing-regulation",
      "authority-management",
      "grid-emergency",
      "text",
    ]),
    title: z.string().min(1).max(200),
    description: z.string().max(10_000),
    depositSatang: uint,
    /** Type-specific content (e.g. `{parameter: "carbon_credits.solar", newValue: "0.7"}`),
     * checked by node/governance/proposal_actions.ts at submission. */
    changes: z.record(z.string(), z.union([z.string(), z.int(), z.boolean(), z.null()])),
  }),
  vote: z.strictObject({
    proposalId: z.int().min(1),
    choice: z.enum(["yes", "no", "abstain", "veto"]),
  }),
  authority_action: z.strictObject({
    /** Arguments of each action: node/governance/authority_actions.ts. */
    action: z.enum([
      "register_participant",
      "register_meter",
      "deposit",
      "declare_emergency",
      "lift_emergency",
      "grid_reading",
      "approve_regulation",
    ]),
    /** Action-specific arguments, checked by the authority module. */
    args: z.record(z.string(), z.union([z.string(), z.int(), z.boolean(), z.null()])),
  }),
  /** Double-signing proof: two signed consensus votes (node/consensus/votes.ts). */
  evidence: z.strictObject({ voteA: consensusVote, voteB: consensusVote }),
} as const;
