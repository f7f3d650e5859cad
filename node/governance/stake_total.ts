/**
 * Total bonded stake, the quorum base of governance. The chain core keeps
 * stake per account only, so governance wraps the `stake` and `unstake`
 * processors to keep a running total under `stateKey.totalStake()`. Until the
 * first stake change the total is the genesis validators' stake.
 */
import { addChecked } from "../chain/amounts.ts";
import { processStake, processUnstake } from "../chain/process_transfer.ts";
import { stateKey, type StateOverlay, type StateReader, type Validator } from "../chain/state.ts";
import type { TxProcessor } from "../chain/transition.ts";
import { getAccount } from "../chain/state.ts";

/** All bonded stake, satang. */
export function getTotalStakeSatang(state: StateReader): number {
  const stored = state.get(stateKey.totalStake()) as number | undefined;
  if (stored !== undefined) return stored;
  const validators = (state.get(stateKey.validators()) as Validator[] | undefined) ?? [];
  return validators.reduce((sum, v) => sum + getAccount(state, v.address).stakeSatang, 0);
}

function withTotal(inner: TxProcessor, sign: 1 | -1): TxProcessor {
  return (state: StateOverlay, tx, ctx) => {
    const before = getTotalStakeSatang(state);
    inner(state, tx, ctx);
    const amount = (tx.body.payload as { amountSatang: number }).amountSatang;
    state.set(
      stateKey.totalStake(),
      sign === 1 ? addChecked(before, amount, "body.payload.amountSatang") : before - amount,
    );
  };
}

/** `stake` processor that also maintains the total. */
export const processStakeWithTotal: TxProcessor = withTotal(processStake, 1);
/** `unstake` processor that also maintains the total. */
export const processUnstakeWithTotal: TxProcessor = withTotal(processUnstake, -1);
