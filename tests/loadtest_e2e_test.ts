import assert from "node:assert/strict";
import { type LoadReport, runLoadTest } from "../tools/loadtest/run_load.ts";

/** A small, bounded run: a few seconds at 300 tx/s against a node with 200 ms blocks. */
const SMALL_RUN = {
  accounts: 40,
  rate: 300,
  durationS: 3,
  batch: 25,
  concurrency: 2,
  maxTxs: 2000,
  blockTimeMs: 200,
  maxBlockTxs: 5000,
};

/** Every accepted transaction committed exactly once: nothing lost, doubled or foreign. */
function assertExactlyOnce(report: LoadReport): void {
  assert.equal(report.accepted, report.submitted, JSON.stringify(report.rejectedByCode));
  assert.equal(report.lost, 0);
  assert.equal(report.duplicated, 0);
  assert.equal(report.unexpected, 0);
  assert.equal(report.committed, report.accepted);
}

Deno.test({
  name: "load tool: every accepted transfer is committed exactly once (node in a child process)",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const started = Date.now();
    const report = await runLoadTest({
      ...SMALL_RUN,
      kind: "transfer",
      seed: "e2e",
      drainTimeoutS: 10,
    });
    assert.equal(report.nodeStarted, true);
    assert.ok(report.submitted >= 600, `submitted ${report.submitted}`);
    assertExactlyOnce(report);
    assert.ok(report.latencyMs.p99 > 0 && report.latencyMs.p99 < 10_000);
    assert.ok(report.node !== null && report.node.peakRssBytes > 0);
    assert.ok(Date.now() - started < 40_000, "bounded in time");
  },
});

Deno.test({
  name: "load tool: matching energy orders are committed exactly once and trade",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const started = Date.now();
    const report = await runLoadTest({
      ...SMALL_RUN,
      kind: "orders",
      seed: "e2e-orders",
      drainTimeoutS: 15,
    });
    // Loose: a shared CI machine may answer slowly; what matters is below.
    assert.ok(report.submitted >= 100, `submitted ${report.submitted}`);
    assertExactlyOnce(report);
    assert.ok(report.trades !== null);
    // Every bid crosses every ask and each order is 100 Wh: one trade per sell/buy pair.
    assert.ok(
      report.trades.count >= Math.floor(report.committed / 2) - 1,
      `${report.trades.count} trades for ${report.committed} orders`,
    );
    assert.ok(report.trades.ordersTraded >= report.committed - 2);
    assert.ok(report.trades.visibleLatencyMs.p99 > 0);
    assert.ok(Date.now() - started < 60_000, "bounded in time");
  },
});
