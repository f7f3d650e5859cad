/**
 * The voters of a height: validators (bonded stake) and authority nodes
 * (EGAT, MEA, PEA, ERC), with their voting power, read from chain state.
 *
 * The set of height h is computed from the state after block h-1, so stake,
 * unstake, slashing and jailing change voting power from the next height.
 *
 * Voting power (integers, satang-denominated):
 * - a validator: its bonded `stakeSatang` (validators listed under
 *   `stateKey.validators()` with stake > 0);
 * - an active authority: `floor(totalStake * authorityVotingPowerBps / 10_000 / n)`
 *   where n is the number of active authorities. With the bps capped at
 *   5_000, authorities together hold at most 1/3 of all power: they can
 *   neither finalize a block without validators nor, alone, stop the chain.
 */
import { type Authority, stateKey, type StateReader, type Validator } from "../chain/state.ts";
import { getAccount } from "../chain/state.ts";
import type { ChainParams } from "../chain/params.ts";

/** One voter of a height. */
export interface Voter {
  /** Ed25519 public key, hex. */
  publicKey: string;
  address: string;
  /** Voting power (validators: stake in satang). */
  power: number;
  role: "validator" | "authority";
  /** Authority name (EGAT, ...); "" for validators. */
  name: string;
}

/** Voters of one height, immutable. */
export class ValidatorSet {
  /** Validators with stake > 0, sorted by address (the proposer walk order). */
  readonly validators: readonly Voter[];
  /** Active authorities with power > 0, sorted by address. */
  readonly authorities: readonly Voter[];
  /** Sum of validator stake, satang. */
  readonly totalStakeSatang: number;
  /** Sum of all voting power. */
  readonly totalPower: number;
  readonly #powerByKey = new Map<string, number>();

  constructor(validators: readonly Voter[], authorities: readonly Voter[]) {
    const byAddress = (
      a: Voter,
      b: Voter,
    ) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0);
    this.validators = [...validators].sort(byAddress);
    this.authorities = [...authorities].sort(byAddress);
    let stake = 0;
    for (const v of this.validators) stake += v.power;
    let total = stake;
    for (const a of this.authorities) total += a.power;
    if (!Number.isSafeInteger(total)) throw new RangeError("Total voting power exceeds 2^53");
    this.totalStakeSatang = stake;
    this.totalPower = total;
    for (const v of [...this.validators, ...this.authorities]) {
      // A key that is both validator and authority votes once with both weights.
      this.#powerByKey.set(v.publicKey, (this.#powerByKey.get(v.publicKey) ?? 0) + v.power);
    }
  }

  /** Voting power of a public key (0 when it is not a voter). */
  getPower(publicKey: string): number {
    return this.#powerByKey.get(publicKey) ?? 0;
  }

  /** True when the key may vote at this height. */
  isVoter(publicKey: string): boolean {
    return this.getPower(publicKey) > 0;
  }

  /** True when the key may propose (validators only). */
  isValidator(publicKey: string): boolean {
    return this.validators.some((v) => v.publicKey === publicKey);
  }

  /** Power needed for a quorum: the smallest integer > 2/3 of the total. */
  get quorumPower(): number {
    return Math.floor((this.totalPower * 2) / 3) + 1;
  }
}

/**
 * True when `power` is strictly more than 2/3 of `totalPower`
 * (exact: `3 * power > 2 * total`, in BigInt).
 *
 * @example isAboveTwoThirds(67, 100) // true; isAboveTwoThirds(2, 3) // false
 */
export function isAboveTwoThirds(power: number, totalPower: number): boolean {
  return BigInt(power) * 3n > BigInt(totalPower) * 2n;
}

/** True when `power` is strictly more than 1/3 of `totalPower` (`3 * power > total`). */
export function isAboveOneThird(power: number, totalPower: number): boolean {
  return BigInt(power) * 3n > BigInt(totalPower);
}

/**
 * Power of each active authority for a total validator stake: the
 * authorities' combined share `authorityVotingPowerBps` of the stake, split
 * equally (rounded down).
 */
export function computeAuthorityPower(
  totalStakeSatang: number,
  authorityVotingPowerBps: number,
  activeAuthorities: number,
): number {
  if (activeAuthorities <= 0) return 0;
  return Number(
    (BigInt(totalStakeSatang) * BigInt(authorityVotingPowerBps)) /
      (10_000n * BigInt(activeAuthorities)),
  );
}

/**
 * The voters of the next height, from the committed state after the parent.
 *
 * @example
 * const set = computeValidatorSet(node.state); // set of height head+1
 */
export function computeValidatorSet(state: StateReader): ValidatorSet {
  const params = state.get(stateKey.params()) as ChainParams;
  const listed = (state.get(stateKey.validators()) as Validator[] | undefined) ?? [];
  const validators: Voter[] = [];
  for (const v of listed) {
    const stake = getAccount(state, v.address).stakeSatang;
    if (stake > 0) {
      validators.push({
        publicKey: v.publicKey,
        address: v.address,
        power: stake,
        role: "validator",
        name: "",
      });
    }
  }
  const stake = validators.reduce((s, v) => s + v.power, 0);
  const active = ((state.get(stateKey.authorities()) as Authority[] | undefined) ?? [])
    .filter((a) => a.status === "active");
  const each = computeAuthorityPower(
    stake,
    params.consensus.authorityVotingPowerBps,
    active.length,
  );
  const authorities: Voter[] = each === 0 ? [] : active.map((a) => ({
    publicKey: a.publicKey,
    address: a.address,
    power: each,
    role: "authority" as const,
    name: a.name,
  }));
  return new ValidatorSet(validators, authorities);
}
