/** Governance: proposals and their stake-weighted tallies. */
import type { ProposalView } from "../console/data.ts";
import { definePage } from "../console/page.ts";
import { formatInt, formatThb } from "../console/ui/format.ts";

/** Tally bar: yes / no / abstain as shares of the quorum (or the votes, if larger). */
function TallyBar({ p }: { p: ProposalView }) {
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

export default definePage<{ proposals: ProposalView[] | null }>({
  path: "/governance",
  title: () => "Governance",
  async load({ data }) {
    return { proposals: await data.getProposals() };
  },
  Page({ data }) {
    const ps = data.proposals;
    if (ps === null) {
      return <p class="empty" id="proposals-unavailable">Governance is not available yet.</p>;
    }
    if (ps.length === 0) return <p class="empty">No proposals.</p>;
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
            <tr key={p.id}>
              <td>{p.title}</td>
              <td>{p.kind}</td>
              <td>{p.status}</td>
              <td>
                <TallyBar p={p} />
              </td>
              <td class="num">
                {formatThb(p.yesSatang)} / {formatThb(p.noSatang)} / {formatThb(p.abstainSatang)}
              </td>
              <td class="num">{formatInt(p.endsAtHeight)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    );
  },
});
