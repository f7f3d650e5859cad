/** `compliance report [--from T] [--to T] [--format json|csv] [--out FILE]`. */
import { CliError, EXIT, UsageError } from "../cli_error.ts";
import { type CliContext, flag } from "../context.ts";
import { formatFields } from "../format.ts";

export const COMPLIANCE_USAGE =
  `compliance report [--from ISO-DATE|MS] [--to ISO-DATE|MS] [--format json|csv] [--out FILE]`;

export async function runCompliance(ctx: CliContext, sub: string | undefined): Promise<void> {
  if (sub !== "report") {
    throw new UsageError(`Unknown compliance command "${sub ?? ""}"`, COMPLIANCE_USAGE);
  }
  const format = flag(ctx, "format", COMPLIANCE_USAGE, false) ?? (ctx.json ? "json" : "json");
  if (format !== "json" && format !== "csv") {
    throw new UsageError("--format must be json or csv", COMPLIANCE_USAGE);
  }
  const q = new URLSearchParams({ format });
  for (const k of ["from", "to"]) {
    const v = flag(ctx, k, COMPLIANCE_USAGE, false);
    if (v !== undefined) q.set(k, v);
  }
  const text = await ctx.client.getText(`/api/v1/compliance/report?${q}`);
  const out = flag(ctx, "out", COMPLIANCE_USAGE, false);
  if (out !== undefined) {
    try {
      await Deno.writeTextFile(out, text);
    } catch (e) {
      throw new CliError(EXIT.LOCAL, `Cannot write ${out}: ${(e as Error).message}`);
    }
  }
  if (format === "csv") {
    if (out === undefined) ctx.print(text.trimEnd());
    else ctx.print(`Wrote ${out}`);
    return;
  }
  const report = JSON.parse(text);
  if (ctx.json || out === undefined && ctx.flags.format === "json") {
    return ctx.print(JSON.stringify(report));
  }
  const t = report.totals as Record<string, number>;
  const r = report.reconciliation;
  ctx.print(formatFields([
    ["period", `${report.period.from_height ?? "-"}..${report.period.to_height ?? "-"} (heights)`],
    ...Object.entries(t) as [string, number][],
    ["rows", report.rows.length],
    ["whole chain", r.covers_whole_chain],
    ["deposits match state", r.deposits_match],
    ...(out !== undefined ? [["written to", out] as [string, string]] : []),
  ]));
}
