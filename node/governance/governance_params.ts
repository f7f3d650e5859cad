/** Governance parameters with defaults for chains created before they existed. */
import type { ChainParams, GovernanceParams } from "../chain/params.ts";

/** Defaults, equal to config.toml's `[governance]` table. */
export const DEFAULT_GOVERNANCE_PARAMS: Readonly<GovernanceParams> = Object.freeze({
  votingPeriodBlocks: 100,
  quorumBps: 3340,
  thresholdBps: 5000,
  vetoBps: 3340,
  minDepositSatang: 100_000,
  executionDelayBlocks: 1,
  emergencySignaturesRequired: 1,
});

/** `params.governance`, or the defaults when the chain's genesis predates it. */
export function getGovernanceParams(params: ChainParams): GovernanceParams {
  return (params as Partial<ChainParams>).governance ?? DEFAULT_GOVERNANCE_PARAMS;
}
