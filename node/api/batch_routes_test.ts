import assert from "node:assert/strict";
import { toSignedTxJson } from "../chain/transaction.ts";
import { signWith, startTestNode, testWallet } from "../../tests/helpers/test_node.ts";

Deno.test("POST /transactions/batch: per-item results in order; bad items do not fail the rest", async () => {
  const alice = testWallet("batch-alice");
  const bob = testWallet("batch-bob");
  const node = await startTestNode({
    accounts: [{ address: alice.address, balanceSatang: 1_000_000 }],
    blockTimeMs: 60_000,
  });
  try {
    const transfer = (nonce: number) =>
      signWith(alice, {
        kind: "transfer",
        nonce,
        feeSatang: 1,
        expiresAtMs: Date.now() + 60_000,
        payload: { to: bob.address, amountSatang: 10, amountWh: 0 },
      });
    const good0 = transfer(0);
    const good1 = transfer(1);
    const badSig = { ...toSignedTxJson(transfer(2)), signature: "00".repeat(64) };
    const post = (body: unknown) =>
      fetch(`${node.baseUrl}/api/v1/transactions/batch`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    const res = await post({
      transactions: [toSignedTxJson(good0), { body: {} }, badSig, toSignedTxJson(good1)],
    });
    assert.equal(res.status, 202);
    const { results } = await res.json();
    assert.equal(results.length, 4);
    assert.deepEqual(results[0], { id: good0.id, status: "pending" });
    assert.equal(results[1].error.code, "BAD_TRANSACTION");
    assert.equal(results[2].error.code, "BAD_SIGNATURE");
    assert.equal(results[2].error.field, "signature");
    assert.deepEqual(results[3], { id: good1.id, status: "pending" });
    const again = await (await post({ transactions: [toSignedTxJson(good0)] })).json();
    assert.equal(again.results[0].error.code, "DUPLICATE_TX");
    const notBatch = await post([toSignedTxJson(good0)]);
    assert.equal(notBatch.status, 400);
    assert.equal((await notBatch.json()).error.code, "BAD_REQUEST");
    const tooMany = await post({ transactions: new Array(1001).fill({}) });
    assert.equal(tooMany.status, 400);
  } finally {
    await node.stop();
  }
});
