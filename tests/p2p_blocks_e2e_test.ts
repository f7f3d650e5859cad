import assert from "node:assert/strict";
import { startNode, stopAll, waitForPeers } from "./p2p_test_helpers.ts";
import type { P2PNode } from "../node/p2p/p2p_node.ts";
import { P2PError } from "../node/p2p/errors.ts";
import { MAX_BLOCK_RESPONSE_BYTES } from "../node/p2p/topics.ts";

const CHAIN_HEIGHT = 1000;

function fakeBlock(height: number, sizeBytes = 16): Uint8Array {
  const block = new Uint8Array(sizeBytes);
  new DataView(block.buffer).setUint32(0, height, false);
  return block;
}

Deno.test("p2p: block range request over a libp2p stream", async () => {
  const nodes: P2PNode[] = [];
  try {
    let bigBlocks = false;
    const a = await startNode(11, {
      blockRangeProvider: (from, count) => {
        const blocks: Uint8Array[] = [];
        for (let h = from; h < Math.min(from + count, CHAIN_HEIGHT); h++) {
          blocks.push(fakeBlock(h, bigBlocks ? 64 * 1024 : 16));
        }
        return Promise.resolve(blocks);
      },
    });
    nodes.push(a);
    const b = await startNode(12, { bootstrapPeers: a.multiaddrs() });
    nodes.push(b);
    await waitForPeers(b, 1);

    const blocks = await b.requestBlocks(a.peerId, 5, 10);
    assert.equal(blocks.length, 10);
    blocks.forEach((block, i) => assert.deepEqual(block, fakeBlock(5 + i)));

    // Past the tip: fewer blocks, no error.
    assert.equal((await b.requestBlocks(a.peerId, CHAIN_HEIGHT - 3, 10)).length, 3);

    // Over the per-request limit: rejected locally with a typed error.
    await assert.rejects(
      b.requestBlocks(a.peerId, 0, 300),
      (err: unknown) => err instanceof P2PError && err.code === "REQUEST_INVALID",
    );

    // 256 blocks of 64 KiB = 16 MiB: the server truncates to fit 8 MiB.
    bigBlocks = true;
    const started = performance.now();
    const big = await b.requestBlocks(a.peerId, 0, 256);
    const elapsedMs = performance.now() - started;
    assert.ok(big.length > 100 && big.length < 128, `got ${big.length} blocks`);
    const totalBytes = big.reduce((sum, block) => sum + block.length, 0);
    assert.ok(totalBytes <= MAX_BLOCK_RESPONSE_BYTES);
    big.forEach((block, i) => assert.deepEqual(block.subarray(0, 4), fakeBlock(i).subarray(0, 4)));
    console.log(`8 MiB block response: ${big.length} blocks in ${elapsedMs.toFixed(0)} ms`);

    // A node without a provider refuses; the requester gets an error, not a hang.
    await assert.rejects(
      a.requestBlocks(b.peerId, 0, 1),
      (err: unknown) => err instanceof P2PError && err.code === "REQUEST_FAILED",
    );
  } finally {
    await stopAll(nodes);
  }
});
