/**
 * What each proposal type does: `parseProposalAction` turns the submitted
 * `changes` into a checked action at submission; `executeProposalAction`
 * applies it when the proposal passed. Both throw ChainError with a code.
 *
 * `changes` per type (flat: values are strings, integers, booleans or null):
 * - parameter-change: `{parameter: "carbon_credits.solar", newValue: "0.7"}`
 * - pricing-regulation: any of `price_floor_satang_per_kwh`,
 *   `price_ceiling_satang_per_kwh` (integer or null = remove),
 *   `grid_fee.same_substation|same_zone|same_region|cross_region` (satang/kWh)
 * - authority-management: `{action: "add"|"suspend"|"reactivate"|"remove", name,
 *   publicKey (add), serviceArea: "BKK,NBI" (add), roles: "distribution" (add)}`
 * - grid-emergency: `{action: "declare"|"lift", scope, kind: "halt"|"cap", capKw, reason}`
 * - text: `{}`
 */
import { ChainError } from "../chain/errors.ts";
import type { ChainParams } from "../chain/params.ts";
import { type Authority, stateKey, type StateOverlay, type StateReader } from "../chain/state.ts";
import { getAddressOfPublicKeyHex } from "../chain/transaction.ts";
import {
  AUTHORITY_ROLES,
  type AuthorityRole,
  getAuthorities,
  GRID_SCOPE_REGEX,
} from "./authorities.ts";
import { type EmergencyKind, putEmergency, removeEmergency } from "./emergencies.ts";
import {
  computeParamsWithChange,
  computeParamValue,
  getGovernableParam,
} from "./governable_params.ts";

export const PROPOSAL_TYPES = [
  "parameter-change",
  "pricing-regulation",
  "authority-management",
  "grid-emergency",
  "text",
] as const;
export type ProposalType = typeof PROPOSAL_TYPES[number];

export type ChangeValue = string | number | boolean | null;
export type Changes = Readonly<Record<string, ChangeValue>>;

/** Grid fee distance classes (same names as node/market). */
export const FEE_DISTANCE_CLASSES = [
  "same_substation",
  "same_zone",
  "same_region",
  "cross_region",
] as const;
export type FeeDistanceClass = typeof FEE_DISTANCE_CLASSES[number];

/** Pricing regulation in force; null fields are unregulated. */
export interface PricingRegulation {
  priceFloorSatangPerKwh: number | null;
  priceCeilingSatangPerKwh: number | null;
  /** Grid fee table overriding the market default, satang/kWh, or null. */
  gridFeeSatangPerKwh: Record<FeeDistanceClass, number> | null;
  proposalId: number | null;
  height: number;
}

/** A checked proposal action. Every field is present (null when unused) so it encodes canonically. */
export type ProposalAction =
  | { type: "parameter-change"; parameter: string; value: number; newValue: string }
  | {
    type: "pricing-regulation";
    /** undefined in the input = unchanged; encoded as "keep". */
    priceFloorSatangPerKwh: number | null | "keep";
    priceCeilingSatangPerKwh: number | null | "keep";
    gridFeeSatangPerKwh: Partial<Record<FeeDistanceClass, number>>;
  }
  | {
    type: "authority-management";
    op: "add" | "suspend" | "reactivate" | "remove";
    name: string;
    publicKey: string | null;
    serviceArea: string[] | null;
    roles: AuthorityRole[] | null;
  }
  | {
    type: "grid-emergency";
    op: "declare" | "lift";
    scope: string;
    kind: EmergencyKind;
    capKw: number | null;
    reason: string;
  }
  | { type: "text" };

const FIELD = "body.payload.changes";

function bad(message: string, key?: string): ChainError {
  return new ChainError("BAD_PROPOSAL", message, key ? `${FIELD}.${key}` : FIELD);
}

function onlyKeys(changes: Changes, allowed: readonly string[]): void {
  for (const key of Object.keys(changes)) {
    if (!allowed.includes(key)) {
      throw bad(`Unknown change "${key}"; allowed: ${allowed.join(", ") || "none"}`, key);
    }
  }
}

function str(changes: Changes, key: string, re?: RegExp, what?: string): string {
  const v = changes[key];
  if (typeof v !== "string" || (re && !re.test(v))) {
    throw bad(`"${key}" must be ${what ?? "a string"}, got ${JSON.stringify(v)}`, key);
  }
  return v;
}

function optInt(changes: Changes, key: string, max: number): number | null | undefined {
  if (!(key in changes)) return undefined;
  const v = changes[key];
  if (v === null) return null;
  const n = typeof v === "string" && /^(0|[1-9][0-9]{0,15})$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0 || n > max) {
    throw bad(`"${key}" must be an integer in 0..${max} or null, got ${JSON.stringify(v)}`, key);
  }
  return n;
}

function list(changes: Changes, key: string): string[] {
  const v = changes[key];
  if (typeof v !== "string" || v.trim() === "") {
    throw bad(`"${key}" must be a comma-separated list, got ${JSON.stringify(v)}`, key);
  }
  return v.split(",").map((s) => s.trim()).filter((s) => s !== "");
}

const MAX_PRICE_SATANG_PER_KWH = 1_000_000;
const AUTHORITY_NAME = /^[A-Z][A-Z0-9_]{1,31}$/;

/**
 * Checks a proposal's `changes` against its type and the current state.
 * @throws ChainError BAD_PROPOSAL, UNKNOWN_PARAMETER, BAD_PARAMETER_VALUE
 */
export function parseProposalAction(
  type: ProposalType,
  changes: Changes,
  state: StateReader,
  params: ChainParams,
): ProposalAction {
  switch (type) {
    case "parameter-change": {
      onlyKeys(changes, ["parameter", "newValue"]);
      const parameter = str(changes, "parameter", undefined, "a parameter name");
      const { param, value } = computeParamValue(parameter, changes.newValue);
      computeParamsWithChange(params, param, value);
      return { type, parameter, value, newValue: String(changes.newValue) };
    }
    case "pricing-regulation": {
      const feeKeys = FEE_DISTANCE_CLASSES.map((c) => `grid_fee.${c}`);
      onlyKeys(changes, ["price_floor_satang_per_kwh", "price_ceiling_satang_per_kwh", ...feeKeys]);
      if (Object.keys(changes).length === 0) {
        throw bad("A pricing regulation must change something");
      }
      const floor = optInt(changes, "price_floor_satang_per_kwh", MAX_PRICE_SATANG_PER_KWH);
      const ceiling = optInt(changes, "price_ceiling_satang_per_kwh", MAX_PRICE_SATANG_PER_KWH);
      const fees: Partial<Record<FeeDistanceClass, number>> = {};
      for (const c of FEE_DISTANCE_CLASSES) {
        const v = optInt(changes, `grid_fee.${c}`, 100_000);
        if (v === null) throw bad(`"grid_fee.${c}" cannot be null`, `grid_fee.${c}`);
        if (v !== undefined) fees[c] = v;
      }
      const current = getPricingRegulation(state);
      const f = floor === undefined ? current?.priceFloorSatangPerKwh ?? null : floor;
      const c = ceiling === undefined ? current?.priceCeilingSatangPerKwh ?? null : ceiling;
      if (f !== null && c !== null && f > c) {
        throw bad(
          `Price floor ${f} is above the ceiling ${c} satang/kWh`,
          "price_floor_satang_per_kwh",
        );
      }
      return {
        type,
        priceFloorSatangPerKwh: floor === undefined ? "keep" : floor,
        priceCeilingSatangPerKwh: ceiling === undefined ? "keep" : ceiling,
        gridFeeSatangPerKwh: fees,
      };
    }
    case "authority-management": {
      const op = str(
        changes,
        "action",
        /^(add|suspend|reactivate|remove)$/,
        "add, suspend, reactivate or remove",
      ) as
        | "add"
        | "suspend"
        | "reactivate"
        | "remove";
      const name = str(changes, "name", AUTHORITY_NAME, "an upper-case authority name like MEA");
      const exists = getAuthorities(state).some((a) => a.name === name);
      if (op !== "add") {
        onlyKeys(changes, ["action", "name"]);
        if (!exists) throw bad(`No authority named ${name}`, "name");
        return { type, op, name, publicKey: null, serviceArea: null, roles: null };
      }
      onlyKeys(changes, ["action", "name", "publicKey", "serviceArea", "roles"]);
      if (exists) throw bad(`An authority named ${name} already exists`, "name");
      const publicKey = str(
        changes,
        "publicKey",
        /^[0-9a-f]{64}$/,
        "an Ed25519 public key (64 lowercase hex)",
      );
      const serviceArea = list(changes, "serviceArea");
      for (const area of serviceArea) {
        if (area !== "*" && !/^[A-Z]{2,4}$/.test(area)) {
          throw bad(
            `Service area entries are region codes like BKK or "*", got "${area}"`,
            "serviceArea",
          );
        }
      }
      const roles = list(changes, "roles");
      for (const role of roles) {
        if (!(AUTHORITY_ROLES as readonly string[]).includes(role)) {
          throw bad(`Unknown role "${role}"; roles: ${AUTHORITY_ROLES.join(", ")}`, "roles");
        }
      }
      return { type, op, name, publicKey, serviceArea, roles: roles as AuthorityRole[] };
    }
    case "grid-emergency": {
      onlyKeys(changes, ["action", "scope", "kind", "capKw", "reason"]);
      const op = str(changes, "action", /^(declare|lift)$/, "declare or lift") as
        | "declare"
        | "lift";
      const scope = str(
        changes,
        "scope",
        GRID_SCOPE_REGEX,
        'a region, zone or substation like "BKK-01"',
      );
      const kind = (changes.kind ?? "halt") as EmergencyKind;
      if (kind !== "halt" && kind !== "cap") throw bad(`"kind" must be halt or cap`, "kind");
      const capKw = optInt(changes, "capKw", 10_000_000) ?? null;
      if (op === "declare" && kind === "cap" && capKw === null) {
        throw bad('A "cap" needs capKw', "capKw");
      }
      const reason = typeof changes.reason === "string" ? changes.reason.slice(0, 500) : "";
      return { type, op, scope, kind, capKw: kind === "cap" ? capKw : null, reason };
    }
    case "text":
      onlyKeys(changes, []);
      return { type };
  }
}

/** Pricing regulation in force, or undefined when none was ever set. */
export function getPricingRegulation(state: StateReader): PricingRegulation | undefined {
  return state.get(stateKey.pricingRegulation()) as PricingRegulation | undefined;
}

/**
 * Applies a passed proposal's action.
 * @throws ChainError when the action is no longer valid (the proposal then fails)
 */
export function executeProposalAction(
  state: StateOverlay,
  proposal: { id: number; action: ProposalAction; approvedBy: readonly string[] },
  height: number,
): void {
  const action = proposal.action;
  switch (action.type) {
    case "parameter-change": {
      const param = getGovernableParam(action.parameter);
      if (param === undefined) throw bad(`Unknown parameter ${action.parameter}`);
      state.set(stateKey.params(), computeParamsWithChange(state.getParams(), param, action.value));
      return;
    }
    case "pricing-regulation": {
      if (proposal.approvedBy.length === 0) {
        throw new ChainError(
          "NOT_APPROVED",
          "Pricing regulation needs approval by a regulator authority (ERC) before execution",
        );
      }
      const current = getPricingRegulation(state);
      const floor = action.priceFloorSatangPerKwh === "keep"
        ? current?.priceFloorSatangPerKwh ?? null
        : action.priceFloorSatangPerKwh;
      const ceiling = action.priceCeilingSatangPerKwh === "keep"
        ? current?.priceCeilingSatangPerKwh ?? null
        : action.priceCeilingSatangPerKwh;
      if (floor !== null && ceiling !== null && floor > ceiling) {
        throw bad(`Price floor ${floor} is above the ceiling ${ceiling} satang/kWh`);
      }
      const hasFees = Object.keys(action.gridFeeSatangPerKwh).length > 0;
      const baseFees = current?.gridFeeSatangPerKwh ?? null;
      let fees = baseFees;
      if (hasFees) {
        fees = { ...(baseFees ?? DEFAULT_REGULATED_FEES), ...action.gridFeeSatangPerKwh };
      }
      const next: PricingRegulation = {
        priceFloorSatangPerKwh: floor,
        priceCeilingSatangPerKwh: ceiling,
        gridFeeSatangPerKwh: fees,
        proposalId: proposal.id,
        height,
      };
      state.set(stateKey.pricingRegulation(), next);
      if (hasFees && fees !== null) {
        // The market charges the fee table in the chain parameters; keep both in step.
        const params = state.getParams() as ChainParams & {
          market?: { gridFeeSatangPerKwh?: Record<FeeDistanceClass, number> };
        };
        if (params.market?.gridFeeSatangPerKwh !== undefined) {
          state.set(stateKey.params(), {
            ...params,
            market: { ...params.market, gridFeeSatangPerKwh: { ...fees } },
          });
        }
      }
      return;
    }
    case "authority-management": {
      const all = getAuthorities(state);
      const target = all.find((a) => a.name === action.name);
      let next: Authority[];
      if (action.op === "add") {
        if (target !== undefined) throw bad(`An authority named ${action.name} already exists`);
        next = [...all, {
          name: action.name,
          publicKey: action.publicKey!,
          address: getAddressOfPublicKeyHex(action.publicKey!),
          serviceArea: action.serviceArea!,
          status: "active",
          roles: action.roles!,
        }];
      } else {
        if (target === undefined) throw bad(`No authority named ${action.name}`);
        next = action.op === "remove"
          ? all.filter((a) => a.name !== action.name)
          : all.map((a) =>
            a.name === action.name
              ? { ...a, status: action.op === "suspend" ? "suspended" as const : "active" as const }
              : a
          );
      }
      state.set(stateKey.authorities(), next);
      return;
    }
    case "grid-emergency":
      if (action.op === "declare") {
        putEmergency(state, {
          scope: action.scope,
          kind: action.kind,
          capKw: action.capKw,
          declaredBy: ["governance"],
          proposalId: proposal.id,
          reason: action.reason,
          height,
        });
      } else {
        removeEmergency(state, action.scope);
      }
      return;
    case "text":
      return;
  }
}

/** Fee table used as the base when a regulation first sets some classes (market defaults). */
export const DEFAULT_REGULATED_FEES: Readonly<Record<FeeDistanceClass, number>> = {
  same_substation: 10,
  same_zone: 25,
  same_region: 50,
  cross_region: 100,
};
