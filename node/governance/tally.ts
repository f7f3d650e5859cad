/**
 * Tallying: pure arithmetic on stake-weighted votes. Weight = the voter's
 * bonded stake (`stakeSatang`) at tally time, so stake moved away after
 * voting does not count. Order of the rules:
 * 1. quorum: votes of any choice must reach `quorumBps` of all bonded stake, else rejected;
 * 2. veto: veto > `vetoBps` of all votes -> vetoed (deposit burned);
 * 3. threshold: yes > `thresholdBps` of (yes + no) -> passed, else rejected.
 */
import type { GovernanceParams } from "../chain/params.ts";

export type VoteChoice = "yes" | "no" | "abstain" | "veto";
export const VOTE_CHOICES: readonly VoteChoice[] = ["yes", "no", "abstain", "veto"];

/** Stake-weighted totals of a proposal's votes, satang. */
export interface Tally {
  yesSatang: number;
  noSatang: number;
  abstainSatang: number;
  vetoSatang: number;
  /** All bonded stake at tally time: the quorum base. */
  totalStakeSatang: number;
  voters: number;
}

export type TallyOutcome = "passed" | "rejected" | "vetoed";

/**
 * Sums votes weighted by `stakeOf(address)`. Addresses are visited in sorted
 * order so the sum never depends on insertion order.
 */
export function computeTally(
  votes: Readonly<Record<string, VoteChoice>>,
  stakeOf: (address: string) => number,
  totalStakeSatang: number,
): Tally {
  const tally: Tally = {
    yesSatang: 0,
    noSatang: 0,
    abstainSatang: 0,
    vetoSatang: 0,
    totalStakeSatang,
    voters: 0,
  };
  for (const address of Object.keys(votes).sort()) {
    const weight = stakeOf(address);
    const choice = votes[address]!;
    tally[`${choice}Satang` as const] += weight;
    tally.voters += 1;
  }
  return tally;
}

/** `a / b > bps / 10_000` (or `>=` when `inclusive`) in exact integer arithmetic. */
function exceedsShare(a: number, b: number, bps: number, inclusive: boolean): boolean {
  const lhs = BigInt(a) * 10_000n;
  const rhs = BigInt(b) * BigInt(bps);
  return inclusive ? lhs >= rhs : lhs > rhs;
}

/**
 * The outcome of a tally under the governance parameters, with the reason.
 * @example computeTallyOutcome({yesSatang: 60, noSatang: 40, abstainSatang: 0, vetoSatang: 0, totalStakeSatang: 100, voters: 2}, params).outcome // "passed"
 */
export function computeTallyOutcome(
  tally: Tally,
  params: Pick<GovernanceParams, "quorumBps" | "thresholdBps" | "vetoBps">,
): { outcome: TallyOutcome; reason: string } {
  const voted = tally.yesSatang + tally.noSatang + tally.abstainSatang + tally.vetoSatang;
  if (voted === 0 || !exceedsShare(voted, tally.totalStakeSatang, params.quorumBps, true)) {
    return {
      outcome: "rejected",
      reason: `no quorum: ${voted} of ${tally.totalStakeSatang} satang staked voted, ` +
        `${params.quorumBps} bps needed`,
    };
  }
  if (exceedsShare(tally.vetoSatang, voted, params.vetoBps, false)) {
    return {
      outcome: "vetoed",
      reason: `vetoed: ${tally.vetoSatang} of ${voted} satang voted veto (> ${params.vetoBps} bps)`,
    };
  }
  const decisive = tally.yesSatang + tally.noSatang;
  if (decisive > 0 && exceedsShare(tally.yesSatang, decisive, params.thresholdBps, false)) {
    return {
      outcome: "passed",
      reason:
        `passed: ${tally.yesSatang} yes of ${decisive} satang yes+no (> ${params.thresholdBps} bps)`,
    };
  }
  return {
    outcome: "rejected",
    reason:
      `rejected: ${tally.yesSatang} yes of ${decisive} satang yes+no (needs > ${params.thresholdBps} bps)`,
  };
}
