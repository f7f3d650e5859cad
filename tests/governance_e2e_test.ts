/**
 * Governance, authorities and the CLI against a real node: a short voting
 * period (40 blocks of 100 ms), the validator (all the stake) votes, the
 * authorities' dev keys come from the node's keystores.
 */
import assert from "node:assert/strict";
import { toSignedTxJson } from "../node/chain/transaction.ts";
import {
  getComplianceTotals,
  getHaltedScopes,
  getMeter,
  isRegisteredParticipant,
} from "../node/governance/mod.ts";
import { authorityKeystorePath, loadWallet } from "../node/runtime/keys.ts";
import type { Wallet } from "../node/runtime/wallet.ts";
import { runCli } from "../cli/main.ts";
import { proposeParameterArgs } from "./helpers/governance.ts";
import {
  signWith,
  startTestNode,
  TEST_PASSPHRASE,
  type TestNode,
  testWallet,
  waitFor,
} from "./helpers/test_node.ts";

const GOVERNANCE_TOML = `
[governance]
voting_period_blocks = 40
execution_delay_blocks = 1
min_deposit_satang = 100000
`;

interface Cli {
  (...args: string[]): Promise<{ code: number; out: string; err: string }>;
}

function cliFor(node: TestNode, keystoreDir: string): Cli {
  return async (...args) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(["--node", node.baseUrl, "--keystore-dir", keystoreDir, ...args], {
      print: (l) => out.push(l),
      error: (l) => err.push(l),
    });
    return { code, out: out.join("\n"), err: err.join("\n") };
  };
}

async function getJson(node: TestNode, path: string) {
  const res = await fetch(node.baseUrl + path);
  return await res.json();
}

async function submit(node: TestNode, wallet: Wallet, kind: string, payload: unknown) {
  const nonce = (await getJson(node, `/api/v1/accounts/${wallet.address}`)).nonce;
  const tx = signWith(wallet, {
    kind,
    nonce,
    feeSatang: 1,
    expiresAtMs: Date.now() + 60_000,
    payload,
  } as never);
  const res = await fetch(`${node.baseUrl}/api/v1/transactions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(toSignedTxJson(tx)),
  });
  if (res.status !== 202) {
    // Admission dry-runs the transaction: the same code as a rejection in a block.
    const { error } = await res.json();
    return { status: "rejected", code: error.code, reason: error.message };
  }
  await res.body?.cancel();
  return await waitFor(
    async () => {
      const s = await getJson(node, `/api/v1/transactions/${tx.id}`);
      return s.status === "pending" ? null : s;
    },
    10_000,
    `tx ${tx.id}`,
  );
}

async function waitForProposal(node: TestNode, id: number, statuses: string[]) {
  return await waitFor(
    async () => {
      const p = await getJson(node, `/api/v1/governance/proposals/${id}`);
      return statuses.includes(p.status) ? p : null;
    },
    30_000,
    `proposal ${id} ${statuses.join("/")}`,
  );
}

Deno.test("governance: CLI proposal to set carbon_credits.solar to 0.7 passes and executes; rejected and vetoed ones", async (t) => {
  const node = await startTestNode({ blockTimeMs: 100, extraToml: GOVERNANCE_TOML });
  const keystoreDir = await Deno.makeTempDir({ prefix: "gtx-cli-" });
  try {
    const cli = cliFor(node, keystoreDir);
    const gridNode = node.running.node;
    assert.equal(gridNode.getParams().carbonCreditsMicroPerWh.solar, 500);
    const imported = await cli(
      "wallet",
      "import",
      "default",
      "--keystore-file",
      `${node.dataDir}/keys/validator.json`,
    );
    assert.equal(imported.code, 0, imported.err);
    assert.ok(imported.out.includes(gridNode.wallet.address));

    await t.step("the product description's command creates the proposal", async () => {
      const r = await cli("--json", ...proposeParameterArgs());
      assert.equal(r.code, 0, r.err);
      const out = JSON.parse(r.out);
      assert.equal(out.status, "committed");
      assert.equal(out.proposal_id, 1);
      const vote = await cli("governance", "vote", "1", "yes");
      assert.equal(vote.code, 0, vote.err);
      const p = await waitForProposal(node, 1, ["executed", "failed", "rejected"]);
      assert.equal(p.status, "executed", p.result);
      assert.equal(p.deposit_status, "refunded");
      assert.equal(p.tally.yes_satang, p.tally.total_stake_satang);
      assert.equal(gridNode.getParams().carbonCreditsMicroPerWh.solar, 700);
      const param = await getJson(node, "/api/v1/governance/params/carbon_credits.solar");
      assert.equal(param.value, "0.7");
      const listed = await cli("governance", "list", "--status", "executed");
      assert.match(listed.out, /Increase renewable energy incentives/);
    });

    await t.step("a rejected proposal changes nothing and refunds the deposit", async () => {
      const before = gridNode.getAccount(gridNode.wallet.address).balanceSatang;
      const r = await cli(
        "--json",
        ...proposeParameterArgs("carbon_credits.solar", "0.1", "Cut solar credits", ""),
      );
      assert.equal(r.code, 0, r.err);
      const id = JSON.parse(r.out).proposal_id;
      assert.equal((await cli("governance", "vote", String(id), "no")).code, 0);
      const p = await waitForProposal(node, id, ["rejected", "executed", "vetoed"]);
      assert.equal(p.status, "rejected");
      assert.equal(p.deposit_status, "refunded");
      assert.equal(gridNode.getParams().carbonCreditsMicroPerWh.solar, 700);
      // Only the fees of the two transactions were spent (they go to this validator, who
      // proposes the blocks, so the balance is back where it started).
      assert.equal(gridNode.getAccount(gridNode.wallet.address).balanceSatang, before);
    });

    await t.step("a vetoed proposal burns its deposit", async () => {
      const before = gridNode.getAccount(gridNode.wallet.address).balanceSatang;
      const r = await cli(
        "--json",
        "governance",
        "propose",
        "--title",
        "Halt Bangkok",
        "--type",
        "grid-emergency",
        "--change",
        "action=declare",
        "--change",
        "scope=BKK",
        "--deposit-satang",
        "250000",
      );
      assert.equal(r.code, 0, r.err);
      const id = JSON.parse(r.out).proposal_id;
      assert.equal((await cli("governance", "vote", String(id), "veto")).code, 0);
      const p = await waitForProposal(node, id, ["vetoed", "rejected", "executed"]);
      assert.equal(p.status, "vetoed");
      assert.equal(p.deposit_status, "burned");
      assert.equal(gridNode.getAccount(gridNode.wallet.address).balanceSatang, before - 250_000);
      assert.equal(getComplianceTotals(gridNode.state).burnedSatang, 250_000);
      assert.deepEqual(getHaltedScopes(gridNode.state), []);
    });

    await t.step("bad values are refused with clear errors", async () => {
      const r = await cli(...proposeParameterArgs("carbon_credits.solar", "abc", "x", ""));
      assert.equal(r.code, 1);
      assert.match(r.err, /BAD_PARAMETER_VALUE/);
      const unknown = await cli(...proposeParameterArgs("carbon_credits.coal", "1", "x", ""));
      assert.match(unknown.err, /UNKNOWN_PARAMETER/);
      const noVote = await cli("governance", "vote", "99", "yes");
      assert.equal(noVote.code, 1);
      assert.match(noVote.err, /PROPOSAL_NOT_FOUND/);
      const usage = await cli("governance", "propose", "--title", "x");
      assert.equal(usage.code, 2);
      assert.match(usage.err, /Missing --type/);
      const res = await fetch(`${node.baseUrl}/api/v1/governance/proposals/99`);
      assert.equal(res.status, 404);
      assert.equal((await res.json()).error.code, "PROPOSAL_NOT_FOUND");
    });
  } finally {
    await node.stop();
    await Deno.remove(keystoreDir, { recursive: true });
  }
});

Deno.test("authorities: emergencies, registrations, deposits, compliance report", async (t) => {
  const alice = testWallet("gov-alice");
  const mallory = testWallet("gov-mallory");
  const node = await startTestNode({
    blockTimeMs: 100,
    extraToml: GOVERNANCE_TOML,
    accounts: [{ address: mallory.address, balanceSatang: 1_000_000 }],
  });
  const keystoreDir = await Deno.makeTempDir({ prefix: "gtx-cli-" });
  try {
    const cli = cliFor(node, keystoreDir);
    const state = node.running.node.state;
    const mea = await loadWallet(authorityKeystorePath(node.dataDir, "MEA"), TEST_PASSPHRASE);
    for (const name of ["EGAT", "MEA"]) {
      const r = await cli(
        "--wallet",
        name.toLowerCase(),
        "wallet",
        "import",
        name.toLowerCase(),
        "--keystore-file",
        authorityKeystorePath(node.dataDir, name),
      );
      assert.equal(r.code, 0, r.err);
    }

    await t.step("EGAT declares an emergency on BKK-01 and lifts it", async () => {
      const r = await cli(
        "--wallet",
        "egat",
        "authority",
        "emergency",
        "declare",
        "--scope",
        "BKK-01",
        "--reason",
        "transformer fire",
      );
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(getHaltedScopes(state), ["BKK-01"]);
      const rest = await getJson(node, "/api/v1/grid/emergencies");
      assert.equal(rest.emergencies.length, 1);
      assert.equal(rest.emergencies[0].scope, "BKK-01");
      assert.deepEqual(rest.emergencies[0].declared_by, ["EGAT"]);
      const listed = await cli("authority", "emergency", "list");
      assert.match(listed.out, /BKK-01 .*halt/);
      const lift = await cli(
        "--wallet",
        "egat",
        "authority",
        "emergency",
        "lift",
        "--scope",
        "BKK-01",
      );
      assert.equal(lift.code, 0, lift.err);
      assert.deepEqual(getHaltedScopes(state), []);
      assert.equal((await getJson(node, "/api/v1/grid/emergencies")).emergencies.length, 0);
      const again = await cli(
        "--wallet",
        "egat",
        "authority",
        "emergency",
        "lift",
        "--scope",
        "BKK-01",
      );
      assert.equal(again.code, 1);
      assert.match(again.err, /NO_EMERGENCY/);
    });

    await t.step("a non-authority cannot declare an emergency", async () => {
      const s = await submit(node, mallory, "authority_action", {
        action: "declare_emergency",
        args: { scope: "BKK-01" },
      });
      assert.equal(s.status, "rejected");
      assert.equal(s.code, "NOT_AUTHORITY");
      assert.deepEqual(getHaltedScopes(state), []);
    });

    await t.step("MEA registers a participant and a meter at one location; deposits", async () => {
      assert.equal(isRegisteredParticipant(state, alice.address), false);
      let s = await submit(node, mea, "authority_action", {
        action: "register_participant",
        args: { address: alice.address, location: "BKK-01-SUB001" },
      });
      assert.equal(s.status, "committed", s.reason);
      assert.equal(isRegisteredParticipant(state, alice.address), true);
      const r = await cli(
        "--wallet",
        "mea",
        "authority",
        "register-meter",
        "--meter-id",
        "MTR-001",
        "--owner",
        alice.address,
        "--location",
        "BKK-01-SUB001",
        "--source",
        "solar",
      );
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(
        { ...getMeter(state, "MTR-001"), height: 0 },
        {
          meterId: "MTR-001",
          owner: alice.address,
          location: "BKK-01-SUB001",
          source: "solar",
          registeredBy: "MEA",
          height: 0,
        },
      );
      assert.equal(getMeter(state, "MTR-404"), undefined);
      const dep = await cli(
        "--wallet",
        "mea",
        "authority",
        "deposit",
        "--to",
        alice.address,
        "--amount-satang",
        "500000",
      );
      assert.equal(dep.code, 0, dep.err);
      assert.equal(node.running.node.getAccount(alice.address).balanceSatang, 500_000);
      // MEA does not serve Chiang Mai; an unregistered owner cannot get a meter.
      s = await submit(node, mea, "authority_action", {
        action: "register_participant",
        args: { address: mallory.address, location: "CNX-01-SUB001" },
      });
      assert.equal(s.code, "OUTSIDE_SERVICE_AREA");
      s = await submit(node, mea, "authority_action", {
        action: "register_meter",
        args: {
          meterId: "MTR-002",
          owner: mallory.address,
          location: "BKK-01-SUB001",
          source: "wind",
        },
      });
      assert.equal(s.code, "NOT_REGISTERED");
      assert.equal(isRegisteredParticipant(state, mallory.address), false);
      const meter = await getJson(node, "/api/v1/meters/MTR-001");
      assert.equal(meter.location, "BKK-01-SUB001");
    });

    await t.step("compliance report reconciles with chain state (JSON and CSV)", async () => {
      const r = await cli("--json", "compliance", "report");
      assert.equal(r.code, 0, r.err);
      const report = JSON.parse(r.out);
      assert.equal(report.totals.deposits_satang, 500_000);
      assert.equal(report.totals.participants_registered, 1);
      assert.equal(report.totals.meters_registered, 1);
      assert.equal(report.reconciliation.covers_whole_chain, true);
      assert.equal(report.reconciliation.deposits_match, true);
      assert.equal(report.reconciliation.participants_match, true);
      assert.equal(report.reconciliation.meters_match, true);
      assert.ok(report.totals.tx_fees_satang >= 5);
      const csv = await cli("compliance", "report", "--format", "csv");
      assert.equal(csv.code, 0, csv.err);
      assert.match(csv.out, /^section,height,timestamp_ms,tx_id,actor/);
      assert.match(csv.out, /\ndeposit,\d+,\d+,[0-9a-f]{64},gtx1/);
      assert.match(csv.out, /\ntotal,,,,,,deposits_satang,,500000,,/);
      const bad = await fetch(`${node.baseUrl}/api/v1/compliance/report?from=yesterday-ish`);
      assert.equal(bad.status, 400);
    });

    await t.step("authorities are listed with roles", async () => {
      const list = await getJson(node, "/api/v1/authorities");
      const byName = Object.fromEntries(
        list.authorities.map((a: { name: string }) => [a.name, a]),
      );
      assert.deepEqual(byName.MEA.roles, ["distribution"]);
      assert.deepEqual(byName.EGAT.roles, ["transmission"]);
      assert.deepEqual(byName.MEA.service_area, ["BKK", "NBI", "SPK"]);
    });
  } finally {
    await node.stop();
    await Deno.remove(keystoreDir, { recursive: true });
  }
});
