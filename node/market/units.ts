/**
 * Exact integer arithmetic for energy and money.
 *
 * Bounds keep every intermediate product below 2^53, so plain numbers are
 * exact: amounts are at most {@link MAX_ORDER_WH} Wh and prices plus fees at
 * most 2 x {@link MAX_PRICE_SATANG_PER_KWH} satang/kWh, so
 * amountWh x rate <= 1e9 x 2e6 = 2e15 < 2^53 (~9.007e15).
 */

/** Largest order size the core accepts, Wh (1 GWh). */
export const MAX_ORDER_WH = 1_000_000_000;
/** Largest limit price the core accepts, satang/kWh (10,000 THB/kWh). */
export const MAX_PRICE_SATANG_PER_KWH = 1_000_000;
/** Largest grid fee rate (after the peak multiplier), satang/kWh. */
export const MAX_FEE_SATANG_PER_KWH = 1_000_000;
/** Wh in one kWh: prices are per kWh, amounts in Wh. */
export const WH_PER_KWH = 1000;

/** True for a safe integer in [min, max]. */
export function isIntIn(x: unknown, min: number, max: number): x is number {
  return typeof x === "number" && Number.isSafeInteger(x) && x >= min && x <= max;
}

/**
 * floor(a / b) for non-negative safe integers a and b > 0, exactly.
 * (`Math.floor(a / b)` can round up when a / b is within one ulp below an integer.)
 */
export function floorDiv(a: number, b: number): number {
  // Fast path: the float quotient is correctly rounded, so its floor is the
  // exact quotient or one above it (when a / b rounds up to an integer);
  // for a <= 2^52, q x b < 2^53 is exact and detects the second case.
  // Outside it (and for negative a) the remainder formula, as before.
  if (a < 0 || a > 4_503_599_627_370_496) return (a - (a % b)) / b;
  const q = Math.floor(a / b);
  return q * b > a ? q - 1 : q;
}

/** ceil(a / b) for non-negative safe integers a and b > 0, exactly. */
export function ceilDiv(a: number, b: number): number {
  const r = a % b;
  return (a - r) / b + (r === 0 ? 0 : 1);
}

/**
 * Money value of an energy amount at a per-kWh rate, rounded DOWN to whole
 * satang: floor(amountWh x satangPerKwh / 1000). Used for the trade value,
 * the grid fee and (with ceil) the buy lock.
 *
 * @example computeValueSatang(1500, 5000) // 1.5 kWh at 50.00 THB/kWh = 7500 satang
 */
export function computeValueSatang(amountWh: number, satangPerKwh: number): number {
  return floorDiv(amountWh * satangPerKwh, WH_PER_KWH);
}
