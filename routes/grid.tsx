/** Grid: topology, congestion in colour, emergencies; live via the LiveGrid island. */
import type { GridStatusView } from "../console/data.ts";
import { Island } from "../console/island.tsx";
import { definePage } from "../console/page.ts";

export default definePage<{ status: GridStatusView | null }>({
  path: "/grid",
  title: () => "Grid",
  async load({ data }) {
    return { status: await data.getGridStatus() };
  },
  Page({ data }) {
    if (!data.status) {
      return (
        <p class="empty" id="grid-unavailable">
          Grid status is not available on this node yet.
        </p>
      );
    }
    return (
      <>
        <p class="legend">
          <span class="level-normal">normal &lt; 80 %</span>{" "}
          <span class="level-warning">warning ≥ 80 %</span>{" "}
          <span class="level-congested">congested ≥ 95 %</span>
        </p>
        <Island name="LiveGrid" props={{ status: data.status }} />
      </>
    );
  },
});
