/**
 * Governance and authorities acting on the market, on a running node:
 * after a proposal sets carbon_credits.solar to 0.7, the next solar trade
 * credits 0.7 per kWh; an emergency halt on BKK-01 stops matching there and
 * lifting it re-matches the crossed resting orders in the block of the lift.
 */
import assert from "node:assert/strict";
import { toSignedTxJson, type TxBody } from "../node/chain/transaction.ts";
import { authorityKeystorePath, loadWallet } from "../node/runtime/keys.ts";
import type { Wallet } from "../node/runtime/wallet.ts";
import { runCli } from "../cli/main.ts";
import { proposeParameterArgs } from "./helpers/governance.ts";
import {
  signWith,
  startTestNode,
  TEST_PASSPHRASE,
  testWallet,
  waitFor,
} from "./helpers/test_node.ts";

const OPERATOR_TOKEN = "market-governance-test-token";
const OPERATOR_TOKEN_ENV = "GTX_TEST_OPERATOR_TOKEN_MARKET_GOV";

Deno.test("market + governance: carbon credit change applies to the next trade; emergency halts and resumes matching", async () => {
  Deno.env.set(OPERATOR_TOKEN_ENV, OPERATOR_TOKEN);
  const bob = testWallet("mg-bob");
  const node = await startTestNode({
    blockTimeMs: 100,
    operatorTokenEnv: OPERATOR_TOKEN_ENV,
    accounts: [{ address: bob.address, balanceSatang: 100_000 }],
    extraToml: "[governance]\nvoting_period_blocks = 20\nexecution_delay_blocks = 1\n",
  });
  const keystoreDir = await Deno.makeTempDir({ prefix: "gtx-mg-cli-" });
  const get = async (path: string) => await (await fetch(node.baseUrl + path)).json();
  const nonces = new Map<string, number>();
  const submit = async (wallet: Wallet, kind: TxBody["kind"], payload: unknown) => {
    const nonce = nonces.get(wallet.address) ??
      (await get(`/api/v1/accounts/${wallet.address}`)).nonce;
    nonces.set(wallet.address, nonce + 1);
    const tx = signWith(
      wallet,
      { kind, nonce, feeSatang: 1, expiresAtMs: Date.now() + 60_000, payload } as never,
    );
    const res = await fetch(`${node.baseUrl}/api/v1/transactions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(toSignedTxJson(tx)),
    });
    assert.equal(res.status, 202, JSON.stringify(await res.clone().json()));
    await res.body?.cancel();
    return await waitFor(
      async () => {
        const s = await get(`/api/v1/transactions/${tx.id}`);
        if (s.status === "rejected") throw new Error(JSON.stringify(s));
        return s.status === "committed" ? s : null;
      },
      15_000,
      `${kind} ${tx.id}`,
    );
  };
  const nodeOrder = async (body: Record<string, unknown>) => {
    const res = await fetch(`${node.baseUrl}/api/v1/energy/orders`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${OPERATOR_TOKEN}` },
      body: JSON.stringify(body),
    });
    const out = await res.json();
    assert.equal(res.status, 202, JSON.stringify(out));
    await waitFor(
      async () => (await get(`/api/v1/transactions/${out.tx_id}`)).status === "committed",
      15_000,
    );
    return out.order_id as string;
  };
  const trades = async () => (await get("/api/v1/energy/trades")).trades;
  try {
    const gridNode = node.running.node;
    const mea = await loadWallet(authorityKeystorePath(node.dataDir, "MEA"), TEST_PASSPHRASE);
    const egat = await loadWallet(authorityKeystorePath(node.dataDir, "EGAT"), TEST_PASSPHRASE);
    await submit(mea, "authority_action", {
      action: "register_participant",
      args: { address: bob.address, location: "BKK-02-SUB001" },
    });

    // The product description's proposal, through the CLI, voted through by the validator.
    const cli = async (...args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(["--node", node.baseUrl, "--keystore-dir", keystoreDir, ...args], {
        print: (l) => out.push(l),
        error: (l) => err.push(l),
      });
      assert.equal(code, 0, err.join("\n"));
      return out.join("\n");
    };
    await cli(
      "wallet",
      "import",
      "default",
      "--keystore-file",
      `${node.dataDir}/keys/validator.json`,
    );
    const proposed = JSON.parse(
      await cli("--json", ...proposeParameterArgs()),
    );
    await cli("governance", "vote", String(proposed.proposal_id), "yes");
    await waitFor(
      async () =>
        (await get(`/api/v1/governance/proposals/${proposed.proposal_id}`)).status === "executed",
      20_000,
      "execution",
    );
    assert.equal(gridNode.getParams().carbonCreditsMicroPerWh.solar, 700);

    // The next solar trade credits 0.7 credits per kWh to the seller (the node's wallet).
    await nodeOrder({
      order_type: "sell",
      energy_amount: 30,
      price_per_kwh: 400,
      energy_source: "solar",
      grid_location: "BKK-01-SUB001",
    });
    const creditsBefore = gridNode.getAccount(gridNode.wallet.address).carbonMicroCredits;
    const buy = {
      side: "buy",
      priceSatangPerKwh: 500,
      source: null,
      location: "BKK-02-SUB001",
      orderExpiresAtMs: Date.now() + 3_600_000,
    };
    await submit(bob, "energy_order", { ...buy, amountWh: 10_000 });
    let t = await trades();
    assert.equal(t.length, 1);
    assert.equal(t[0].carbonMicroCredits, 7_000_000); // 10 kWh x 0.7
    assert.equal(
      gridNode.getAccount(gridNode.wallet.address).carbonMicroCredits - creditsBefore,
      7_000_000,
    );

    // EGAT halts BKK-01: a crossing buy rests instead of trading.
    await submit(egat, "authority_action", {
      action: "declare_emergency",
      args: { scope: "BKK-01", kind: "halt", capKw: null, reason: "substation fault" },
    });
    const status = await get("/api/v1/grid/status");
    assert.equal(status.emergencies.length, 1);
    assert.deepEqual(status.emergencies[0].declaredBy, ["EGAT"]);
    await submit(bob, "energy_order", { ...buy, amountWh: 5_000 });
    t = await trades();
    assert.equal(t.length, 1, "no trade while BKK-01 is halted");
    const book = await get("/api/v1/energy/orderbook");
    assert.equal(book.bids[0].amount_wh, 5_000);
    assert.equal(book.asks[0].amount_wh, 20_000);

    // Lifted: the crossed resting orders are re-matched in the block of the lift, with no new order.
    await submit(egat, "authority_action", { action: "lift_emergency", args: { scope: "BKK-01" } });
    assert.equal((await get("/api/v1/grid/status")).emergencies.length, 0);
    t = await trades();
    assert.equal(t.length, 2, "the resting buy trades in the block that lifts the halt");
    assert.equal(t[0].amountWh, 5_000);
    assert.equal(t[0].makerSide, "sell");
    assert.equal(t[1].height < t[0].height, true);
    await submit(bob, "energy_order", { ...buy, amountWh: 2_000 });
    t = await trades();
    assert.equal(t.length, 3);
    assert.equal(t[0].amountWh, 2_000);

    // A cap emergency limits a substation's capacity (4 kW = 1 kWh per 15-minute interval).
    await submit(egat, "authority_action", {
      action: "declare_emergency",
      args: { scope: "BKK-02-SUB002", kind: "cap", capKw: 4, reason: "feeder limit" },
    });
    const capped = await get("/api/v1/grid/status");
    const sub = (s: { substations: { id: string; capacityWh: number }[] }, id: string) =>
      s.substations.find((x) => x.id === id)!;
    assert.equal(sub(capped, "BKK-02-SUB002").capacityWh, 1_000);
    assert.equal(sub(capped, "BKK-02-SUB001").capacityWh, 12_500_000);
    await submit(egat, "authority_action", {
      action: "lift_emergency",
      args: { scope: "BKK-02-SUB002" },
    });
    assert.equal(sub(await get("/api/v1/grid/status"), "BKK-02-SUB002").capacityWh, 7_500_000);

    // Grid readings posted by authorities show in the grid status.
    await submit(egat, "authority_action", {
      action: "grid_reading",
      args: { location: "BKK-01", loadKw: 1_200, generationKw: 800, frequencyMilliHz: 50_010 },
    });
    const readings = (await get("/api/v1/grid/status")).readings;
    assert.deepEqual(
      readings.map((
        r: { location: string; loadKw: number; reportedBy: string },
      ) => [r.location, r.loadKw, r.reportedBy]),
      [["BKK-01", 1_200, "EGAT"]],
    );
  } finally {
    await node.stop();
    Deno.env.delete(OPERATOR_TOKEN_ENV);
    await Deno.remove(keystoreDir, { recursive: true }).catch(() => {});
  }
});
