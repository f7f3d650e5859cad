/**
 * The chain parameters a `parameter-change` proposal may set: one table with
 * the dotted name users write (the config.toml key), where the value lives in
 * {@link ChainParams}, how the submitted text converts to the chain's integer
 * unit, and the allowed range. Values are checked at submission and again at
 * execution (a cross-field rule may have changed meanwhile).
 */
import { ChainError } from "../chain/errors.ts";
import { type ChainParams, ENERGY_SOURCES } from "../chain/params.ts";
import { formatScaledDecimal, parseScaledDecimal } from "./scaled_decimal.ts";

/** One governable parameter. */
export interface GovernableParam {
  /** Dotted name, as in config.toml: `carbon_credits.solar`. */
  name: string;
  /** Path into ChainParams: `["carbonCreditsMicroPerWh", "solar"]`. */
  path: readonly string[];
  /** Decimals of the user-facing value; the chain stores value x 10^decimals. */
  decimals: number;
  /** Inclusive range of the chain (integer) value. */
  min: number;
  max: number;
  /** What the user-facing value means, for messages and docs. */
  unit: string;
  /** Rule across parameters, checked on the whole parameter set after the change. */
  crossCheck?: (params: ChainParams) => string | null;
}

const tradeBounds = (p: ChainParams) =>
  p.energy.minTradeWh <= p.energy.maxTradeWh
    ? null
    : `energy.min_trade_amount (${p.energy.minTradeWh} Wh) must not exceed energy.max_trade_amount (${p.energy.maxTradeWh} Wh)`;

/** Every governable parameter, by dotted name. */
export const GOVERNABLE_PARAMS: readonly GovernableParam[] = [
  ...ENERGY_SOURCES.map((source): GovernableParam => ({
    name: `carbon_credits.${source}`,
    path: ["carbonCreditsMicroPerWh", source],
    decimals: 3,
    min: 0,
    max: 10_000,
    unit: "credits per kWh (0..10, at most 3 decimals)",
  })),
  {
    name: "energy.min_trade_amount",
    path: ["energy", "minTradeWh"],
    decimals: 3,
    min: 1,
    max: 1_000_000_000,
    unit: "kWh (0.001..1000000, at most 3 decimals)",
    crossCheck: tradeBounds,
  },
  {
    name: "energy.max_trade_amount",
    path: ["energy", "maxTradeWh"],
    decimals: 3,
    min: 1,
    max: 1_000_000_000,
    unit: "kWh (0.001..1000000, at most 3 decimals)",
    crossCheck: tradeBounds,
  },
  {
    name: "thai_market.peak_hours.start_hour",
    path: ["thaiMarket", "peakHours", "startHour"],
    decimals: 0,
    min: 0,
    max: 23,
    unit: "hour of day, Asia/Bangkok (0..23)",
  },
  {
    name: "thai_market.peak_hours.end_hour",
    path: ["thaiMarket", "peakHours", "endHour"],
    decimals: 0,
    min: 1,
    max: 24,
    unit: "first hour after the peak (1..24)",
  },
  {
    name: "thai_market.peak_hours.pricing_multiplier",
    path: ["thaiMarket", "peakHours", "pricingMultiplierBps"],
    decimals: 4,
    min: 10_000,
    max: 100_000,
    unit: "grid fee multiplier (1..10, at most 4 decimals)",
  },
  {
    name: "consensus.min_tx_fee_satang",
    path: ["fees", "minTxFeeSatang"],
    decimals: 0,
    min: 0,
    max: 1_000_000,
    unit: "satang",
  },
  {
    name: "consensus.max_block_transactions",
    path: ["consensus", "maxBlockTransactions"],
    decimals: 0,
    min: 1,
    max: 1_000_000,
    unit: "transactions",
  },
  {
    name: "consensus.unbonding_blocks",
    path: ["consensus", "unbondingBlocks"],
    decimals: 0,
    min: 0,
    max: 10_000_000,
    unit: "blocks",
  },
  {
    name: "governance.voting_period_blocks",
    path: ["governance", "votingPeriodBlocks"],
    decimals: 0,
    min: 1,
    max: 10_000_000,
    unit: "blocks",
  },
  {
    name: "governance.quorum_bps",
    path: ["governance", "quorumBps"],
    decimals: 0,
    min: 0,
    max: 10_000,
    unit: "basis points",
  },
  {
    name: "governance.threshold_bps",
    path: ["governance", "thresholdBps"],
    decimals: 0,
    min: 1,
    max: 10_000,
    unit: "basis points",
  },
  {
    name: "governance.veto_bps",
    path: ["governance", "vetoBps"],
    decimals: 0,
    min: 1,
    max: 10_000,
    unit: "basis points",
  },
  {
    name: "governance.min_deposit_satang",
    path: ["governance", "minDepositSatang"],
    decimals: 0,
    min: 0,
    max: 1_000_000_000_000,
    unit: "satang",
  },
  {
    name: "governance.execution_delay_blocks",
    path: ["governance", "executionDelayBlocks"],
    decimals: 0,
    min: 0,
    max: 1_000_000,
    unit: "blocks",
  },
  {
    name: "governance.emergency_signatures_required",
    path: ["governance", "emergencySignaturesRequired"],
    decimals: 0,
    min: 1,
    max: 10,
    unit: "authorities",
  },
];

const BY_NAME = new Map(GOVERNABLE_PARAMS.map((p) => [p.name, p]));

/** The governable parameter called `name`, or undefined. */
export function getGovernableParam(name: string): GovernableParam | undefined {
  return BY_NAME.get(name);
}

function invalid(message: string, field: string): ChainError {
  return new ChainError("BAD_PARAMETER_VALUE", message, field);
}

/**
 * Converts a submitted value to the chain's integer and range-checks it.
 * @throws ChainError UNKNOWN_PARAMETER, BAD_PARAMETER_VALUE
 * @example computeParamValue("carbon_credits.solar", "0.7") // {param, value: 700}
 */
export function computeParamValue(
  name: string,
  raw: string | number | boolean | null | undefined,
): { param: GovernableParam; value: number } {
  const param = BY_NAME.get(name);
  if (param === undefined) {
    throw new ChainError(
      "UNKNOWN_PARAMETER",
      `Unknown governable parameter "${name}"; known: ${[...BY_NAME.keys()].join(", ")}`,
      "body.payload.changes.parameter",
    );
  }
  const field = "body.payload.changes.newValue";
  if (typeof raw !== "string" && typeof raw !== "number") {
    throw invalid(`"${name}" needs a value in ${param.unit}, got ${JSON.stringify(raw)}`, field);
  }
  const value = parseScaledDecimal(String(raw), param.decimals);
  if (value === null) {
    throw invalid(`"${name}" must be ${param.unit}, got ${JSON.stringify(raw)}`, field);
  }
  if (value < param.min || value > param.max) {
    throw invalid(
      `"${name}" must be within ${formatScaledDecimal(param.min, param.decimals)}..${
        formatScaledDecimal(param.max, param.decimals)
      } (${param.unit}), got ${JSON.stringify(raw)}`,
      field,
    );
  }
  return { param, value };
}

/** The chain value of a parameter in a parameter set. */
export function getParamValue(params: ChainParams, param: GovernableParam): number | undefined {
  let node: unknown = params;
  for (const key of param.path) node = (node as Record<string, unknown> | undefined)?.[key];
  return typeof node === "number" ? node : undefined;
}

/**
 * A new parameter set with one value replaced (the input is not modified),
 * after the parameter's cross-field rule.
 * @throws ChainError BAD_PARAMETER_VALUE when the cross-field rule fails
 */
export function computeParamsWithChange(
  params: ChainParams,
  param: GovernableParam,
  value: number,
): ChainParams {
  const next = structuredClone(params) as unknown as Record<string, unknown>;
  let node = next;
  param.path.forEach((key, i) => {
    if (i === param.path.length - 1) node[key] = value;
    else {
      node[key] = { ...(node[key] as Record<string, unknown> | undefined ?? {}) };
      node = node[key] as Record<string, unknown>;
    }
  });
  const result = next as unknown as ChainParams;
  const problem = param.crossCheck?.(result) ?? null;
  if (problem !== null) throw invalid(problem, "body.payload.changes.newValue");
  return result;
}
