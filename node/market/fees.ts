/**
 * Grid (wheeling) fees: by distance class, multiplied during Bangkok peak
 * hours. All from the block timestamp with integer arithmetic.
 */
import type { DistanceClass, MarketParams } from "./params.ts";
import { DISTANCE_CLASSES } from "./params.ts";
import { ceilDiv, WH_PER_KWH } from "./units.ts";

const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;
/** Asia/Bangkok is UTC+7 all year (no daylight saving). */
export const BANGKOK_OFFSET_MS = 7 * MS_PER_HOUR;

/** Hour of day 0..23 in Asia/Bangkok for a UTC timestamp in ms (>= 0). */
export function getBangkokHour(timestampMs: number): number {
  const msOfDay = (timestampMs + BANGKOK_OFFSET_MS) % MS_PER_DAY;
  return (msOfDay - (msOfDay % MS_PER_HOUR)) / MS_PER_HOUR;
}

/**
 * True when the timestamp falls in [startHour, endHour) Bangkok time. When
 * startHour > endHour the peak spans midnight; startHour == endHour means no peak.
 *
 * @example isPeakHour(Date.UTC(2025, 0, 1, 11, 30), {startHour: 18, endHour: 22}) // true (18:30 BKK)
 */
export function isPeakHour(
  timestampMs: number,
  peak: { startHour: number; endHour: number },
): boolean {
  const h = getBangkokHour(timestampMs);
  if (peak.startHour <= peak.endHour) return h >= peak.startHour && h < peak.endHour;
  return h >= peak.startHour || h < peak.endHour;
}

/**
 * Peak rate of a base fee: ceil(base x multiplierBps / 10000), i.e. rounded
 * UP to whole satang/kWh.
 */
export function computePeakFeeRate(baseSatangPerKwh: number, multiplierBps: number): number {
  return ceilDiv(baseSatangPerKwh * multiplierBps, 10_000);
}

/** Effective grid fee rates (satang/kWh) per distance class at a block timestamp. */
export function computeFeeRates(
  params: MarketParams,
  timestampMs: number,
): Record<DistanceClass, number> {
  const peak = isPeakHour(timestampMs, params.peakHours);
  const out = {} as Record<DistanceClass, number>;
  for (const c of DISTANCE_CLASSES) {
    const base = params.gridFeeSatangPerKwh[c];
    out[c] = peak ? computePeakFeeRate(base, params.peakHours.pricingMultiplierBps) : base;
  }
  return out;
}

/** Highest fee rate any trade can pay under these parameters, peak or not, satang/kWh. */
export function computeWorstFeeRate(params: MarketParams): number {
  let worst = 0;
  for (const c of DISTANCE_CLASSES) {
    const base = params.gridFeeSatangPerKwh[c];
    const peak = computePeakFeeRate(base, params.peakHours.pricingMultiplierBps);
    worst = Math.max(worst, base, peak);
  }
  return worst;
}

/**
 * Money a buy order locks when placed: the worst case of its whole amount at
 * its limit price plus the worst grid fee, rounded UP:
 * ceil(amountWh x (priceSatangPerKwh + worstFee) / 1000). Every fill pays
 * floor(fill x price / 1000) + floor(fill x fee / 1000) with price <= limit and
 * fee <= worstFee, so the fills never exceed the lock.
 */
export function computeBuyLockSatang(
  amountWh: number,
  priceSatangPerKwh: number,
  params: MarketParams,
): number {
  return ceilDiv(amountWh * (priceSatangPerKwh + computeWorstFeeRate(params)), WH_PER_KWH);
}
