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
] as const;
export type TxKind = typeof TX_KINDS[number];

const ADDRESS_RE = /^gtx1[02-9ac-hj-np-z]{38}$/;
const address = z.string().regex(ADDRESS_RE, "must be a gtx1... address");
const positive = z.int().min(1);
const uint = z.int().min(0);
const hex32 = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters");
/** `REGION-ZONE-SUBSTATION`, e.g. `BKK-01-SUB001`; checked against the grid topology later. */
const location = z.string().min(1).max(32);

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
    /** Type-specific content (e.g. `{parameter, newValue}`), checked by governance. */
    changes: z.record(z.string(), z.union([z.string(), z.int(), z.boolean(), z.null()])),
  }),
  vote: z.strictObject({
    proposalId: z.int().min(1),
    choice: z.enum(["yes", "no", "abstain", "veto"]),
  }),
  authority_action: z.strictObject({
    action: z.string().min(1).max(64),
    /** Action-specific arguments, checked by the authority module. */
    args: z.record(z.string(), z.union([z.string(), z.int(), z.boolean(), z.null()])),
  }),
} as const;
