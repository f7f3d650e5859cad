/**
 * A validator skips re-verifying a proposed transaction it already verified
 * into its mempool (same id and same signature bytes), and still refuses a
 * proposal carrying a mempool transaction's body with another signature.
 */
import assert from "node:assert/strict";
import { toSignedTxJson } from "../node/chain/transaction.ts";
import { buildProposalBlock, validateBlock } from "../node/runtime/block_pipeline.ts";
import { signWith, startTestNode, testWallet, waitFor } from "./helpers/test_node.ts";

Deno.test("validateBlock: mempool transactions are not verified twice; a swapped signature is refused", async () => {
  const alice = testWallet("alice");
  const bob = testWallet("bob");
  // Long blocks: after block 1 nothing is produced while the test builds its own proposals.
  const node = await startTestNode({
    accounts: [{ address: alice.address, balanceSatang: 1_000_000, energyWh: 0 }],
    blockTimeMs: 600_000,
  });
  try {
    const grid = node.running.node;
    await waitFor(() => grid.head.header.height >= 1, 20_000, "block 1");
    const transfer = (amountSatang: number) =>
      signWith(alice, {
        kind: "transfer",
        nonce: 0,
        feeSatang: 10,
        expiresAtMs: Date.now() + 600_000,
        payload: { to: bob.address, amountSatang, amountWh: 0 },
      });
    const tx = transfer(1_000);
    const [admitted] = await grid.admitBatch([tx]);
    assert.deepEqual(admitted, { id: tx.id, status: "pending" });

    const proposal = await buildProposalBlock(grid.pipeline, Date.now());
    assert.ok(proposal !== null && proposal.block.txs.length === 1);
    // The real verifier, counting what it is asked to verify.
    const batches: number[] = [];
    const verifier = {
      verifyBatch: (items: Parameters<typeof grid.verifier.verifyBatch>[0]) => {
        batches.push(items.length);
        return grid.verifier.verifyBatch(items);
      },
    };
    const ctx = () => ({ ...grid.pipeline, verifier });
    const prepared = await validateBlock(ctx(), proposal.block);
    assert.equal(prepared.hash, proposal.hash);
    assert.deepEqual(
      batches,
      [1],
      "only the block signature: the transaction was verified on admission",
    );

    // The same body with another transaction's signature (valid for that one, not this).
    const other = transfer(2_000);
    const swapped = {
      ...proposal.block,
      txs: [{ ...proposal.block.txs[0]!, signature: toSignedTxJson(other).signature }],
    };
    await assert.rejects(
      () => validateBlock(ctx(), swapped),
      (e: Error & { code?: string }) =>
        e.code === "BAD_SIGNATURE" && /Transaction 0 of block/.test(e.message),
    );
    assert.deepEqual(batches, [1, 2], "a signature unlike the mempool's is verified");
  } finally {
    await node.stop();
  }
});
