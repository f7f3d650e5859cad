/** Overview: the node's figures and recent blocks, live. */
import { loadOverview, type OverviewView } from "../console/chain_data.ts";
import { Island } from "../console/island.tsx";
import { definePage } from "../console/page.ts";
import { CLOCK_OFFSET_WARN_MS } from "../node/p2p/clock_offset.ts";

interface OverviewData {
  overview: OverviewView;
  peers: number | null;
  openOrders: number | null;
}

export default definePage<OverviewData>({
  path: "/",
  title: () => "Overview",
  async load({ node, data }) {
    const [overview, peers, book] = await Promise.all([
      loadOverview(node),
      data.getPeers(),
      data.getOrderBook(1),
    ]);
    return { overview, peers: peers?.length ?? null, openOrders: book?.openOrders ?? null };
  },
  Page({ data }) {
    const o = data.overview;
    return (
      <>
        <p class="muted">
          Node <span class="mono">{o.nodeId}</span> on {o.networkName}
          {o.fault ? <strong class="fault">Block production stopped: {o.fault}</strong> : null}
          {o.clockOffsetMs !== null && Math.abs(o.clockOffsetMs) > CLOCK_OFFSET_WARN_MS
            ? (
              <strong class="fault" id="clock-offset">
                This node's clock is {Math.round(Math.abs(o.clockOffsetMs) / 1000)} s{" "}
                {o.clockOffsetMs > 0 ? "ahead of" : "behind"}{" "}
                its peers': its messages are dropped and its proposals refused. Fix the host clock
                (NTP).
              </strong>
            )
            : null}
        </p>
        <Island name="LiveOverview" props={data} />
      </>
    );
  },
});
