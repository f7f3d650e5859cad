/** Table of block summaries, newest first; links to the explorer. */
import type { BlockSummary } from "./rates.ts";
import { formatInt, formatTime, shortId } from "./format.ts";

export function BlockTable({ blocks }: { blocks: readonly BlockSummary[] }) {
  if (blocks.length === 0) return <p class="empty">No blocks yet.</p>;
  return (
    <table class="data" id="recent-blocks">
      <thead>
        <tr>
          <th scope="col">Height</th>
          <th scope="col">Hash</th>
          <th scope="col">Time (UTC)</th>
          <th scope="col" class="num">Txs</th>
          <th scope="col">Proposer</th>
        </tr>
      </thead>
      <tbody>
        {blocks.map((b) => (
          <tr key={b.height}>
            <td>
              <a href={`/explorer/block/${b.height}`}>{formatInt(b.height)}</a>
            </td>
            <td class="mono">{shortId(b.hash)}</td>
            <td>{formatTime(b.timestampMs)}</td>
            <td class="num">{formatInt(b.txCount)}</td>
            <td class="mono">
              <a href={`/explorer/account/${b.proposer}`}>{shortId(b.proposer)}</a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
