/**
 * Network benchmarks (not part of the test suite):
 *  1. sync import rate: a 1-validator chain of N blocks with transfers, then
 *     an observer syncs it from genesis (commit, block, tx signatures, seals
 *     and the transition checked for every block);
 *  2. proposal-to-finality time with 4 validators on loopback.
 *
 *   deno run -A tests/network_bench.ts [blocks=300] [txsPerBlock=20]
 */
import { signWith, testWallet, waitFor } from "./helpers/test_node.ts";
import {
  heightOf,
  type NetworkNode,
  removeDirs,
  startMeshNodes,
  startNetworkNode,
} from "./helpers/network.ts";

const BLOCKS = Number(Deno.args[0] ?? 300);
const TXS_PER_BLOCK = Number(Deno.args[1] ?? 20);

async function finalitySeconds(n: NetworkNode): Promise<{ mean: number; count: number }> {
  const text = await (await fetch(`${n.baseUrl}/metrics`)).text();
  const sum = Number(/gridtokenx_consensus_finality_seconds_sum (\S+)/.exec(text)?.[1]);
  const count = Number(/gridtokenx_consensus_finality_seconds_count (\S+)/.exec(text)?.[1]);
  return { mean: sum / count, count };
}

async function benchSync(): Promise<void> {
  const user = testWallet("bench user");
  const accounts = [{ address: user.address, balanceSatang: 10_000_000_000 }];
  const to = testWallet("bench to");
  const src = await startNetworkNode({ validators: 1, key: 0, blockTimeMs: 100, accounts });
  const dirs = [src.dataDir];
  try {
    let nonce = 0;
    while (heightOf(src) < BLOCKS) {
      const txs = Array.from({ length: TXS_PER_BLOCK }, () =>
        signWith(user, {
          kind: "transfer",
          nonce: nonce++,
          feeSatang: 10,
          expiresAtMs: Date.now() + 600_000,
          payload: { to: to.address, amountSatang: 1, amountWh: 0 },
        }));
      await src.running.node.admitBatch(txs);
      const h = heightOf(src);
      await waitFor(() => heightOf(src) > h, 10_000, "next block");
    }
    const t0 = performance.now();
    const obs = await startNetworkNode({
      validators: 1,
      key: "bench observer",
      nodeType: "observer",
      blockTimeMs: 100,
      accounts,
      bootstrapPeers: src.addresses.slice(0, 1),
    });
    dirs.push(obs.dataDir);
    const target = heightOf(src);
    await waitFor(() => heightOf(obs) >= target, 300_000, "synced");
    const ms = performance.now() - t0;
    console.log(
      `sync: ${target} blocks (${TXS_PER_BLOCK} transfers each) in ${ms.toFixed(0)} ms ` +
        `(incl. node start) = ${(target / (ms / 1000)).toFixed(0)} blocks/s`,
    );
    await obs.stop();
  } finally {
    await src.stop();
    await removeDirs(dirs);
  }
}

async function benchFinality(): Promise<void> {
  const nodes: NetworkNode[] = [];
  try {
    await startMeshNodes(nodes, [0, 1, 2, 3], () => ({ validators: 4, blockTimeMs: 400 }));
    await waitFor(() => nodes.every((n) => heightOf(n) >= 40), 120_000, "40 blocks");
    for (const [i, n] of nodes.entries()) {
      const f = await finalitySeconds(n);
      console.log(
        `finality node ${i}: mean ${(f.mean * 1000).toFixed(1)} ms over ${f.count} blocks`,
      );
    }
  } finally {
    await Promise.all(nodes.map((n) => n.stop()));
    await removeDirs(nodes.map((n) => n.dataDir));
  }
}

Deno.env.set("GRIDTOKENX_PASSPHRASE", "test passphrase, not a secret");
await benchSync();
await benchFinality();
Deno.exit(0);
