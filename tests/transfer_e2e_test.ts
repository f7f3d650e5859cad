import assert from "node:assert/strict";
import { toSignedTxJson } from "../node/chain/transaction.ts";
import { signWith, startTestNode, testWallet, waitFor } from "./helpers/test_node.ts";

Deno.test("a signed transfer is committed and visible in both accounts", async () => {
  const alice = testWallet("alice");
  const bob = testWallet("bob");
  const node = await startTestNode({
    accounts: [{ address: alice.address, balanceSatang: 1_000_000, energyWh: 5_000 }],
  });
  try {
    const status = await (await fetch(`${node.baseUrl}/api/v1/status`)).json();
    assert.equal(status.network_id, 1001);
    const tx = signWith(alice, {
      kind: "transfer",
      nonce: 0,
      feeSatang: 10,
      expiresAtMs: Date.now() + 60_000,
      payload: { to: bob.address, amountSatang: 250_000, amountWh: 1_500 },
    });
    const res = await fetch(`${node.baseUrl}/api/v1/transactions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(toSignedTxJson(tx)),
    });
    assert.equal(res.status, 202);
    assert.deepEqual(await res.json(), { id: tx.id, status: "pending" });
    const committed = await waitFor(
      async () => {
        const s = await (await fetch(`${node.baseUrl}/api/v1/transactions/${tx.id}`)).json();
        return s.status === "committed" ? s : null;
      },
      10_000,
      "commit",
    );
    assert.ok(committed.height >= 1);
    const block = await (await fetch(`${node.baseUrl}/api/v1/blocks/${committed.height}`)).json();
    assert.equal(block.txs.length, 1);
    assert.equal(block.hash, committed.blockHash);
    const a = await (await fetch(`${node.baseUrl}/api/v1/accounts/${alice.address}`)).json();
    const b = await (await fetch(`${node.baseUrl}/api/v1/accounts/${bob.address}/balance`)).json();
    assert.equal(a.balance_satang, 1_000_000 - 250_000 - 10);
    assert.equal(a.energy_wh, 3_500);
    assert.equal(a.nonce, 1);
    assert.equal(b.balance_satang, 250_000);
    assert.equal(b.energy_wh, 1_500);
    // Replaying the same transaction is refused.
    const again = await fetch(`${node.baseUrl}/api/v1/transactions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(toSignedTxJson(tx)),
    });
    assert.equal(again.status, 409);
    assert.equal((await again.json()).error.code, "NONCE_TOO_LOW");
  } finally {
    await node.stop();
  }
});
