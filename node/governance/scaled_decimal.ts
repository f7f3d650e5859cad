/** Exact decimal text -> scaled integer, for governance values such as "0.7" credits/kWh. */

/**
 * Parses a non-negative decimal (`"0.7"`, `"12"`, `"1.5000"`) into an integer
 * scaled by 10^`decimals`, exactly (string arithmetic, no float multiply).
 * Returns null when the text is not such a number, has more than `decimals`
 * significant decimals, or the result is not a safe integer.
 *
 * @example parseScaledDecimal("0.7", 3) // 700
 */
export function parseScaledDecimal(text: string, decimals: number): number | null {
  const m = /^(0|[1-9][0-9]{0,15})(?:\.([0-9]{1,20}))?$/.exec(text.trim());
  if (m === null) return null;
  const fraction = (m[2] ?? "").replace(/0+$/, "");
  if (fraction.length > decimals) return null;
  const scaled = Number(m[1]! + fraction.padEnd(decimals, "0"));
  return Number.isSafeInteger(scaled) ? scaled : null;
}

/** The inverse of {@link parseScaledDecimal}: 700, 3 -> "0.7". */
export function formatScaledDecimal(value: number, decimals: number): string {
  if (decimals === 0) return String(value);
  const text = String(Math.abs(value)).padStart(decimals + 1, "0");
  const whole = text.slice(0, -decimals);
  const fraction = text.slice(-decimals).replace(/0+$/, "");
  return (value < 0 ? "-" : "") + whole + (fraction === "" ? "" : "." + fraction);
}
