/** Explorer home and search: resolves a query to a block, transaction or account page. */
import { loadRecentBlocks, resolveSearch } from "../console/chain_data.ts";
import { definePage } from "../console/page.ts";
import { BlockTable } from "../console/ui/BlockTable.tsx";
import type { BlockSummary } from "../console/ui/rates.ts";

interface ExplorerData {
  query: string | null;
  notFound: boolean;
  recent: BlockSummary[];
}

const TARGET_PATH = { block: "block", tx: "tx", account: "account" } as const;

export const explorerSearch = definePage<ExplorerData>({
  path: "/explorer/search",
  title: () => "Explorer",
  async load(ctx) {
    const query = (ctx.url.searchParams.get("q") ?? "").slice(0, 100).trim();
    const target = query === "" ? null : await resolveSearch(ctx.node, query);
    if (target) {
      const ref = target.kind === "block"
        ? String(target.height)
        : target.kind === "tx"
        ? target.id
        : target.address;
      return new Response(null, {
        status: 303,
        headers: { Location: `/explorer/${TARGET_PATH[target.kind]}/${ref}` },
      });
    }
    return { query, notFound: query !== "", recent: await loadRecentBlocks(ctx.node, 10) };
  },
  status: (d) => d.notFound ? 404 : 200,
  Page: ExplorerPage,
});

export default definePage<ExplorerData>({
  path: "/explorer",
  title: () => "Explorer",
  async load(ctx) {
    return { query: null, notFound: false, recent: await loadRecentBlocks(ctx.node, 10) };
  },
  Page: ExplorerPage,
});

function ExplorerPage({ data }: { data: ExplorerData }) {
  return (
    <>
      {data.notFound
        ? (
          <p class="notice" id="search-not-found" role="status">
            Nothing found for{" "}
            <span class="mono">{data.query}</span>. Search by block height, block hash, transaction
            id or gtx1… address.
          </p>
        )
        : <p>Search by block height, block hash, transaction id or gtx1… address.</p>}
      <h2>Latest blocks</h2>
      <BlockTable blocks={data.recent} />
    </>
  );
}
