/**
 * `GET /api/v1/compliance/report?from=&to=&format=json|csv`: the audit trail
 * of a period (`from`/`to`: ms since the epoch or an ISO-8601 date; defaults:
 * genesis .. now). Reads the period's blocks from storage; the report itself
 * is computed by node/governance/compliance_report.ts.
 */
import type { Hono } from "hono";
import type { ReportBlock, TradeRecord } from "../governance/compliance_report.ts";
import { stateKey, TRADE_KEY_PREFIX } from "../chain/state.ts";
import type { Trade } from "../market/trade.ts";
import {
  type ComplianceReport,
  computeComplianceReport,
  formatComplianceCsv,
} from "../governance/compliance_report.ts";
import { getComplianceTotals } from "../governance/mod.ts";
import type { GridNode } from "../runtime/grid_node.ts";
import { addRoutes } from "./app.ts";
import { ApiError } from "./errors.ts";

/** Most blocks one report reads. */
export const MAX_REPORT_BLOCKS = 50_000;

function parseTime(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === "") return fallback;
  if (/^[0-9]{1,16}$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new ApiError(
      "BAD_PARAM",
      `"${name}" must be ms since the epoch or an ISO-8601 date, got "${text}"`,
      name,
    );
  }
  return ms;
}

async function timestampAt(node: GridNode, height: number): Promise<number> {
  const rec = await node.store.getBlockRecord(height);
  if (rec === null) throw new Error(`block ${height} missing from storage`);
  return rec.header.timestampMs;
}

/** First height in 1..head whose timestamp is >= ms (head + 1 if none). */
async function firstHeightAtOrAfter(node: GridNode, ms: number, head: number): Promise<number> {
  let lo = 1;
  let hi = head + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (await timestampAt(node, mid) >= ms) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Snake-case JSON of a report. */
export function reportJson(r: ComplianceReport) {
  const t = r.totals;
  const cs = r.reconciliation.chainState;
  return {
    period: {
      from_ms: r.period.fromMs,
      to_ms: r.period.toMs,
      from_height: r.period.fromHeight,
      to_height: r.period.toHeight,
    },
    rows: r.rows.map((x) => ({
      section: x.section,
      height: x.height,
      timestamp_ms: x.timestampMs,
      tx_id: x.txId,
      actor: x.actor,
      subject: x.subject,
      detail: x.detail,
      location: x.location,
      amount_satang: x.amountSatang,
      energy_wh: x.energyWh,
      micro_credits: x.microCredits,
    })),
    totals: {
      participants_registered: t.participantsRegistered,
      meters_registered: t.metersRegistered,
      deposits_satang: t.depositsSatang,
      tx_fees_satang: t.txFeesSatang,
      grid_fees_satang: t.gridFeesSatang,
      emergency_actions: t.emergencyActions,
      proposals: t.proposals,
      votes: t.votes,
      trades: t.trades,
      traded_wh: t.tradedWh,
      traded_value_satang: t.tradedValueSatang,
      carbon_micro_credits: t.carbonMicroCredits,
    },
    reconciliation: {
      covers_whole_chain: r.reconciliation.coversWholeChain,
      chain_state: {
        deposited_satang: cs.depositedSatang,
        burned_satang: cs.burnedSatang,
        participants: cs.participants,
        meters: cs.meters,
        emergencies_declared: cs.emergenciesDeclared,
        emergencies_lifted: cs.emergenciesLifted,
      },
      deposits_match: r.reconciliation.depositsMatch,
      participants_match: r.reconciliation.participantsMatch,
      meters_match: r.reconciliation.metersMatch,
    },
  };
}

export function registerComplianceRoutes(app: Hono, node: GridNode): void {
  app.get("/api/v1/compliance/report", async (c) => {
    const format = c.req.query("format") ?? "json";
    if (format !== "json" && format !== "csv") {
      throw new ApiError("BAD_PARAM", `"format" must be json or csv, got "${format}"`, "format");
    }
    const head = node.head.header.height;
    const headMs = node.head.header.timestampMs;
    const fromMs = parseTime("from", c.req.query("from"), 0);
    const toMs = parseTime("to", c.req.query("to"), Math.max(Date.now(), headMs));
    if (toMs < fromMs) throw new ApiError("BAD_PARAM", `"to" is before "from"`, "to");
    const chainState = getComplianceTotals(node.state);
    const fromHeight = await firstHeightAtOrAfter(node, fromMs, head);
    const toHeight = (await firstHeightAtOrAfter(node, toMs + 1, head)) - 1;
    if (toHeight - fromHeight + 1 > MAX_REPORT_BLOCKS) {
      throw new ApiError(
        "BAD_PARAM",
        `The period spans ${
          toHeight - fromHeight + 1
        } blocks; at most ${MAX_REPORT_BLOCKS} per report`,
        "to",
      );
    }
    const blocks: ReportBlock[] = [];
    for (let h = fromHeight; h <= toHeight; h++) {
      const block = await node.store.getBlock(h);
      if (block !== null) blocks.push(block);
    }
    const trades: TradeRecord[] = [];
    let cursor: string | undefined = fromHeight > 0
      ? stateKey.trade(fromHeight - 1, 999_999)
      : undefined;
    scan: for (;;) {
      const rows = await node.store.listLog<Trade>(TRADE_KEY_PREFIX, { limit: 1000, cursor });
      for (const { value: t } of rows) {
        if (t.height > toHeight) break scan;
        trades.push({
          height: t.height,
          timestampMs: t.timestampMs,
          tradeId: t.id,
          buyer: t.buyer,
          seller: t.seller,
          location: t.sellerLocation,
          amountWh: t.amountWh,
          valueSatang: t.valueSatang,
          gridFeeSatang: t.gridFeeSatang,
          carbonMicroCredits: t.carbonMicroCredits,
          source: t.source,
        });
      }
      if (rows.length < 1000) break;
      cursor = rows[rows.length - 1]!.key;
    }
    const report = computeComplianceReport({
      fromMs,
      toMs,
      blocks,
      trades,
      chainState,
      coversWholeChain: fromHeight <= 1 && toHeight >= head,
    });
    if (format === "csv") {
      c.header("Content-Type", "text/csv; charset=utf-8");
      return c.body(formatComplianceCsv(report));
    }
    return c.json(reportJson(report));
  });
}

addRoutes(registerComplianceRoutes);
