/**
 * A Byzantine validator (key 3 of 4, driven by a bare p2p node in this test)
 * next to three honest nodes: its conflicting votes are turned into evidence
 * and it is slashed and leaves the set; its garbage, badly signed votes and
 * invalid blocks get it penalised and disconnected; the honest nodes go on.
 */
import assert from "node:assert/strict";
import { signVote } from "../node/consensus/votes.ts";
import { verifyWebCrypto } from "../node/crypto/ed25519.ts";
import { sha256 } from "../node/crypto/sha256.ts";
import { createP2PNode } from "../node/p2p/p2p_node.ts";
import { encodeBlocksMessage, encodeVoteMessage } from "../node/runtime/wire_messages.ts";
import {
  heightOf,
  NETWORK_STAKE_SATANG,
  type NetworkNode,
  removeDirs,
  startMeshNodes,
  validatorWallet,
} from "./helpers/network.ts";
import { TEST_NETWORK_ID, waitFor } from "./helpers/test_node.ts";

Deno.test({
  name: "equivocating validator is slashed; a peer sending garbage is banned; honest nodes go on",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const nodes: NetworkNode[] = [];
    const evil = validatorWallet(3);
    const adversary = await createP2PNode({
      networkId: TEST_NETWORK_ID,
      identitySecretKey: sha256(new TextEncoder().encode("adversary identity")),
      signingKey: { publicKey: evil.publicKey, sign: evil.sign },
      verify: (pub, msg, sig) => verifyWebCrypto(sig, msg, pub),
    });
    try {
      await startMeshNodes(nodes, [0, 1, 2], () => ({ validators: 4, blockTimeMs: 400 }));
      await waitFor(() => nodes.every((n) => heightOf(n) >= 2), 20_000, "blocks with 3 of 4");
      await adversary.start();
      await adversary.dial(nodes[0]!.addresses[0]!);
      await waitFor(
        () => nodes[0]!.running.node.driver!.peerCount() >= 3,
        10_000,
        "adversary connected",
      );
      await new Promise((r) => setTimeout(r, 1500)); // gossipsub mesh forms

      // Double signing: two different prevotes for the same height and round.
      const evilAddress = evil.address;
      await waitFor(
        async () => {
          const h = heightOf(nodes[0]!) + 1;
          for (const height of [h, h + 1]) {
            for (const blockHash of [null, "ab".repeat(32)]) {
              const vote = signVote({
                type: "prevote",
                networkId: TEST_NETWORK_ID,
                height,
                round: 0,
                blockHash,
                validator: evil.publicKeyHex,
              }, evil.sign);
              await adversary.publish("votes", encodeVoteMessage(vote));
            }
          }
          await new Promise((r) => setTimeout(r, 1000));
          return nodes[0]!.running.node.getAccount(evilAddress).stakeSatang < NETWORK_STAKE_SATANG;
        },
        20_000,
        "the equivocating validator slashed",
      );
      await waitFor(
        () => nodes.every((n) => !n.running.node.getValidatorSet().isValidator(evil.publicKeyHex)),
        10_000,
        "offender out of the set on every node",
      );

      // Garbage, bad signatures and invalid blocks: penalised, then banned.
      const badVote = {
        type: "prevote" as const,
        networkId: TEST_NETWORK_ID,
        height: heightOf(nodes[0]!) + 1,
        round: 0,
        blockHash: null,
        validator: evil.publicKeyHex,
        signature: "00".repeat(64),
      };
      const head = nodes[0]!.running.node.head.header;
      const badBlock = {
        header: { ...head, height: head.height + 1, stateRoot: "cd".repeat(32) },
        txs: [],
        signature: "11".repeat(64),
      };
      for (let i = 0; i < 12; i++) {
        await adversary.publish("blocks", new Uint8Array([0xff, 0x00, i])).catch(() => {});
        await adversary.publish("votes", encodeVoteMessage({ ...badVote, round: i })).catch(
          () => {},
        );
        await adversary.publish(
          "blocks",
          encodeBlocksMessage({
            kind: "commit",
            block: {
              ...badBlock,
              header: { ...badBlock.header, timestampMs: head.timestampMs + i },
            },
            commit: {
              height: head.height + 1,
              round: 0,
              blockHash: "ee".repeat(32),
              precommits: [],
            },
          }),
        ).catch(() => {});
      }
      await waitFor(
        async () => {
          const peers = await (await fetch(`${nodes[0]!.baseUrl}/api/v1/peers`)).json();
          const p = peers.peers.find((x: { peer_id: string }) => x.peer_id === adversary.peerId);
          return p !== undefined && p.banned_until_ms !== null && !p.connected;
        },
        15_000,
        "adversary banned and disconnected",
      );
      const h = Math.max(...nodes.map(heightOf));
      assert.ok(nodes.every((n) => n.running.node.fault === null));
      await waitFor(() => nodes.every((n) => heightOf(n) >= h + 3), 20_000, "honest nodes go on");
    } finally {
      await adversary.stop().catch(() => {});
      await Promise.all(nodes.map((n) => n.stop().catch(() => {})));
      await removeDirs(nodes.map((n) => n.dataDir));
    }
  },
});
