/**
 * GridTokenX governance core (pure): proposals, stake-weighted tallies,
 * execution, grid authorities, participants, meters and grid emergencies.
 * The market reads: `isRegisteredParticipant`, `getParticipant`, `getMeter`,
 * `getHaltedScopes`, `getCappedScopes`, `getPricingRegulation`.
 * @module
 */
export * from "./authorities.ts";
export * from "./authority_actions.ts";
export * from "./compliance_totals.ts";
export * from "./emergencies.ts";
export * from "./governable_params.ts";
export * from "./governance_params.ts";
export * from "./proposal_actions.ts";
export * from "./proposals.ts";
export * from "./scaled_decimal.ts";
export * from "./stake_total.ts";
export * from "./tally.ts";
