import assert from "node:assert/strict";
import {
  seedOf,
  signerOf,
  sleep,
  startNode,
  stopAll,
  waitFor,
  waitForPeers,
} from "./p2p_test_helpers.ts";
import type { GossipMessage, P2PNode } from "../node/p2p/p2p_node.ts";

Deno.test("p2p: message published on A reaches B and C exactly once, envelope verified", async () => {
  const nodes: P2PNode[] = [];
  try {
    const a = await startNode(1);
    nodes.push(a);
    const bootstrap = a.multiaddrs();
    const b = await startNode(2, { bootstrapPeers: bootstrap });
    const c = await startNode(3, { bootstrapPeers: bootstrap });
    nodes.push(b, c);
    await waitForPeers(a, 2);
    await waitForPeers(b, 1);
    await waitForPeers(c, 1);

    const received = new Map<string, GossipMessage[]>([["b", []], ["c", []]]);
    b.onMessage("tx", (m) => {
      received.get("b")!.push(m);
      return "accept";
    });
    c.onMessage("tx", (m) => {
      received.get("c")!.push(m);
      return "accept";
    });
    // Let subscriptions propagate and meshes form (one gossipsub heartbeat is 1 s).
    await sleep(1500);
    const payload = new TextEncoder().encode("hello grid");
    const recipients = await a.publish("tx", payload);
    assert.ok(recipients >= 2, `sent to ${recipients} peers`);
    await waitFor(
      "B and C to receive",
      () => received.get("b")!.length >= 1 && received.get("c")!.length >= 1,
    );
    await sleep(1500); // any duplicate would arrive within this window
    for (const [name, list] of received) {
      assert.equal(list.length, 1, `${name} got ${list.length} copies`);
      const m = list[0]!;
      assert.deepEqual(m.payload, payload);
      assert.deepEqual(m.senderPublicKey, signerOf(seedOf(101)).publicKey);
      assert.equal(m.topic, "tx");
      assert.equal(m.fromPeer, a.peerId);
    }

    // B -> A -> C: A validates and forwards; C sees it once, relayed by A.
    const onA: GossipMessage[] = [];
    a.onMessage("votes", (m) => {
      onA.push(m);
      return "accept";
    });
    const onC: GossipMessage[] = [];
    c.onMessage("votes", (m) => {
      onC.push(m);
      return "accept";
    });
    await b.publish("votes", new Uint8Array([1, 2, 3]));
    await waitFor("C to receive B's vote via A", () => onC.length >= 1);
    await sleep(1000);
    assert.equal(onA.length, 1);
    assert.equal(onC.length, 1);
    assert.equal(onC[0]!.fromPeer, a.peerId);
    assert.deepEqual(onC[0]!.senderPublicKey, signerOf(seedOf(102)).publicKey);
  } finally {
    await stopAll(nodes);
  }
});
