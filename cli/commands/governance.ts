/** `governance propose|vote|list|show`. */
import { UsageError } from "../cli_error.ts";
import {
  type CliContext,
  flag,
  intFlag,
  positional,
  printSubmitted,
  submitTx,
} from "../context.ts";
import { formatFields, formatTable, formatThb } from "../format.ts";

export const GOVERNANCE_USAGE =
  `governance propose --title T --description D --type TYPE [--deposit-satang N]
      TYPE parameter-change:     --parameter NAME --new-value V   (e.g. carbon_credits.solar 0.7)
      other types:               --change KEY=VALUE (repeatable; see docs/governance.md)
  governance vote PROPOSAL_ID yes|no|abstain|veto
  governance list [--status voting|passed|rejected|vetoed|executed|failed]
  governance show PROPOSAL_ID`;

const TYPES = [
  "parameter-change",
  "pricing-regulation",
  "authority-management",
  "grid-emergency",
  "text",
] as const;
type ProposalJson = Record<string, unknown> & { tally: Record<string, number> };

function changesFromFlags(ctx: CliContext, type: string): Record<string, string | null> {
  const changes: Record<string, string | null> = {};
  if (type === "parameter-change") {
    changes.parameter = flag(ctx, "parameter", GOVERNANCE_USAGE)!;
    changes.newValue = flag(ctx, "new-value", GOVERNANCE_USAGE)!;
  }
  const raw = ctx.flags.change;
  for (const item of Array.isArray(raw) ? raw : typeof raw === "string" ? [raw] : []) {
    const eq = item.indexOf("=");
    if (eq <= 0) {
      throw new UsageError(`--change must be KEY=VALUE, got "${item}"`, GOVERNANCE_USAGE);
    }
    const value = item.slice(eq + 1);
    changes[item.slice(0, eq)] = value === "null" ? null : value;
  }
  return changes;
}

export async function runGovernance(ctx: CliContext, sub: string | undefined): Promise<void> {
  switch (sub) {
    case "propose": {
      const type = flag(ctx, "type", GOVERNANCE_USAGE)!;
      if (!(TYPES as readonly string[]).includes(type)) {
        throw new UsageError(
          `--type must be one of ${TYPES.join(", ")}, got "${type}"`,
          GOVERNANCE_USAGE,
        );
      }
      const title = flag(ctx, "title", GOVERNANCE_USAGE)!;
      const description = flag(ctx, "description", GOVERNANCE_USAGE, false) ?? "";
      const changes = changesFromFlags(ctx, type);
      let depositSatang = intFlag(ctx, "deposit-satang", GOVERNANCE_USAGE, false);
      if (depositSatang === undefined) {
        const params = await ctx.client.get<{ min_deposit_satang: number }>(
          "/api/v1/governance/params",
        );
        depositSatang = params.min_deposit_satang;
      }
      const r = await submitTx(ctx, "governance_proposal", {
        proposalType: type as typeof TYPES[number],
        title,
        description,
        depositSatang,
        changes,
      });
      let proposalId: number | null = null;
      let votingEnd: number | null = null;
      if (r.status === "committed") {
        const found = await ctx.client.get<
          { proposals: { id: number; voting_end_height: number }[] }
        >(
          `/api/v1/governance/proposals?tx_id=${r.id}`,
        );
        proposalId = found.proposals[0]?.id ?? null;
        votingEnd = found.proposals[0]?.voting_end_height ?? null;
      }
      printSubmitted(ctx, r, {
        proposal_id: proposalId,
        voting_end_height: votingEnd,
        deposit_satang: depositSatang,
      });
      return;
    }
    case "vote": {
      const id = positional(ctx, 0, "PROPOSAL_ID", GOVERNANCE_USAGE);
      const choice = positional(ctx, 1, "a choice (yes, no, abstain, veto)", GOVERNANCE_USAGE);
      if (!/^[1-9][0-9]*$/.test(id)) {
        throw new UsageError(`PROPOSAL_ID must be a positive integer`, GOVERNANCE_USAGE);
      }
      if (!["yes", "no", "abstain", "veto"].includes(choice)) {
        throw new UsageError(
          `The choice must be yes, no, abstain or veto, got "${choice}"`,
          GOVERNANCE_USAGE,
        );
      }
      const r = await submitTx(ctx, "vote", {
        proposalId: Number(id),
        choice: choice as "yes" | "no" | "abstain" | "veto",
      });
      printSubmitted(ctx, r, { proposal_id: Number(id), choice });
      return;
    }
    case "list": {
      const status = flag(ctx, "status", GOVERNANCE_USAGE, false);
      const data = await ctx.client.get<{ proposals: ProposalJson[] }>(
        `/api/v1/governance/proposals${status ? `?status=${encodeURIComponent(status)}` : ""}`,
      );
      if (ctx.json) return ctx.print(JSON.stringify(data));
      if (data.proposals.length === 0) return ctx.print("No proposals");
      ctx.print(formatTable(
        ["ID", "TYPE", "STATUS", "VOTING ENDS", "YES", "NO", "VETO", "TITLE"],
        data.proposals.map((p) => [
          p.id as number,
          p.type as string,
          p.status as string,
          p.voting_end_height as number,
          p.tally.yes_satang!,
          p.tally.no_satang!,
          p.tally.veto_satang!,
          p.title as string,
        ]),
      ));
      return;
    }
    case "show": {
      const id = positional(ctx, 0, "PROPOSAL_ID", GOVERNANCE_USAGE);
      const p = await ctx.client.get<ProposalJson>(
        `/api/v1/governance/proposals/${encodeURIComponent(id)}`,
      );
      if (ctx.json) return ctx.print(JSON.stringify(p));
      const t = p.tally;
      ctx.print(formatFields([
        ["id", p.id as number],
        ["title", p.title as string],
        ["type", p.type as string],
        ["status", p.status as string],
        ["proposer", p.proposer as string],
        ["changes", JSON.stringify(p.changes)],
        ["deposit", `${formatThb(p.deposit_satang as number)} (${p.deposit_status})`],
        ["voting", `blocks ${p.submit_height}..${p.voting_end_height}`],
        ["execute at", p.execute_at_height as number | null],
        [
          p.tally_final ? "tally" : "tally so far",
          `yes ${t.yes_satang} / no ${t.no_satang} / abstain ${t.abstain_satang} / veto ${t.veto_satang} of ${t.total_stake_satang} staked (${t.voters} voters)`,
        ],
        ["result", p.result as string | null],
        ["description", p.description as string],
      ]));
      return;
    }
    default:
      throw new UsageError(`Unknown governance command "${sub ?? ""}"`, GOVERNANCE_USAGE);
  }
}
