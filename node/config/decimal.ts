/**
 * Exact decimal scaling for config values: TOML gives floats (0.1 kWh, x1.5),
 * the chain stores integers (100 Wh, 15_000 bps). Multiplying floats would
 * turn 0.1 * 1000 into 100.00000000000001 or hide a value like 0.0001 kWh, so
 * the conversion works on the shortest decimal text of the number instead.
 */

const NUMBER_TEXT = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/;

/**
 * Returns `value x 10^decimals` as an exact safe integer, or `null` when the
 * value has more than `decimals` decimal places, is not finite, or the result
 * is outside the safe integer range.
 *
 * The decimal digits used are those of `String(value)`, which is the shortest
 * text that reads back as the same double, i.e. what the TOML file said.
 *
 * @example
 * computeScaledInteger(0.1, 3);    // 100   (kWh -> Wh)
 * computeScaledInteger(1.5, 4);    // 15000 (multiplier -> bps)
 * computeScaledInteger(0.0001, 3); // null  (not a whole Wh)
 */
export function computeScaledInteger(value: number, decimals: number): number | null {
  if (!Number.isFinite(value) || !Number.isInteger(decimals) || decimals < 0) return null;
  const match = NUMBER_TEXT.exec(String(value));
  if (match === null) return null;
  const sign = match[1] === "-" ? -1n : 1n;
  const intPart = match[2] ?? "0";
  const fracPart = match[3] ?? "";
  const exponent = Number(match[4] ?? "0");
  let digits = intPart + fracPart;
  // Power of ten that the integer `digits` must be multiplied by.
  let shift = exponent - fracPart.length + decimals;
  while (shift < 0 && digits.length > 1 && digits.endsWith("0")) {
    digits = digits.slice(0, -1);
    shift += 1;
  }
  if (shift < 0) {
    if (/^0+$/.test(digits)) return 0;
    return null;
  }
  const scaled = sign * BigInt(digits) * 10n ** BigInt(shift);
  if (scaled > BigInt(Number.MAX_SAFE_INTEGER) || scaled < -BigInt(Number.MAX_SAFE_INTEGER)) {
    return null;
  }
  const result = Number(scaled);
  return Object.is(result, -0) ? 0 : result;
}

/** Whether `value` has at most `decimals` decimal places (see {@link computeScaledInteger}). */
export function isExactDecimal(value: number, decimals: number): boolean {
  return computeScaledInteger(value, decimals) !== null;
}
