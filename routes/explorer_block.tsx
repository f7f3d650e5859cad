/** Explorer: one block by height or hash, with its transactions. */
import { type BlockPageView, loadBlock } from "../console/chain_data.ts";
import { definePage } from "../console/page.ts";
import { formatInt, formatThb, formatTime, shortId } from "../console/ui/format.ts";

type BlockData = { ref: string; view: BlockPageView | null };

export default definePage<BlockData>({
  path: "/explorer/block/:ref",
  title: (d) => d.view ? `Block ${formatInt(d.view.block.header.height)}` : "Block not found",
  async load(ctx) {
    const ref = (ctx.params.ref ?? "").toLowerCase();
    return { ref, view: await loadBlock(ctx.node, ref) };
  },
  status: (d) => d.view ? 200 : 404,
  Page({ data }) {
    const v = data.view;
    if (!v) return <p class="notice">No block {data.ref}.</p>;
    const hd = v.block.header;
    return (
      <>
        <nav class="pager" aria-label="Neighbouring blocks">
          {hd.height > 0
            ? <a href={`/explorer/block/${hd.height - 1}`}>← Block {hd.height - 1}</a>
            : null}
          {hd.height < v.headHeight
            ? <a href={`/explorer/block/${hd.height + 1}`}>Block {hd.height + 1} →</a>
            : null}
        </nav>
        <dl class="fields" id="block-fields">
          <dt>Height</dt>
          <dd id="block-height">{hd.height}</dd>
          <dt>Hash</dt>
          <dd class="mono" id="block-hash">{v.hash}</dd>
          <dt>Parent</dt>
          <dd class="mono">
            {hd.height > 0 ? <a href={`/explorer/block/${hd.prevHash}`}>{hd.prevHash}</a> : "–"}
          </dd>
          <dt>Time</dt>
          <dd>{formatTime(hd.timestampMs)}</dd>
          <dt>Proposer key</dt>
          <dd class="mono">{hd.proposer}</dd>
          <dt>State root</dt>
          <dd class="mono">{hd.stateRoot}</dd>
          <dt>Transactions root</dt>
          <dd class="mono">{hd.txRoot}</dd>
          <dt>Transactions</dt>
          <dd>{hd.txCount}</dd>
        </dl>
        <h2>Transactions</h2>
        {v.txs.length === 0
          ? <p class="empty">No transactions in this block.</p>
          : (
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">Kind</th>
                  <th scope="col">From</th>
                  <th scope="col" class="num">Fee</th>
                </tr>
              </thead>
              <tbody>
                {v.txs.map((t) => (
                  <tr key={t.id}>
                    <td class="mono">
                      <a href={`/explorer/tx/${t.id}`}>{shortId(t.id)}</a>
                    </td>
                    <td>{t.tx.body.kind}</td>
                    <td class="mono">
                      <a href={`/explorer/account/${t.sender}`}>{shortId(t.sender)}</a>
                    </td>
                    <td class="num">{formatThb(t.tx.body.feeSatang)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
      </>
    );
  },
});
