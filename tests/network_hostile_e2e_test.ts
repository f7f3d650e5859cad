/**
 * Hostile peers next to three honest validators (issue #9), each a bare
 * libp2p node of this test:
 * - R replays finalized proposals, committed blocks and votes of past
 *   heights (re-signed, so gossipsub does not drop them as duplicates): they
 *   are dropped before any signature check, nothing is re-applied, and R pays
 *   nothing while under the rate limit.
 * - F floods the `tx` topic with re-sent batches of one transaction (a
 *   duplicate) while users submit transfers: the duplicates are skipped
 *   before any verification, F is penalised (over its budget of batches with
 *   nothing new) and banned; every transfer is committed and blocks keep
 *   being finalized.
 * - V sends votes signed by a non-validator key, votes with bad signatures
 *   and a proposal from a key that is not the proposer: all rejected, V is
 *   penalised and banned.
 */
import assert from "node:assert/strict";
import { signProposal, signVote } from "../node/consensus/votes.ts";
import { verifyWebCrypto } from "../node/crypto/ed25519.ts";
import { sha256 } from "../node/crypto/sha256.ts";
import { toHex } from "../node/crypto/hex.ts";
import { createP2PNode, type P2PNode } from "../node/p2p/p2p_node.ts";
import {
  encodeBlocksMessage,
  encodeTxBatchMessage,
  encodeTxItem,
  encodeVoteMessage,
} from "../node/runtime/wire_messages.ts";
import {
  getBlockHash,
  heightOf,
  type NetworkNode,
  removeDirs,
  startNetworkNode,
  validatorWallet,
} from "./helpers/network.ts";
import { signWith, TEST_NETWORK_ID, testWallet, waitFor } from "./helpers/test_node.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function startHostile(label: string): Promise<P2PNode> {
  const wallet = testWallet(label);
  const node = await createP2PNode({
    networkId: TEST_NETWORK_ID,
    identitySecretKey: sha256(new TextEncoder().encode(`${label} identity`)),
    signingKey: { publicKey: wallet.publicKey, sign: wallet.sign },
    verify: (pub, msg, sig) => verifyWebCrypto(sig, msg, pub),
  });
  await node.start();
  return node;
}

function standingOn(n: NetworkNode, peer: string) {
  return n.running.node.driver!.network!.peers().find((p) => p.id === peer);
}

Deno.test({
  name:
    "hostile peers: replays ignored cheaply, a flooder banned under tx load, forged votes rejected",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const nodes: NetworkNode[] = [];
    const hostiles: P2PNode[] = [];
    const user = testWallet("hostile test user");
    const to = testWallet("hostile test recipient");
    try {
      const replayer = await startHostile("replayer");
      hostiles.push(replayer);
      const captured: { topic: "blocks" | "votes"; payload: Uint8Array }[] = [];
      let capturing = true;
      for (const topic of ["blocks", "votes"] as const) {
        replayer.onMessage(topic, (m) => {
          if (capturing) captured.push({ topic, payload: m.payload });
          return "accept";
        });
      }
      for (let i = 0; i < 3; i++) {
        nodes.push(
          await startNetworkNode({
            validators: 3,
            key: i,
            blockTimeMs: 400,
            bootstrapPeers: [
              replayer.multiaddrs()[0]!,
              ...nodes.flatMap((p) => p.addresses.slice(0, 1)),
            ],
            accounts: [{ address: user.address, balanceSatang: 1_000_000_000 }],
          }),
        );
      }
      const [n0, n1, n2] = nodes as [NetworkNode, NetworkNode, NetworkNode];
      await waitFor(() => heightOf(n0) >= 4, 20_000, "height 4");
      capturing = false;
      const capturedUpTo = heightOf(n0);

      // (a) Replays of finalized heights.
      await waitFor(() => heightOf(n0) >= capturedUpTo + 2, 10_000, "two more blocks");
      const net0 = n0.running.node.driver!.network!;
      const staleBefore = net0.stats.staleDropped;
      const hashesBefore = await Promise.all([1, 2, 3].map((h) => getBlockHash(n0, h)));
      let replayed = 0;
      for (let pass = 0; pass < 2; pass++) {
        for (const m of captured) {
          await replayer.publish(m.topic, m.payload);
          replayed++;
        }
        await sleep(20);
      }
      await waitFor(
        () => net0.stats.staleDropped - staleBefore >= replayed * 0.9,
        10_000,
        "replays dropped as stale",
      );
      assert.deepEqual(await Promise.all([1, 2, 3].map((h) => getBlockHash(n0, h))), hashesBefore);
      assert.equal(
        standingOn(n0, replayer.peerId)?.score ?? 0,
        0,
        "replays under the rate cost nothing",
      );
      console.log(
        `replay: ${replayed} messages of heights <= ${capturedUpTo}, ` +
          `stale dropped ${net0.stats.staleDropped - staleBefore}`,
      );

      const tB = performance.now();
      // (b) A flood of re-sent transactions while users submit transfers.
      const flooder = await startHostile("flooder");
      hostiles.push(flooder);
      await flooder.dial(n1.addresses[0]!);
      await sleep(1500); // gossipsub mesh
      const h0 = heightOf(n1);
      const transfers = Array.from({ length: 12 }, (_, i) =>
        signWith(user, {
          kind: "transfer",
          nonce: i,
          feeSatang: 10,
          expiresAtMs: Date.now() + 120_000,
          payload: { to: to.address, amountSatang: 1000, amountWh: 0 },
        }));
      const dup = encodeTxBatchMessage([
        encodeTxItem({ body: transfers[0]!.body, signature: toHex(transfers[0]!.signature) }),
      ]);
      const submit = async (i: number) => {
        const tx = transfers[i]!;
        const res = await fetch(`${n0.baseUrl}/api/v1/transactions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ body: tx.body, signature: toHex(tx.signature) }),
        });
        assert.ok(res.status < 300, `transfer ${i}: HTTP ${res.status}`);
        await res.body?.cancel();
      };
      // The flood re-sends transfer 0 (a duplicate once it is admitted).
      await submit(0);
      let flooded = 0;
      let flooding = true;
      const flood = (async () => {
        while (flooding && flooded < 20_000) {
          await flooder.publish("tx", dup).catch(() => {});
          flooded++;
          if (flooded % 50 === 0) await sleep(0);
        }
      })();
      for (let i = 1; i < transfers.length; i++) {
        await submit(i);
        await sleep(30);
      }
      await waitFor(
        () => standingOn(n1, flooder.peerId)?.bannedUntilMs != null,
        20_000,
        "flooder banned",
      );
      flooding = false;
      await flood;
      await waitFor(
        () =>
          nodes.every((n) =>
            n.running.node.getAccount(to.address).balanceSatang === transfers.length * 1000
          ),
        30_000,
        "every transfer committed on every node",
      );
      assert.ok(heightOf(n1) > h0, `a block finalized during the flood: ${h0} -> ${heightOf(n1)}`);
      await waitFor(() => heightOf(n1) >= h0 + 2, 10_000, "blocks go on after the flood");
      await waitFor(
        () => standingOn(n1, flooder.peerId)?.connected === false,
        5_000,
        "flooder gone",
      );
      console.log(`flood: ${flooded} messages sent, height ${h0} -> ${heightOf(n1)}`);

      const tC = performance.now();
      console.log(`phase b ${(tC - tB).toFixed(0)} ms`);
      // (c) Forged votes and a forged proposal.
      const forger = await startHostile("forger");
      hostiles.push(forger);
      await forger.dial(n2.addresses[0]!);
      await sleep(1500);
      const fake = testWallet("forger");
      const net2 = n2.running.node.driver!.network!;
      const rejectedBefore = net2.stats.unauthorisedRejected;
      for (let round = 0; round < 2; round++) {
        await forger.publish(
          "votes",
          encodeVoteMessage(signVote({
            type: "prevote",
            networkId: TEST_NETWORK_ID,
            height: heightOf(n2) + 1,
            round,
            blockHash: null,
            validator: fake.publicKeyHex,
          }, fake.sign)),
        );
      }
      await waitFor(
        () => (standingOn(n2, forger.peerId)?.score ?? 0) <= -35,
        10_000,
        "forger penalised for non-validator votes",
      );
      assert.ok(net2.stats.unauthorisedRejected - rejectedBefore >= 1);
      const head = n2.running.node.head.header;
      await forger.publish(
        "blocks",
        encodeBlocksMessage({
          kind: "proposal",
          proposal: signProposal({
            networkId: TEST_NETWORK_ID,
            height: head.height + 1,
            round: 0,
            polRound: -1,
            blockHash: "ab".repeat(32),
            proposer: fake.publicKeyHex,
          }, fake.sign),
          block: {
            header: { ...head, height: head.height + 1, proposer: fake.publicKeyHex },
            txs: [],
            signature: "11".repeat(64),
          },
        }),
      ).catch(() => {});
      for (let round = 0; round < 6; round++) {
        await forger.publish(
          "votes",
          encodeVoteMessage({
            type: "precommit",
            networkId: TEST_NETWORK_ID,
            height: heightOf(n2) + 1,
            round: round + 10,
            blockHash: null,
            validator: validatorWallet(1).publicKeyHex,
            signature: "00".repeat(64),
          }),
        ).catch(() => {});
      }
      await waitFor(
        () => {
          const s = standingOn(n2, forger.peerId);
          return s?.bannedUntilMs != null && !s.connected;
        },
        10_000,
        "forger banned and disconnected",
      );
      const h = Math.max(...nodes.map(heightOf));
      await waitFor(() => nodes.every((n) => heightOf(n) >= h + 2), 15_000, "honest nodes go on");
      assert.equal(await getBlockHash(n0, h + 1), await getBlockHash(n2, h + 1));
      assert.ok(nodes.every((n) => n.running.node.fault === null));
    } finally {
      await Promise.allSettled(hostiles.map((x) => x.stop()));
      await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
      await removeDirs(nodes.map((n) => n.dataDir));
    }
  },
});
