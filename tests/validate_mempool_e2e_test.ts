/**
 * A validator reuses a proposed transaction it already parsed and verified
 * (into its mempool, or from a recent proposal) when the wire form is exactly
 * the same, parses and verifies the others in the verify workers, and still
 * refuses a proposal pairing a held body with another signature or a held
 * signature with another body, with the same errors as the same-thread path.
 */
import assert from "node:assert/strict";
import { toSignedTxJson } from "../node/chain/transaction.ts";
import type { Block } from "../node/chain/block.ts";
import type { VerifyPool } from "../workers/verify_pool.ts";
import { buildProposalBlock, validateBlock } from "../node/runtime/block_pipeline.ts";
import { signWith, startTestNode, testWallet, waitFor } from "./helpers/test_node.ts";

/**
 * A node funding alice, with long blocks: after block 1 nothing is produced
 * while the test builds its own proposals.
 */
async function startIdleNode() {
  const alice = testWallet("alice");
  const bob = testWallet("bob");
  const node = await startTestNode({
    accounts: [{ address: alice.address, balanceSatang: 1_000_000, energyWh: 0 }],
    blockTimeMs: 600_000,
  });
  const grid = node.running.node;
  try {
    await waitFor(() => grid.head.header.height >= 1, 20_000, "block 1");
  } catch (e) {
    await node.stop();
    throw e;
  }
  return { alice, bob, node, grid };
}

Deno.test("validateBlock: mempool transactions are not verified twice; a swapped signature is refused", async () => {
  const { alice, bob, node, grid } = await startIdleNode();
  try {
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

Deno.test("validateBlock: unheld transactions parsed in the workers once; hostile bodies refused on both paths", async () => {
  const { alice, bob, node, grid } = await startIdleNode();
  try {
    const pool = grid.verifier as VerifyPool;
    assert.equal(typeof pool.parseAndVerify, "function", "the node runs a verify pool");
    const transfer = (nonce: number, amountSatang: number) =>
      signWith(alice, {
        kind: "transfer",
        nonce,
        feeSatang: 10,
        expiresAtMs: Date.now() + 600_000,
        payload: { to: bob.address, amountSatang, amountWh: 0 },
      });
    const [t0, t1] = [transfer(0, 1_000), transfer(1, 1_000)];
    await grid.admitBatch([t0, t1]);
    const proposal = await buildProposalBlock(grid.pipeline, Date.now());
    assert.ok(proposal !== null && proposal.block.txs.length === 2);
    // t1 left the mempool (e.g. never received by gossip): it must be parsed and verified.
    grid.mempool.remove(t1.id);

    const parsedItems: number[] = [];
    const verified: number[] = [];
    const workers = {
      verifyBatch: (items: Parameters<VerifyPool["verifyBatch"]>[0]) => {
        verified.push(items.length);
        return pool.verifyBatch(items);
      },
      parseAndVerify: (items: readonly unknown[]) => {
        parsedItems.push(items.length);
        return pool.parseAndVerify(items);
      },
    };
    const sameThread = { verifyBatch: workers.verifyBatch };
    const withWorkers = () => ({ ...grid.pipeline, verifier: workers });
    const inline = () => ({ ...grid.pipeline, verifier: sameThread });

    const first = await validateBlock(withWorkers(), proposal.block);
    assert.equal(first.hash, proposal.hash);
    assert.deepEqual(first.txs.map((t) => t.id), [t0.id, t1.id]);
    assert.deepEqual(parsedItems, [1], "only the transaction not in the mempool is parsed");
    assert.deepEqual(verified, [1], "the block signature");
    // Round r+1 re-proposes it: t1 was parsed and verified in round r.
    const again = await validateBlock(withWorkers(), proposal.block);
    assert.equal(again.hash, proposal.hash);
    assert.deepEqual(parsedItems, [1], "nothing parsed again");

    const hostile = (txs: unknown[]): Block => ({ ...proposal.block, txs: txs as Block["txs"] });
    const w0 = toSignedTxJson(t0);
    const w1 = toSignedTxJson(t1);
    const cases: { name: string; block: Block; code: string; message: RegExp }[] = [
      {
        name: "held signature, other body",
        block: hostile([{
          ...w0,
          body: { ...w0.body, payload: { ...w0.body.payload, amountSatang: 999_000 } },
        }, w1]),
        code: "BAD_SIGNATURE",
        message: /^Transaction 0 of block/,
      },
      {
        name: "cached signature, other body",
        block: hostile([w0, { ...w1, body: { ...w1.body, feeSatang: 11 } }]),
        code: "BAD_SIGNATURE",
        message: /^Transaction 1 of block/,
      },
      {
        name: "held signature, an extra field",
        block: hostile([w0, { ...w1, memo: "x" }]),
        code: "BAD_TRANSACTION",
        message: /^Transaction 1: /,
      },
      {
        name: "a bad signature before a malformed transaction: the parse error wins",
        block: hostile([{ ...w1, signature: w0.signature }, {
          ...w1,
          body: { ...w1.body, nonce: -1 },
        }]),
        code: "BAD_TRANSACTION",
        message: /^Transaction 1: /,
      },
    ];
    for (const c of cases) {
      const errors: string[] = [];
      for (const ctx of [withWorkers, inline]) {
        await assert.rejects(
          () => validateBlock(ctx(), c.block),
          (e: Error & { code?: string }) => {
            errors.push(`${e.code}: ${e.message}`);
            return e.code === c.code && c.message.test(e.message);
          },
          c.name,
        );
      }
      assert.equal(errors[0], errors[1], `${c.name}: same error on both paths`);
    }
  } finally {
    await node.stop();
  }
});
