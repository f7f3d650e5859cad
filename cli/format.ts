/** Human-readable output: aligned tables and key/value lists. */

type Cell = string | number | boolean | null | undefined;

function text(v: Cell): string {
  return v === null || v === undefined ? "-" : String(v);
}

/** An aligned table with a header row. */
export function formatTable(headers: string[], rows: Cell[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(text))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)]
    .join("\n");
}

/** `key: value` lines, keys aligned. */
export function formatFields(fields: [string, Cell][]): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return fields.map(([k, v]) => `${(k + ":").padEnd(width + 1)} ${text(v)}`).join("\n");
}

/** satang -> "1,234.56 THB". */
export function formatThb(satang: number): string {
  const sign = satang < 0 ? "-" : "";
  const abs = Math.abs(satang);
  const whole = Math.floor(abs / 100).toLocaleString("en-US");
  return `${sign}${whole}.${String(abs % 100).padStart(2, "0")} THB`;
}

/** Wh -> "1.5 kWh". */
export function formatKwh(wh: number): string {
  return `${wh / 1000} kWh`;
}
