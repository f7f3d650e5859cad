/**
 * Market parameters: the slice of chain parameters the matcher reads, plus
 * the market-only values that the chain parameters do not (yet) carry.
 */
import type { ChainParams, EnergySource } from "../chain/params.ts";
import { MarketError } from "./errors.ts";
import { isIntIn, MAX_FEE_SATANG_PER_KWH, MAX_ORDER_WH } from "./units.ts";

/** How far a trade's energy travels; the grid fee grows with it. */
export type DistanceClass = "same_substation" | "same_zone" | "same_region" | "cross_region";

/** Distance classes, nearest first. */
export const DISTANCE_CLASSES: readonly DistanceClass[] = [
  "same_substation",
  "same_zone",
  "same_region",
  "cross_region",
];

/** Everything the matcher needs to know from the chain parameters. */
export interface MarketParams {
  /** Length of a delivery interval, ms (default 15 minutes). Capacity is per interval. */
  intervalMs: number;
  /** Smallest order accepted, Wh. */
  minOrderWh: number;
  /** Largest order accepted, Wh. */
  maxOrderWh: number;
  peakHours: {
    /** First peak hour, 0..23, Asia/Bangkok (UTC+7, no DST). */
    startHour: number;
    /** First hour after the peak, 1..24. start > end means the peak spans midnight. */
    endHour: number;
    /** Grid fee multiplier during peak hours, basis points (15_000 = x1.5). */
    pricingMultiplierBps: number;
  };
  /** Grid (wheeling) fee, satang per kWh, by distance class (off-peak). */
  gridFeeSatangPerKwh: Record<DistanceClass, number>;
  /** Carbon micro-credits per Wh credited to the seller, by source. */
  carbonCreditsMicroPerWh: Record<EnergySource, number>;
  /**
   * Most resting counter-orders one incoming order examines (matched or
   * skipped). Bounds the work of one order when many counter-orders are
   * ineligible (wrong source, congested, halted); part of consensus.
   */
  maxScanPerOrder: number;
}

/** Default grid fee table, satang/kWh (0.10 / 0.25 / 0.50 / 1.00 THB/kWh). */
export const DEFAULT_GRID_FEE_SATANG_PER_KWH: Readonly<Record<DistanceClass, number>> = {
  same_substation: 10,
  same_zone: 25,
  same_region: 50,
  cross_region: 100,
};

/** Default delivery interval: 15 minutes. */
export const DEFAULT_INTERVAL_MS = 900_000;
/** Default scan bound per incoming order. */
export const DEFAULT_MAX_SCAN_PER_ORDER = 256;

/** Market parameters matching the product description's defaults. */
export const DEFAULT_MARKET_PARAMS: Readonly<MarketParams> = {
  intervalMs: DEFAULT_INTERVAL_MS,
  minOrderWh: 100,
  maxOrderWh: 10_000_000,
  peakHours: { startHour: 18, endHour: 22, pricingMultiplierBps: 15_000 },
  gridFeeSatangPerKwh: { ...DEFAULT_GRID_FEE_SATANG_PER_KWH },
  carbonCreditsMicroPerWh: { solar: 500, wind: 600, hydro: 400, biomass: 300, geothermal: 700 },
  maxScanPerOrder: DEFAULT_MAX_SCAN_PER_ORDER,
};

/**
 * Build market parameters from chain parameters. `intervalMs`, the fee table
 * and the scan bound are not in {@link ChainParams} yet; they come from
 * `extra` or the defaults.
 */
export function marketParamsFromChain(
  chain: ChainParams,
  extra: Partial<Pick<MarketParams, "intervalMs" | "gridFeeSatangPerKwh" | "maxScanPerOrder">> = {},
): MarketParams {
  const p: MarketParams = {
    intervalMs: extra.intervalMs ?? DEFAULT_INTERVAL_MS,
    minOrderWh: chain.energy.minTradeWh,
    maxOrderWh: chain.energy.maxTradeWh,
    peakHours: { ...chain.thaiMarket.peakHours },
    gridFeeSatangPerKwh: { ...(extra.gridFeeSatangPerKwh ?? DEFAULT_GRID_FEE_SATANG_PER_KWH) },
    carbonCreditsMicroPerWh: { ...chain.carbonCreditsMicroPerWh },
    maxScanPerOrder: extra.maxScanPerOrder ?? DEFAULT_MAX_SCAN_PER_ORDER,
  };
  validateMarketParams(p);
  return p;
}

/** Throw `BAD_PARAMS` unless every parameter is an integer in its range. */
export function validateMarketParams(p: MarketParams): void {
  const check = (ok: boolean, field: string, value: unknown) => {
    if (!ok) {
      throw new MarketError("BAD_PARAMS", `Invalid market parameter "${field}": ${value}`, field);
    }
  };
  check(isIntIn(p.intervalMs, 1_000, 86_400_000), "intervalMs", p.intervalMs);
  check(isIntIn(p.minOrderWh, 1, MAX_ORDER_WH), "minOrderWh", p.minOrderWh);
  check(isIntIn(p.maxOrderWh, p.minOrderWh, MAX_ORDER_WH), "maxOrderWh", p.maxOrderWh);
  check(isIntIn(p.peakHours.startHour, 0, 23), "peakHours.startHour", p.peakHours.startHour);
  check(isIntIn(p.peakHours.endHour, 1, 24), "peakHours.endHour", p.peakHours.endHour);
  check(
    isIntIn(p.peakHours.pricingMultiplierBps, 0, 100_000),
    "peakHours.pricingMultiplierBps",
    p.peakHours.pricingMultiplierBps,
  );
  for (const c of DISTANCE_CLASSES) {
    const v = p.gridFeeSatangPerKwh[c];
    check(
      isIntIn(v, 0, MAX_FEE_SATANG_PER_KWH / 10),
      `gridFeeSatangPerKwh.${c}`,
      v,
    );
  }
  for (const [s, v] of Object.entries(p.carbonCreditsMicroPerWh)) {
    check(isIntIn(v, 0, 1_000_000), `carbonCreditsMicroPerWh.${s}`, v);
  }
  check(isIntIn(p.maxScanPerOrder, 1, 1_000_000), "maxScanPerOrder", p.maxScanPerOrder);
}
