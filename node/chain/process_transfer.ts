/** Transfers, staking and unbonding. */
import { addChecked } from "./amounts.ts";
import { ChainError } from "./errors.ts";
import { stateKey, type StateOverlay, type Validator } from "./state.ts";
import type { BlockContext } from "./transition.ts";
import type { Tx } from "./transaction.ts";

/** Moves settlement balance and/or energy tokens from the sender to `to`. */
export function processTransfer(state: StateOverlay, tx: Tx, _ctx: BlockContext): void {
  if (tx.body.kind !== "transfer") throw new Error("processTransfer called with " + tx.body.kind);
  const { to, amountSatang, amountWh } = tx.body.payload;
  const sender = state.getAccount(tx.sender);
  if (sender.balanceSatang < amountSatang) {
    throw new ChainError(
      "INSUFFICIENT_BALANCE",
      `Balance ${sender.balanceSatang} satang is less than ${amountSatang} (after the fee)`,
      "body.payload.amountSatang",
    );
  }
  if (sender.energyWh < amountWh) {
    throw new ChainError(
      "INSUFFICIENT_ENERGY",
      `Energy ${sender.energyWh} Wh is less than ${amountWh}`,
      "body.payload.amountWh",
    );
  }
  state.setAccount(tx.sender, {
    ...sender,
    balanceSatang: sender.balanceSatang - amountSatang,
    energyWh: sender.energyWh - amountWh,
  });
  const recipient = state.getAccount(to);
  state.setAccount(to, {
    ...recipient,
    balanceSatang: addChecked(recipient.balanceSatang, amountSatang, "body.payload.amountSatang"),
    energyWh: addChecked(recipient.energyWh, amountWh, "body.payload.amountWh"),
  });
}

/** Bonds settlement balance as stake. */
export function processStake(state: StateOverlay, tx: Tx, ctx: BlockContext): void {
  if (tx.body.kind !== "stake") throw new Error("processStake called with " + tx.body.kind);
  const { amountSatang } = tx.body.payload;
  const account = state.getAccount(tx.sender);
  if (account.balanceSatang < amountSatang) {
    throw new ChainError(
      "INSUFFICIENT_BALANCE",
      `Balance ${account.balanceSatang} satang is less than the stake ${amountSatang}`,
      "body.payload.amountSatang",
    );
  }
  const stakeSatang = addChecked(account.stakeSatang, amountSatang, "body.payload.amountSatang");
  state.setAccount(tx.sender, {
    ...account,
    balanceSatang: account.balanceSatang - amountSatang,
    stakeSatang,
  });
  joinValidatorSetIfEligible(state, tx.body.from, tx.sender, stakeSatang, ctx);
}

/**
 * A staker whose bonded stake reaches `minValidatorStakeSatang` joins the
 * validator set (effective from the next height: the set of height h is read
 * from the state after h-1). Jailed addresses never rejoin.
 */
function joinValidatorSetIfEligible(
  state: StateOverlay,
  publicKey: string,
  address: string,
  stakeSatang: number,
  ctx: BlockContext,
): void {
  if (stakeSatang < ctx.params.consensus.minValidatorStakeSatang) return;
  if (state.get(stateKey.jailed(address)) !== undefined) return;
  const validators = (state.get(stateKey.validators()) as Validator[] | undefined) ?? [];
  if (validators.some((v) => v.address === address)) return;
  state.set(stateKey.validators(), [...validators, { publicKey, address }]);
}

/** Unbonds stake; it returns to the balance `unbondingBlocks` later. */
export function processUnstake(state: StateOverlay, tx: Tx, ctx: BlockContext): void {
  if (tx.body.kind !== "unstake") throw new Error("processUnstake called with " + tx.body.kind);
  const { amountSatang } = tx.body.payload;
  const account = state.getAccount(tx.sender);
  if (account.stakeSatang < amountSatang) {
    throw new ChainError(
      "INSUFFICIENT_STAKE",
      `Stake ${account.stakeSatang} satang is less than ${amountSatang}`,
      "body.payload.amountSatang",
    );
  }
  const releaseHeight = ctx.height + ctx.params.consensus.unbondingBlocks;
  state.setAccount(tx.sender, {
    ...account,
    stakeSatang: account.stakeSatang - amountSatang,
    unbonding: [...account.unbonding, [releaseHeight, amountSatang] as const],
  });
  const key = stateKey.unbondingAt(releaseHeight);
  const due = (state.get(key) as [string, number][] | undefined) ?? [];
  state.set(key, [...due, [tx.sender, amountSatang]]);
  leaveValidatorSetIfBelowMinimum(state, tx.sender, account.stakeSatang - amountSatang, ctx);
}

/**
 * A validator whose stake falls below `minValidatorStakeSatang` leaves the set
 * (from the next height). The last validator with stake is refused instead:
 * an empty set would halt the chain for good.
 */
function leaveValidatorSetIfBelowMinimum(
  state: StateOverlay,
  address: string,
  stakeSatang: number,
  ctx: BlockContext,
): void {
  if (stakeSatang >= ctx.params.consensus.minValidatorStakeSatang) return;
  const validators = (state.get(stateKey.validators()) as Validator[] | undefined) ?? [];
  if (!validators.some((v) => v.address === address)) return;
  const rest = validators.filter((v) => v.address !== address);
  if (!rest.some((v) => state.getAccount(v.address).stakeSatang > 0)) {
    throw new ChainError(
      "LAST_VALIDATOR",
      `Unstaking would leave no validator with stake; ${address} is the last one`,
      "body.payload.amountSatang",
    );
  }
  state.set(stateKey.validators(), rest);
}

/** Begin-block hook: returns the unbonded stake that is due at this height. */
export function processUnbondingReleases(state: StateOverlay, ctx: BlockContext): void {
  const key = stateKey.unbondingAt(ctx.height);
  const due = state.get(key) as [string, number][] | undefined;
  if (due === undefined) return;
  for (const [address, amountSatang] of due) {
    const account = state.getAccount(address);
    state.setAccount(address, {
      ...account,
      balanceSatang: addChecked(account.balanceSatang, amountSatang, "unbonding"),
      unbonding: account.unbonding.filter(([h]) => h !== ctx.height),
    });
  }
  state.delete(key);
}
