/**
 * /metrics of a running node passes `promtool check metrics` (Prometheus
 * naming and exposition-format lint). promtool comes from Debian's
 * `prometheus` package, which .ci/run installs: in CI (env CI set) a missing
 * promtool fails the test; locally it is skipped with a message.
 *
 * Needs: --allow-run=promtool, --allow-net=127.0.0.1, --allow-read, --allow-write, --allow-env.
 */
import assert from "node:assert/strict";
import { toSignedTxJson } from "../node/chain/transaction.ts";
import { signWith, startTestNode, testWallet, waitFor } from "./helpers/test_node.ts";

async function hasPromtool(): Promise<boolean> {
  try {
    const out = await new Deno.Command("promtool", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return out.success;
  } catch {
    return false;
  }
}

Deno.test("metrics: /metrics passes promtool check metrics", async () => {
  if (!(await hasPromtool())) {
    if (Deno.env.get("CI")) {
      assert.fail("promtool is not installed (Debian package `prometheus`); .ci/run installs it");
    }
    console.warn("SKIPPED: promtool not installed; run `apt-get install -y prometheus`");
    return;
  }
  const alice = testWallet("metrics-alice");
  const node = await startTestNode({
    blockTimeMs: 100,
    accounts: [{ address: alice.address, balanceSatang: 1_000_000 }],
  });
  try {
    // Give every metric family a sample: a committed tx, a rejected one, API requests.
    const tx = signWith(alice, {
      kind: "transfer",
      nonce: 0,
      feeSatang: 1,
      expiresAtMs: Date.now() + 60_000,
      payload: { to: testWallet("metrics-bob").address, amountSatang: 5, amountWh: 0 },
    });
    const post = (body: unknown) =>
      fetch(`${node.baseUrl}/api/v1/transactions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then((r) => r.text());
    await post(toSignedTxJson(tx));
    await post({ nope: 1 });
    await waitFor(() => node.running.node.getAccount(alice.address).nonce === 1, 30_000, "commit");
    const res = await fetch(`${node.baseUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain/);
    const text = await res.text();
    for (
      const name of [
        "gridtokenx_blockchain_height",
        "gridtokenx_transactions_committed_total",
        "gridtokenx_block_commit_seconds_bucket",
        "gridtokenx_http_request_duration_seconds_bucket",
      ]
    ) {
      assert.ok(text.includes(name), `${name} is exported`);
    }
    const check = new Deno.Command("promtool", {
      args: ["check", "metrics"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = check.stdin.getWriter();
    await writer.write(new TextEncoder().encode(text));
    await writer.close();
    const out = await check.output();
    const report = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `promtool check metrics failed:\n${report}`);
    assert.equal(report.trim(), "", `promtool reported problems:\n${report}`);
  } finally {
    await node.stop();
  }
});
