/**
 * The compliance report (audit trail) of a period, built from the period's
 * committed blocks: registrations, deposits, transaction fees, emergencies,
 * governance, and — supplied by the market — trades and carbon credits.
 * Pure: the API reads the blocks and state and calls `computeComplianceReport`.
 */
import type { BlockHeader } from "../chain/block.ts";
import { parseTransaction, type SignedTxJson } from "../chain/transaction.ts";
import type { ComplianceTotals } from "./compliance_totals.ts";

export type ComplianceSection =
  | "registration"
  | "deposit"
  | "fee"
  | "emergency"
  | "grid_reading"
  | "governance"
  | "trade"
  | "carbon_credit";

/** One line of the audit trail; unused columns are null. */
export interface ComplianceRow {
  section: ComplianceSection;
  height: number;
  timestampMs: number;
  txId: string | null;
  /** Who acted: signer address, or an authority name. */
  actor: string;
  /** What it concerned: an address, meter id, proposal id, scope. */
  subject: string | null;
  /** Kind of event, e.g. `participant`, `meter`, `declare_emergency`, `vote:yes`. */
  detail: string;
  location: string | null;
  amountSatang: number | null;
  energyWh: number | null;
  microCredits: number | null;
}

/** A trade as the market will supply it (slot for the market wiring). */
export interface TradeRecord {
  height: number;
  timestampMs: number;
  tradeId: string;
  buyer: string;
  seller: string;
  location: string;
  amountWh: number;
  valueSatang: number;
  gridFeeSatang: number;
  carbonMicroCredits: number;
  source: string;
}

export interface ComplianceReport {
  period: { fromMs: number; toMs: number; fromHeight: number | null; toHeight: number | null };
  rows: ComplianceRow[];
  totals: {
    participantsRegistered: number;
    metersRegistered: number;
    depositsSatang: number;
    txFeesSatang: number;
    gridFeesSatang: number;
    emergencyActions: number;
    proposals: number;
    votes: number;
    trades: number;
    tradedWh: number;
    tradedValueSatang: number;
    carbonMicroCredits: number;
  };
  /** Totals in chain state at the head, and whether a whole-chain report matches them. */
  reconciliation: {
    coversWholeChain: boolean;
    chainState: ComplianceTotals;
    depositsMatch: boolean | null;
    participantsMatch: boolean | null;
    metersMatch: boolean | null;
  };
}

export interface ReportBlock {
  header: Pick<BlockHeader, "height" | "timestampMs">;
  txs: SignedTxJson[];
}

/** Builds the report of `blocks` (ascending heights) plus market `trades`. */
export function computeComplianceReport(input: {
  fromMs: number;
  toMs: number;
  blocks: readonly ReportBlock[];
  trades?: readonly TradeRecord[];
  chainState: ComplianceTotals;
  coversWholeChain: boolean;
}): ComplianceReport {
  const rows: ComplianceRow[] = [];
  const t: ComplianceReport["totals"] = {
    participantsRegistered: 0,
    metersRegistered: 0,
    depositsSatang: 0,
    txFeesSatang: 0,
    gridFeesSatang: 0,
    emergencyActions: 0,
    proposals: 0,
    votes: 0,
    trades: 0,
    tradedWh: 0,
    tradedValueSatang: 0,
    carbonMicroCredits: 0,
  };
  const seenParticipants = new Set<string>();
  const seenMeters = new Set<string>();
  const row = (r: Partial<ComplianceRow> & Pick<ComplianceRow, "section" | "actor" | "detail">) =>
    rows.push({
      height: 0,
      timestampMs: 0,
      txId: null,
      subject: null,
      location: null,
      amountSatang: null,
      energyWh: null,
      microCredits: null,
      ...r,
    });
  for (const block of input.blocks) {
    const { height, timestampMs } = block.header;
    for (const json of block.txs) {
      const tx = parseTransaction(json);
      const base = { height, timestampMs, txId: tx.id, actor: tx.sender };
      const body = tx.body;
      if (body.feeSatang > 0) {
        t.txFeesSatang += body.feeSatang;
        row({ ...base, section: "fee", detail: body.kind, amountSatang: body.feeSatang });
      }
      if (body.kind === "authority_action") {
        const a = body.payload.args;
        const s = (k: string) => (typeof a[k] === "string" ? a[k] as string : null);
        switch (body.payload.action) {
          case "register_participant":
            if (!seenParticipants.has(s("address") ?? "")) t.participantsRegistered++;
            seenParticipants.add(s("address") ?? "");
            row({
              ...base,
              section: "registration",
              detail: "participant",
              subject: s("address"),
              location: s("location"),
            });
            break;
          case "register_meter":
            if (!seenMeters.has(s("meterId") ?? "")) t.metersRegistered++;
            seenMeters.add(s("meterId") ?? "");
            row({
              ...base,
              section: "registration",
              detail: `meter:${s("source")}:owner=${s("owner")}`,
              subject: s("meterId"),
              location: s("location"),
            });
            break;
          case "deposit":
            t.depositsSatang += Number(a.amountSatang);
            row({
              ...base,
              section: "deposit",
              detail: "deposit",
              subject: s("to"),
              amountSatang: Number(a.amountSatang),
            });
            break;
          case "declare_emergency":
          case "lift_emergency":
            t.emergencyActions++;
            row({
              ...base,
              section: "emergency",
              detail: body.payload.action + (a.kind === "cap" ? `:cap=${a.capKw}kW` : ""),
              subject: s("scope"),
              location: s("scope"),
            });
            break;
          case "grid_reading":
            row({
              ...base,
              section: "grid_reading",
              detail:
                `load=${a.loadKw}kW generation=${a.generationKw}kW f=${a.frequencyMilliHz}mHz`,
              location: s("location"),
            });
            break;
          case "approve_regulation":
            row({
              ...base,
              section: "governance",
              detail: "approve_regulation",
              subject: String(a.proposalId),
            });
            break;
        }
      } else if (body.kind === "governance_proposal") {
        t.proposals++;
        row({
          ...base,
          section: "governance",
          detail: `proposal:${body.payload.proposalType}`,
          subject: body.payload.title,
          amountSatang: body.payload.depositSatang,
        });
      } else if (body.kind === "vote") {
        t.votes++;
        row({
          ...base,
          section: "governance",
          detail: `vote:${body.payload.choice}`,
          subject: String(body.payload.proposalId),
        });
      }
    }
  }
  for (const trade of input.trades ?? []) {
    t.trades++;
    t.tradedWh += trade.amountWh;
    t.tradedValueSatang += trade.valueSatang;
    t.gridFeesSatang += trade.gridFeeSatang;
    t.carbonMicroCredits += trade.carbonMicroCredits;
    const base = { height: trade.height, timestampMs: trade.timestampMs, txId: null };
    row({
      ...base,
      section: "trade",
      actor: trade.seller,
      subject: trade.buyer,
      detail: `${trade.tradeId}:${trade.source}`,
      location: trade.location,
      amountSatang: trade.valueSatang,
      energyWh: trade.amountWh,
    });
    if (trade.carbonMicroCredits > 0) {
      row({
        ...base,
        section: "carbon_credit",
        actor: trade.seller,
        subject: trade.tradeId,
        detail: trade.source,
        microCredits: trade.carbonMicroCredits,
        energyWh: trade.amountWh,
      });
    }
  }
  rows.sort((a, b) => a.height - b.height);
  const whole = input.coversWholeChain;
  return {
    period: {
      fromMs: input.fromMs,
      toMs: input.toMs,
      fromHeight: input.blocks[0]?.header.height ?? null,
      toHeight: input.blocks.at(-1)?.header.height ?? null,
    },
    rows,
    totals: t,
    reconciliation: {
      coversWholeChain: whole,
      chainState: input.chainState,
      depositsMatch: whole ? t.depositsSatang === input.chainState.depositedSatang : null,
      participantsMatch: whole ? t.participantsRegistered === input.chainState.participants : null,
      metersMatch: whole ? t.metersRegistered === input.chainState.meters : null,
    },
  };
}

const CSV_COLUMNS = [
  "section",
  "height",
  "timestamp_ms",
  "tx_id",
  "actor",
  "subject",
  "detail",
  "location",
  "amount_satang",
  "energy_wh",
  "micro_credits",
] as const;

function csvCell(v: string | number | null): string {
  if (v === null) return "";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** CSV: a header, one line per row, then `total` lines (section `total`, detail = name). */
export function formatComplianceCsv(report: ComplianceReport): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const r of report.rows) {
    lines.push(
      [
        r.section,
        r.height,
        r.timestampMs,
        r.txId,
        r.actor,
        r.subject,
        r.detail,
        r.location,
        r.amountSatang,
        r.energyWh,
        r.microCredits,
      ].map(csvCell).join(","),
    );
  }
  for (const [name, value] of Object.entries(report.totals)) {
    const snake = name.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
    lines.push(["total", "", "", "", "", "", snake, "", value, "", ""].map(csvCell).join(","));
  }
  return lines.join("\n") + "\n";
}
