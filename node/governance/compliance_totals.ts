/** Cumulative counters kept in chain state so a compliance report can reconcile against them. */
import { stateKey, type StateOverlay, type StateReader } from "../chain/state.ts";

export interface ComplianceTotals {
  /** Settlement balance that entered through authority deposits, satang. */
  depositedSatang: number;
  /** Proposal deposits burned (vetoed proposals), satang. */
  burnedSatang: number;
  participants: number;
  meters: number;
  emergenciesDeclared: number;
  emergenciesLifted: number;
}

export const EMPTY_COMPLIANCE_TOTALS: Readonly<ComplianceTotals> = Object.freeze({
  depositedSatang: 0,
  burnedSatang: 0,
  participants: 0,
  meters: 0,
  emergenciesDeclared: 0,
  emergenciesLifted: 0,
});

export function getComplianceTotals(state: StateReader): ComplianceTotals {
  return (state.get(stateKey.complianceTotals()) as ComplianceTotals | undefined) ??
    EMPTY_COMPLIANCE_TOTALS;
}

/** Adds `delta` to the counters. */
export function addComplianceTotals(state: StateOverlay, delta: Partial<ComplianceTotals>): void {
  const t = getComplianceTotals(state);
  const next = { ...t };
  for (const [k, v] of Object.entries(delta) as [keyof ComplianceTotals, number][]) {
    next[k] = t[k] + v;
  }
  state.set(stateKey.complianceTotals(), next);
}
