/**
 * Display formatting shared by server pages and islands. Deterministic (UTC,
 * fixed separators) so server and browser render the same text.
 */

/** 1234567 -> "1,234,567". */
export function formatInt(n: number): string {
  const sign = n < 0 ? "-" : "";
  return sign + Math.trunc(Math.abs(n)).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Satang as baht with two decimals: 123456 -> "1,234.56 THB". */
export function formatThb(satang: number): string {
  const sign = satang < 0 ? "-" : "";
  const abs = Math.abs(satang);
  return `${sign}${formatInt(Math.floor(abs / 100))}.${String(abs % 100).padStart(2, "0")} THB`;
}

/** Wh as kWh with three decimals: 1500 -> "1.500 kWh". */
export function formatKwh(wh: number): string {
  const sign = wh < 0 ? "-" : "";
  const abs = Math.abs(wh);
  return `${sign}${formatInt(Math.floor(abs / 1000))}.${String(abs % 1000).padStart(3, "0")} kWh`;
}

/** Satang per kWh as THB/kWh: 450 -> "4.50 THB/kWh". */
export function formatPrice(satangPerKwh: number): string {
  return `${formatThb(satangPerKwh).replace(" THB", "")} THB/kWh`;
}

/** Micro-credits as credits with three decimals. */
export function formatCredits(micro: number): string {
  return `${formatInt(Math.floor(micro / 1_000_000))}.${
    String(Math.floor((micro % 1_000_000) / 1000)).padStart(3, "0")
  }`;
}

/** UTC date and time to the second: "2026-01-01 00:00:00Z". */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace("T", " ").slice(0, 19) + "Z";
}

/** A hash or address shortened for tables: "abcdef12…7890". */
export function shortId(id: string, head = 10, tail = 6): string {
  return id.length <= head + tail + 1 ? id : `${id.slice(0, head)}…${id.slice(-tail)}`;
}

/** Basis points as a percentage with one decimal: 9512 -> "95.1 %". */
export function formatBps(bps: number): string {
  return `${(Math.floor(bps / 10) / 10).toFixed(1)} %`;
}
