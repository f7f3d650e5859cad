/**
 * Sync against a hostile peer: H (a bare libp2p node of this test) serves a
 * forged block (real block, re-labelled height and state root, real commit)
 * for every range request. A late observer D that syncs from H penalises it
 * (`invalid_block`, −60) on each pass; on the second pass H is banned and
 * disconnected, and D syncs from the honest validator it dials meanwhile.
 */
import assert from "node:assert/strict";
import type { Commit } from "../node/consensus/votes.ts";
import { verifyWebCrypto } from "../node/crypto/ed25519.ts";
import { sha256 } from "../node/crypto/sha256.ts";
import { createP2PNode } from "../node/p2p/p2p_node.ts";
import { encodeBlockWithCommit } from "../node/runtime/wire_messages.ts";
import {
  getBlockHash,
  heightOf,
  type NetworkNode,
  removeDirs,
  startMeshNodes,
  startNetworkNode,
} from "./helpers/network.ts";
import { TEST_NETWORK_ID, testWallet, waitFor } from "./helpers/test_node.ts";

Deno.test({
  name:
    "sync: a peer serving a forged block is penalised and banned; the node syncs from an honest one",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const nodes: NetworkNode[] = [];
    const wallet = testWallet("hostile sync peer");
    let honest: NetworkNode | null = null;
    let forged = 0;
    const hostile = await createP2PNode({
      networkId: TEST_NETWORK_ID,
      identitySecretKey: sha256(new TextEncoder().encode("hostile sync identity")),
      signingKey: { publicKey: wallet.publicKey, sign: wallet.sign },
      verify: (pub, msg, sig) => verifyWebCrypto(sig, msg, pub),
      blockRangeProvider: async (from) => {
        const store = honest!.running.node.store;
        const h = Math.min(from, heightOf(honest!));
        const block = (await store.getBlock(h))!;
        const commit = (await store.getBlockRecord(h))!.commit as Commit;
        forged++;
        return [
          encodeBlockWithCommit({
            block: {
              ...block,
              header: { ...block.header, height: from, stateRoot: "cd".repeat(32) },
            },
            commit: { ...commit, height: from },
          }),
        ];
      },
    });
    try {
      await hostile.start();
      await startMeshNodes(nodes, [0, 1, 2], () => ({ validators: 3, blockTimeMs: 400 }));
      honest = nodes[0]!;
      await waitFor(() => heightOf(honest!) >= 3, 20_000, "validators at height 3");

      const observer = await startNetworkNode({
        validators: 3,
        key: "sync observer",
        nodeType: "observer",
        blockTimeMs: 400,
        bootstrapPeers: [hostile.multiaddrs()[0]!],
      });
      nodes.push(observer);
      const net = observer.running.node.driver!.network!;
      const standing = () => net.peers().find((p) => p.id === hostile.peerId);
      await waitFor(() => (standing()?.score ?? 0) <= -50, 15_000, "hostile peer penalised");
      assert.equal(heightOf(observer), 0, "nothing imported from the forged range");
      console.log(`after pass 1: ${JSON.stringify(standing())}`);

      await net.p2p.dial(honest.addresses[0]!);
      await waitFor(
        () => standing()?.bannedUntilMs !== null && standing()?.connected === false,
        15_000,
        "hostile peer banned and disconnected",
      );
      const target = heightOf(honest) + 1;
      await waitFor(() => heightOf(observer) >= target, 20_000, "observer synced from honest peer");
      assert.equal(await getBlockHash(observer, target), await getBlockHash(honest, target));
      assert.ok(forged >= 2, `forged ranges served: ${forged}`);
      assert.equal(observer.running.node.fault, null);
      console.log(`observer at ${heightOf(observer)}, hostile served ${forged} forged ranges`);
    } finally {
      await hostile.stop().catch(() => {});
      await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
      await removeDirs(nodes.map((n) => n.dataDir));
    }
  },
});
