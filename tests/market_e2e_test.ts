/**
 * End to end through the HTTP API on a running node: two prosumers at
 * different substations, a meter reading, a sell, a buy, a trade; balances,
 * carbon credits and grid status as expected.
 */
import assert from "node:assert/strict";
import { toSignedTxJson, type Tx } from "../node/chain/transaction.ts";
import { loadWallet } from "../node/runtime/keys.ts";
import { authorityActionSigner } from "./helpers/authority_actions.ts";
import {
  signWith,
  startTestNode,
  TEST_PASSPHRASE,
  testWallet,
  waitFor,
} from "./helpers/test_node.ts";
import type { Wallet } from "../node/runtime/wallet.ts";

async function post(baseUrl: string, tx: Tx) {
  const res = await fetch(`${baseUrl}/api/v1/transactions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(toSignedTxJson(tx)),
  });
  const body = await res.json();
  assert.equal(res.status, 202, JSON.stringify(body));
  return body.id as string;
}

async function postRaw(baseUrl: string, tx: Tx) {
  const res = await fetch(`${baseUrl}/api/v1/transactions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(toSignedTxJson(tx)),
  });
  return { status: res.status, body: await res.json() };
}

async function committed(baseUrl: string, id: string) {
  return await waitFor(
    async () => {
      const s = await (await fetch(`${baseUrl}/api/v1/transactions/${id}`)).json();
      if (s.status === "rejected") throw new Error(`rejected: ${JSON.stringify(s)}`);
      return s.status === "committed" ? s : null;
    },
    15_000,
    `commit of ${id}`,
  );
}

Deno.test("market e2e: meter reading, sell, buy, trade, settlement, carbon credits, grid status", async () => {
  const alice = testWallet("alice-seller");
  const bob = testWallet("bob-buyer");
  const node = await startTestNode({
    accounts: [
      { address: alice.address, balanceSatang: 100_000 },
      { address: bob.address, balanceSatang: 100_000 },
      { address: testWallet("carol-unregistered").address, balanceSatang: 100_000 },
    ],
  });
  try {
    const mea: Wallet = await loadWallet(
      `${node.dataDir}/keys/authority-MEA.json`,
      TEST_PASSPHRASE,
    );
    const expiresAtMs = Date.now() + 120_000;
    let meaNonce = 0;
    const act = authorityActionSigner(mea, { expiresAtMs, nextNonce: () => meaNonce++ });
    const setup = [
      act("register_participant", { address: alice.address, location: "BKK-01-SUB001" }),
      act("register_participant", { address: bob.address, location: "BKK-02-SUB001" }),
      act("register_meter", {
        meterId: "MTR-ALICE-1",
        owner: alice.address,
        location: "BKK-01-SUB001",
        source: "solar",
      }),
      act("deposit", { to: bob.address, amountSatang: 1_000_000 }),
    ];
    for (const tx of setup) await post(node.baseUrl, tx);
    for (const tx of setup) await committed(node.baseUrl, tx.id);

    const reading = signWith(mea, {
      kind: "meter_reading",
      nonce: meaNonce++,
      feeSatang: 1,
      expiresAtMs,
      payload: {
        meterId: "MTR-ALICE-1",
        totalWh: 50_000,
        readAtMs: Date.now() - 1000,
        location: "BKK-01-SUB001",
      },
    });
    await committed(node.baseUrl, await post(node.baseUrl, reading));

    // A meter cannot report from another location; an unregistered account cannot trade.
    const elsewhere = signWith(mea, {
      kind: "meter_reading",
      nonce: meaNonce,
      feeSatang: 1,
      expiresAtMs,
      payload: {
        meterId: "MTR-ALICE-1",
        totalWh: 60_000,
        readAtMs: Date.now(),
        location: "BKK-02-SUB001",
      },
    });
    const refused = await postRaw(node.baseUrl, elsewhere);
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error.code, "METER_LOCATION_MISMATCH");
    const carol = testWallet("carol-unregistered");
    const carolOrder = signWith(carol, {
      kind: "energy_order",
      nonce: 0,
      feeSatang: 1,
      expiresAtMs,
      payload: {
        side: "buy",
        amountWh: 1_000,
        priceSatangPerKwh: 500,
        source: null,
        location: "BKK-02-SUB001",
        orderExpiresAtMs: Date.now() + 3_600_000,
      },
    });
    const unregistered = await postRaw(node.baseUrl, carolOrder);
    assert.equal(unregistered.status, 403);
    assert.equal(unregistered.body.error.code, "NOT_REGISTERED");
    assert.equal(unregistered.body.error.field, "body.from");
    let a = await (await fetch(`${node.baseUrl}/api/v1/accounts/${alice.address}`)).json();
    assert.equal(a.energy_wh, 50_000);

    const sell = signWith(alice, {
      kind: "energy_order",
      nonce: 0,
      feeSatang: 1,
      expiresAtMs,
      payload: {
        side: "sell",
        amountWh: 20_000,
        priceSatangPerKwh: 400,
        source: "solar",
        location: "BKK-01-SUB001",
        orderExpiresAtMs: Date.now() + 3_600_000,
      },
    });
    await committed(node.baseUrl, await post(node.baseUrl, sell));
    const book = await (await fetch(`${node.baseUrl}/api/v1/energy/orderbook`)).json();
    assert.deepEqual(book.asks, [{ price_satang_per_kwh: 400, amount_wh: 20_000, orders: 1 }]);

    const buy = signWith(bob, {
      kind: "energy_order",
      nonce: 0,
      feeSatang: 1,
      expiresAtMs,
      payload: {
        side: "buy",
        amountWh: 10_000,
        priceSatangPerKwh: 500,
        source: null,
        location: "BKK-02-SUB001",
        orderExpiresAtMs: Date.now() + 3_600_000,
      },
    });
    await committed(node.baseUrl, await post(node.baseUrl, buy));

    const { trades } = await (await fetch(`${node.baseUrl}/api/v1/energy/trades`)).json();
    assert.equal(trades.length, 1);
    const t = trades[0];
    assert.equal(t.seller, alice.address);
    assert.equal(t.buyer, bob.address);
    assert.equal(t.amountWh, 10_000);
    assert.equal(t.priceSatangPerKwh, 400); // the resting sell set the price
    assert.equal(t.valueSatang, 4_000);
    assert.equal(t.distance, "same_region");
    assert.equal(t.source, "solar");
    assert.equal(t.carbonMicroCredits, 5_000_000); // 10 kWh x 0.5 credits/kWh
    assert.equal(t.feeAuthority, "MEA");
    assert.ok(t.gridFeeSatang === 500 || t.gridFeeSatang === 750, `fee ${t.gridFeeSatang}`); // 50 satang/kWh, x1.5 at peak

    a = await (await fetch(`${node.baseUrl}/api/v1/accounts/${alice.address}`)).json();
    const b = await (await fetch(`${node.baseUrl}/api/v1/accounts/${bob.address}`)).json();
    assert.equal(a.balance_satang, 100_000 - 1 + 4_000);
    assert.equal(a.energy_wh, 30_000);
    assert.equal(a.locked_wh, 10_000); // the rest of the sell still rests
    assert.equal(a.carbon_micro_credits, 5_000_000);
    assert.equal(b.energy_wh, 10_000);
    assert.equal(b.locked_satang, 0); // the buy filled completely: its lock is settled and released
    assert.equal(b.balance_satang, 100_000 + 1_000_000 - 1 - 4_000 - t.gridFeeSatang);

    const grid = await (await fetch(`${node.baseUrl}/api/v1/grid/status`)).json();
    const sub = (id: string) => grid.substations.find((s: { id: string }) => s.id === id);
    assert.equal(sub("BKK-01-SUB001").scheduledWh, 10_000);
    assert.equal(sub("BKK-02-SUB001").scheduledWh, 10_000);

    const stats = await (await fetch(`${node.baseUrl}/api/v1/energy/stats`)).json();
    assert.equal(stats.all.trades_count, 1);
    assert.equal(stats.all.volume_wh, 10_000);
    assert.equal(stats["24h"].trades_count, 1);
    assert.equal(stats.all.carbon_credits_issued, 5);

    const open = await (await fetch(`${node.baseUrl}/api/v1/energy/orders?side=sell`)).json();
    assert.equal(open.orders.length, 1);
    assert.equal(open.orders[0].remaining_wh, 10_000);
  } finally {
    await node.stop();
  }
});
