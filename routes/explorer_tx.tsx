/** Explorer: one transaction with its status and body. */
import { loadTx, type TxPageView } from "../console/chain_data.ts";
import { definePage } from "../console/page.ts";
import { formatThb, formatTime } from "../console/ui/format.ts";

type TxData = { id: string; view: TxPageView | null };

export default definePage<TxData>({
  path: "/explorer/tx/:id",
  title: (d) => d.view ? "Transaction" : "Transaction not found",
  async load(ctx) {
    const id = (ctx.params.id ?? "").toLowerCase();
    return { id, view: await loadTx(ctx.node, id) };
  },
  status: (d) => d.view ? 200 : 404,
  Page({ data }) {
    const v = data.view;
    if (!v) return <p class="notice">No transaction {data.id}.</p>;
    const s = v.status;
    const body = v.tx?.body;
    return (
      <>
        <dl class="fields">
          <dt>Id</dt>
          <dd class="mono" id="tx-id">{s.id}</dd>
          <dt>Status</dt>
          <dd id="tx-status">{s.status}</dd>
          {s.status === "committed"
            ? (
              <>
                <dt>Block</dt>
                <dd>
                  <a href={`/explorer/block/${s.height}`}>{s.height}</a> (index {s.index})
                </dd>
              </>
            )
            : null}
          {s.status === "rejected"
            ? (
              <>
                <dt>Rejected</dt>
                <dd>
                  {s.code}: {s.reason}
                </dd>
              </>
            )
            : null}
          {body
            ? (
              <>
                <dt>Kind</dt>
                <dd>{body.kind}</dd>
                <dt>From</dt>
                <dd class="mono">
                  <a href={`/explorer/account/${v.sender}`}>{v.sender}</a>
                </dd>
                <dt>Nonce</dt>
                <dd>{body.nonce}</dd>
                <dt>Fee</dt>
                <dd>{formatThb(body.feeSatang)}</dd>
                <dt>Expires</dt>
                <dd>{formatTime(body.expiresAtMs)}</dd>
              </>
            )
            : null}
        </dl>
        {body
          ? (
            <>
              <h2>Payload</h2>
              <pre class="payload">{JSON.stringify(body.payload, null, 2)}</pre>
            </>
          )
          : null}
      </>
    );
  },
});
