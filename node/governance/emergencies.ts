/**
 * Grid emergencies: trading halted or capped in a region, zone or substation.
 * Declared or lifted directly by authorities (`emergencySignaturesRequired`
 * distinct authorities sign the same action; the chain records who) or by a
 * passed `grid-emergency` proposal. The market reads `getHaltedScopes` and
 * `getCappedScopes` every block.
 */
import { ChainError } from "../chain/errors.ts";
import { stateKey, type StateOverlay, type StateReader } from "../chain/state.ts";
import { addComplianceTotals } from "./compliance_totals.ts";

export type EmergencyKind = "halt" | "cap";

/** An emergency in force. */
export interface GridEmergency {
  /** `BKK`, `BKK-01` or `BKK-01-SUB001`; covers everything under it. */
  scope: string;
  kind: EmergencyKind;
  /** For `cap`: the most power that may be scheduled through the scope, kW. */
  capKw: number | null;
  /** Authority names that signed, or `governance` for a proposal. */
  declaredBy: string[];
  /** Proposal that declared it, if any. */
  proposalId: number | null;
  reason: string;
  /** Height at which it took effect. */
  height: number;
}

/** A declaration or lift still collecting signatures. */
export interface PendingEmergencyAction {
  action: "declare" | "lift";
  scope: string;
  kind: EmergencyKind | null;
  capKw: number | null;
  reason: string;
  signers: string[];
  firstHeight: number;
  /** Block time of the first signature; the action lapses {@link EMERGENCY_SIGNATURE_WINDOW_MS} after it. */
  firstTimestampMs: number;
}

/**
 * How long (block time) a declaration or lift waits for its other signatures.
 * After that it lapses: a signature given an hour ago for a situation that
 * has passed must not combine with a new one into an emergency nobody wants now.
 */
export const EMERGENCY_SIGNATURE_WINDOW_MS = 3_600_000;

/** Whether a pending action still collects signatures at block time `nowMs`. */
export function isPendingActionOpen(p: PendingEmergencyAction, nowMs: number): boolean {
  return nowMs - (p.firstTimestampMs ?? 0) <= EMERGENCY_SIGNATURE_WINDOW_MS;
}

/** Emergencies in force, in declaration order. */
export function getGridEmergencies(state: StateReader): GridEmergency[] {
  return (state.get(stateKey.gridEmergencies()) as GridEmergency[] | undefined) ?? [];
}

/**
 * Scopes where trading is halted (`BKK`, `BKK-01`, `BKK-01-SUB001`); pass to
 * the matcher as `haltedLocations`. An order's location is halted when it
 * equals a scope or starts with `scope + "-"`.
 */
export function getHaltedScopes(state: StateReader): string[] {
  return getGridEmergencies(state).filter((e) => e.kind === "halt").map((e) => e.scope);
}

/** Scopes with a power cap, kW. */
export function getCappedScopes(state: StateReader): { scope: string; capKw: number }[] {
  return getGridEmergencies(state)
    .filter((e) => e.kind === "cap" && e.capKw !== null)
    .map((e) => ({ scope: e.scope, capKw: e.capKw! }));
}

/** True when `location` lies under `scope`. */
export function isUnderScope(location: string, scope: string): boolean {
  return location === scope || location.startsWith(scope + "-");
}

/** Declarations and lifts collecting signatures (pass the head's block time to leave out lapsed ones). */
export function getPendingEmergencyActions(
  state: StateReader,
  nowMs?: number,
): PendingEmergencyAction[] {
  const all = (state.get(stateKey.pendingEmergencies()) as PendingEmergencyAction[] | undefined) ??
    [];
  return nowMs === undefined ? all : all.filter((p) => isPendingActionOpen(p, nowMs));
}

/** Puts an emergency in force, replacing one on the same scope. */
export function putEmergency(state: StateOverlay, emergency: GridEmergency): void {
  const rest = getGridEmergencies(state).filter((e) => e.scope !== emergency.scope);
  state.set(stateKey.gridEmergencies(), [...rest, emergency]);
  addComplianceTotals(state, { emergenciesDeclared: 1 });
}

/**
 * Ends the emergency on `scope`.
 * @throws ChainError NO_EMERGENCY when none is in force there
 */
export function removeEmergency(state: StateOverlay, scope: string): GridEmergency {
  const all = getGridEmergencies(state);
  const found = all.find((e) => e.scope === scope);
  if (found === undefined) {
    throw new ChainError(
      "NO_EMERGENCY",
      `No grid emergency is in force on ${scope}`,
      "body.payload.args.scope",
    );
  }
  state.set(stateKey.gridEmergencies(), all.filter((e) => e.scope !== scope));
  addComplianceTotals(state, { emergenciesLifted: 1 });
  return found;
}

/**
 * Records one authority's signature on a declaration or lift; applies it once
 * `required` distinct authorities signed the same action (same scope, kind
 * and cap) within {@link EMERGENCY_SIGNATURE_WINDOW_MS} of block time of the
 * first signature (lapsed actions are dropped here). `at` is the block's
 * height and timestamp. Returns "applied" or "pending".
 * @throws ChainError ALREADY_SIGNED, NO_EMERGENCY
 */
export function processEmergencySignature(
  state: StateOverlay,
  signer: string,
  action: Omit<PendingEmergencyAction, "signers" | "firstHeight" | "firstTimestampMs">,
  at: { height: number; timestampMs: number },
  required: number,
): "applied" | "pending" {
  const height = at.height;
  if (
    action.action === "lift" && !getGridEmergencies(state).some((e) => e.scope === action.scope)
  ) {
    throw new ChainError(
      "NO_EMERGENCY",
      `No grid emergency is in force on ${action.scope}`,
      "body.payload.args.scope",
    );
  }
  const stored = getPendingEmergencyActions(state);
  const pending = getPendingEmergencyActions(state, at.timestampMs);
  const same = (p: PendingEmergencyAction) =>
    p.action === action.action && p.scope === action.scope && p.kind === action.kind &&
    p.capKw === action.capKw;
  const existing = pending.find(same);
  if (existing?.signers.includes(signer)) {
    throw new ChainError(
      "ALREADY_SIGNED",
      `${signer} already signed this ${action.action} on ${action.scope}`,
      "body.payload.args",
    );
  }
  const entry: PendingEmergencyAction = existing
    ? { ...existing, signers: [...existing.signers, signer] }
    : { ...action, signers: [signer], firstHeight: height, firstTimestampMs: at.timestampMs };
  const others = pending.filter((p) => !same(p));
  if (entry.signers.length < required) {
    state.set(stateKey.pendingEmergencies(), [...others, entry]);
    return "pending";
  }
  if (others.length === 0) {
    if (stored.length > 0) state.delete(stateKey.pendingEmergencies());
  } else state.set(stateKey.pendingEmergencies(), others);
  if (entry.action === "declare") {
    putEmergency(state, {
      scope: entry.scope,
      kind: entry.kind ?? "halt",
      capKw: entry.capKw,
      declaredBy: entry.signers,
      proposalId: null,
      reason: entry.reason,
      height,
    });
  } else {
    removeEmergency(state, entry.scope);
  }
  return "applied";
}
