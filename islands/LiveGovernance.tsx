/**
 * Proposals with their tallies; on every "proposal" event (SSE) the changed
 * proposals are fetched from `/api/v1/governance/proposals/{id}` and updated
 * (or added) in place.
 */
import { useEffect, useState } from "preact/hooks";
import type { ProposalView } from "../console/data.ts";
import { formatInt, formatThb } from "../console/ui/format.ts";
import { onLiveEvent } from "./live_feed.ts";

export interface LiveGovernanceProps {
  /** Newest first. */
  proposals: ProposalView[];
}

const PROPOSAL_STATUSES: readonly ProposalView["status"][] = [
  "voting",
  "passed",
  "rejected",
  "executed",
  "expired",
];

/** The subset of the REST proposal record the console shows. */
interface ApiProposal {
  id: number;
  type: string;
  title: string;
  status: string;
  proposer: string;
  voting_end_height: number;
  tally: {
    yes_satang: number;
    no_satang: number;
    abstain_satang: number;
    veto_satang: number;
    total_stake_satang: number;
  };
}

function isApiProposal(x: unknown): x is ApiProposal {
  if (!x || typeof x !== "object") return false;
  const p = x as Partial<ApiProposal>;
  return typeof p.id === "number" && typeof p.title === "string" &&
    typeof p.status === "string" && typeof p.voting_end_height === "number" &&
    !!p.tally && typeof p.tally.yes_satang === "number";
}

/**
 * A REST proposal (`GET /api/v1/governance/proposals/{id}`) as the console's
 * view, the same mapping as the server's (vetoed and failed show as rejected,
 * vetoes count as no); null when the JSON is not a proposal.
 */
export function proposalFromApi(json: unknown, quorumBps: number): ProposalView | null {
  if (!isApiProposal(json)) return null;
  const t = json.tally;
  const status = (PROPOSAL_STATUSES as readonly string[]).includes(json.status)
    ? json.status as ProposalView["status"]
    : "rejected";
  return {
    id: String(json.id),
    title: json.title,
    kind: json.type,
    status,
    proposer: json.proposer,
    yesSatang: t.yes_satang,
    noSatang: t.no_satang + t.veto_satang,
    abstainSatang: t.abstain_satang,
    quorumSatang: Math.ceil((t.total_stake_satang * quorumBps) / 10_000),
    endsAtHeight: json.voting_end_height,
  };
}

/** `list` with `p` replacing the proposal of the same id (or added), newest first. */
export function upsertProposal(list: readonly ProposalView[], p: ProposalView): ProposalView[] {
  return [...list.filter((q) => q.id !== p.id), p].sort((a, b) => Number(b.id) - Number(a.id));
}

let quorumBpsCache: Promise<number> | null = null;

function fetchQuorumBps(): Promise<number> {
  quorumBpsCache ??= fetch("/api/v1/governance/params")
    .then((r) => r.json())
    .then((j: { quorum_bps?: unknown }) => {
      if (typeof j.quorum_bps !== "number") throw new Error("no quorum_bps");
      return j.quorum_bps;
    })
    .catch((e) => {
      quorumBpsCache = null;
      throw e;
    });
  return quorumBpsCache;
}

async function fetchProposal(id: number): Promise<ProposalView | null> {
  const res = await fetch(`/api/v1/governance/proposals/${id}`);
  if (!res.ok) {
    await res.body?.cancel();
    return null;
  }
  return proposalFromApi(await res.json(), await fetchQuorumBps());
}

/** Tally bar: yes / no / abstain as shares of the quorum (or the votes, if larger). */
export function TallyBar({ p }: { p: ProposalView }) {
  const total = Math.max(1, p.quorumSatang, p.yesSatang + p.noSatang + p.abstainSatang);
  const w = (v: number) => (v / total) * 200;
  return (
    <svg viewBox="0 0 200 12" width="200" height="12" role="img" aria-label="Tally">
      <rect x="0" y="0" width={w(p.yesSatang)} height="12" fill="#1a7f37" />
      <rect x={w(p.yesSatang)} y="0" width={w(p.noSatang)} height="12" fill="#cf222e" />
      <rect
        x={w(p.yesSatang + p.noSatang)}
        y="0"
        width={w(p.abstainSatang)}
        height="12"
        fill="#8c959f"
      />
    </svg>
  );
}

export default function LiveGovernance(props: LiveGovernanceProps) {
  const [ps, setPs] = useState(props.proposals);
  useEffect(
    () =>
      onLiveEvent("proposal", (data) => {
        const ids = (data as { ids?: unknown } | null)?.ids;
        if (!Array.isArray(ids)) return;
        for (const id of ids) {
          if (!Number.isSafeInteger(id) || id < 1) continue;
          fetchProposal(id).then(
            (p) => p && setPs((prev) => upsertProposal(prev, p)),
            () => {/* the next event retries */},
          );
        }
      }),
    [],
  );
  if (ps.length === 0) return <p class="empty" id="no-proposals">No proposals.</p>;
  return (
    <table class="data" id="proposals">
      <thead>
        <tr>
          <th scope="col">Proposal</th>
          <th scope="col">Kind</th>
          <th scope="col">Status</th>
          <th scope="col">Tally</th>
          <th scope="col" class="num">Yes / No / Abstain</th>
          <th scope="col" class="num">Ends at</th>
        </tr>
      </thead>
      <tbody>
        {ps.map((p) => (
          <tr key={p.id} data-proposal-id={p.id}>
            <td>{p.title}</td>
            <td>{p.kind}</td>
            <td class="proposal-status">{p.status}</td>
            <td>
              <TallyBar p={p} />
            </td>
            <td class="num proposal-tally">
              {formatThb(p.yesSatang)} / {formatThb(p.noSatang)} / {formatThb(p.abstainSatang)}
            </td>
            <td class="num">{formatInt(p.endsAtHeight)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
