/** Governance: proposals and their stake-weighted tallies, updated live (islands/LiveGovernance.tsx). */
import type { ProposalView } from "../console/data.ts";
import { Island } from "../console/island.tsx";
import { definePage } from "../console/page.ts";

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
    return <Island name="LiveGovernance" props={{ proposals: ps }} />;
  },
});
