/**
 * Block-by-hash protocol between real libp2p nodes on 127.0.0.1: an honest
 * answer, "not held", a node without a provider, a malformed answer (penalised
 * by the p2p layer) and a wrong block (penalised by the caller through
 * `penalise`, which bans at the threshold and disconnects).
 */
import assert from "node:assert/strict";
import { sha256 } from "@noble/hashes/sha2.js";
import { startNode, stopAll, waitFor, waitForPeers } from "./p2p_test_helpers.ts";
import type { P2PNode } from "../node/p2p/p2p_node.ts";
import { P2PError } from "../node/p2p/errors.ts";

const blockOf = (n: number) => new TextEncoder().encode(`block number ${n}`);
const hashOf = (bytes: Uint8Array) => sha256(bytes);
const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

Deno.test("p2p: block by hash over a libp2p stream; wrong answers cost the peer", async () => {
  const nodes: P2PNode[] = [];
  try {
    const held = new Map<string, Uint8Array>();
    for (let i = 0; i < 5; i++) held.set(hex(hashOf(blockOf(i))), blockOf(i));
    const a = await startNode(61, {
      blockByHashProvider: (hash) => Promise.resolve(held.get(hex(hash)) ?? null),
    });
    nodes.push(a);
    // A liar: answers every request with block 0, whatever was asked.
    const liar = await startNode(62, { blockByHashProvider: () => Promise.resolve(blockOf(0)) });
    nodes.push(liar);
    const b = await startNode(63, { bootstrapPeers: [...a.multiaddrs(), ...liar.multiaddrs()] });
    nodes.push(b);
    await waitForPeers(b, 2);

    // Honest answer; the requester checks the hash.
    const t0 = performance.now();
    const got = await b.requestBlockByHash(a.peerId, hashOf(blockOf(3)));
    const ms = performance.now() - t0;
    assert.deepEqual(got, blockOf(3));
    assert.deepEqual(hashOf(got!), hashOf(blockOf(3)));
    console.log(`block by hash: ${ms.toFixed(1)} ms`);

    // Not held: null, no penalty either way.
    assert.equal(await b.requestBlockByHash(a.peerId, new Uint8Array(32).fill(9)), null);
    assert.equal(b.peers().find((p) => p.id === a.peerId)?.score ?? 0, 0);

    // Bad request is refused locally; a node without a provider resets the stream.
    await assert.rejects(
      b.requestBlockByHash(a.peerId, new Uint8Array(31)),
      (e: unknown) => e instanceof P2PError && e.code === "REQUEST_INVALID",
    );
    await assert.rejects(
      a.requestBlockByHash(b.peerId, hashOf(blockOf(1))),
      (e: unknown) => e instanceof P2PError && e.code === "REQUEST_FAILED",
    );

    // The liar's answer does not hash to the request: the caller penalises, twice bans.
    const wanted = hashOf(blockOf(4));
    for (let i = 0; i < 2; i++) {
      const answer = await b.requestBlockByHash(liar.peerId, wanted);
      assert.ok(answer !== null && hex(hashOf(answer)) !== hex(wanted));
      const r = b.penalise(liar.peerId, "invalid_block", "block-by-hash answer has another hash");
      assert.equal(r.banned, i === 1);
      if (i === 0) assert.equal(r.score, -60);
    }
    await waitFor(
      "liar disconnected",
      () => !b.peers().some((p) => p.id === liar.peerId && p.connected),
    );
    const standing = b.peers().find((p) => p.id === liar.peerId);
    assert.ok(standing?.bannedUntilMs !== null && standing?.bannedUntilMs !== undefined);
    await assert.rejects(
      b.requestBlockByHash(liar.peerId, wanted),
      (e: unknown) => e instanceof P2PError && e.code === "PEER_BANNED",
    );
    // The honest peer is still there.
    assert.deepEqual(await b.requestBlockByHash(a.peerId, hashOf(blockOf(2))), blockOf(2));
  } finally {
    await stopAll(nodes);
  }
});
