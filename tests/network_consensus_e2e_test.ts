/**
 * Four validators over real libp2p on 127.0.0.1, in this process: they agree
 * on every block hash and state root; transactions submitted to any node are
 * committed once; with 1 of 4 stopped the chain goes on; with 2 of 4 stopped
 * nothing is finalized, and when one returns the chain resumes; a new node
 * started later syncs from genesis and follows.
 */
import assert from "node:assert/strict";
import {
  getBlockHash,
  heightOf,
  type NetworkNode,
  removeDirs,
  startMeshNodes,
  startNetworkNode,
  validatorWallet,
} from "./helpers/network.ts";
import { signWith, testWallet, waitFor } from "./helpers/test_node.ts";

const BLOCK_MS = 400;

async function assertAgree(nodes: NetworkNode[], upTo: number): Promise<void> {
  for (let h = 1; h <= upTo; h++) {
    const recs = await Promise.all(nodes.map((n) => n.running.node.store.getBlockRecord(h)));
    const hashes = new Set(recs.map((r) => r?.hash));
    const roots = new Set(recs.map((r) => r?.header.stateRoot));
    assert.equal(hashes.size, 1, `block ${h} hashes differ: ${[...hashes].join(" ")}`);
    assert.equal(roots.size, 1, `block ${h} state roots differ`);
    assert.ok(recs[0]?.commit, `block ${h} is stored with its commit`);
  }
}

Deno.test({
  name: "4 validators: agreement, txs via any node, 1 of 4 down, 2 of 4 down, late joiner",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dirs: string[] = [];
    const nodes: NetworkNode[] = [];
    const user = testWallet("network user");
    const to = testWallet("network recipient");
    try {
      const accounts = [{ address: user.address, balanceSatang: 1_000_000_000 }];
      await startMeshNodes(nodes, [0, 1, 2, 3], () => ({
        validators: 4,
        blockTimeMs: BLOCK_MS,
        accounts,
      })).finally(() => dirs.push(...nodes.map((n) => n.dataDir)));
      await waitFor(() => nodes.every((n) => heightOf(n) >= 4), 20_000, "4 blocks on every node");
      const status = await (await fetch(`${nodes[0]!.baseUrl}/api/v1/status`)).json();
      assert.equal(status.role, "validator");
      assert.equal(status.validators.length, 4);
      assert.ok(status.peers >= 3, `peers ${status.peers}`);
      assert.ok(status.consensus.height >= 4);

      // Transactions submitted to each node are committed once, everywhere.
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const tx = signWith(user, {
          kind: "transfer",
          nonce: i,
          feeSatang: 10,
          expiresAtMs: Date.now() + 60_000,
          payload: { to: to.address, amountSatang: 1000, amountWh: 0 },
        });
        ids.push(tx.id);
        const res = await fetch(`${nodes[i]!.baseUrl}/api/v1/transactions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            body: tx.body,
            signature: [...tx.signature].map((b) => b.toString(16).padStart(2, "0")).join(""),
          }),
        });
        assert.ok(res.status < 300, `submit to node ${i}: ${res.status} ${await res.text()}`);
      }
      await waitFor(
        () => nodes.every((n) => n.running.node.getAccount(to.address).balanceSatang === 4000),
        20_000,
        "4 transfers on every node",
      );
      for (const id of ids) {
        const locs = await Promise.all(nodes.map((n) => n.running.node.store.getTxLocation(id)));
        assert.equal(new Set(locs.map((l) => JSON.stringify(l))).size, 1, "same place everywhere");
      }
      const h1 = Math.min(...nodes.map(heightOf));
      await assertAgree(nodes, h1);

      // 1 of 4 down: the chain goes on.
      await nodes[3]!.stop();
      const live = nodes.slice(0, 3);
      const h2 = Math.max(...live.map(heightOf));
      await waitFor(
        () => live.every((n) => heightOf(n) >= h2 + 3),
        20_000,
        "3 more blocks with 3/4",
      );

      // 2 of 4 down: nothing is finalized.
      await nodes[2]!.stop();
      const two = nodes.slice(0, 2);
      await new Promise((r) => setTimeout(r, 2 * BLOCK_MS));
      const h3 = Math.max(...two.map(heightOf));
      await new Promise((r) => setTimeout(r, 6 * BLOCK_MS));
      assert.equal(Math.max(...two.map(heightOf)), h3, "no block with 2 of 4 validators");

      // One returns (same data dir): the chain resumes.
      nodes[2] = await startNetworkNode({
        validators: 4,
        key: 2,
        accounts: [{ address: user.address, balanceSatang: 1_000_000_000 }],
        dataDir: nodes[2]!.dataDir,
        blockTimeMs: BLOCK_MS,
        bootstrapPeers: two.flatMap((p) => p.addresses.slice(0, 1)),
      });
      const three = nodes.slice(0, 3);
      await waitFor(() => three.every((n) => heightOf(n) >= h3 + 3), 30_000, "resumed");

      // A new (non-validator) node syncs from genesis and follows.
      const late = await startNetworkNode({
        validators: 4,
        key: "late observer",
        accounts: [{ address: user.address, balanceSatang: 1_000_000_000 }],
        nodeType: "observer",
        blockTimeMs: BLOCK_MS,
        bootstrapPeers: three.flatMap((p) => p.addresses.slice(0, 1)),
      });
      nodes.push(late);
      dirs.push(late.dataDir);
      const target = heightOf(nodes[0]!) + 2;
      await waitFor(() => heightOf(late) >= target, 30_000, "late node synced and following");
      assert.equal((await (await fetch(`${late.baseUrl}/api/v1/status`)).json()).role, "observer");
      assert.equal(await getBlockHash(late, target), await getBlockHash(nodes[0]!, target));
      assert.equal(late.running.node.getAccount(to.address).balanceSatang, 4000);
      const peers = await (await fetch(`${late.baseUrl}/api/v1/peers`)).json();
      assert.ok(peers.count >= 1 && typeof peers.peers[0].score === "number");
      const vals = await (await fetch(`${late.baseUrl}/api/v1/validators`)).json();
      assert.equal(vals.validators.length, 4);
      assert.equal(vals.this_node.role, "observer");
      const metrics = await (await fetch(`${nodes[0]!.baseUrl}/metrics`)).text();
      assert.match(metrics, /gridtokenx_network_peers \d/);
      assert.match(metrics, /gridtokenx_consensus_rounds \d/);
      assert.ok(validatorWallet(0).address.startsWith("gtx"));
    } finally {
      await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
      await removeDirs(dirs);
    }
  },
});
