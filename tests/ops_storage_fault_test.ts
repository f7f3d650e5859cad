/**
 * A KV write failure during commit (simulated by closing the database under
 * the running node): production stops with a clear log line and a fault in
 * /api/v1/status, the API stays up, the store on disk is still a valid
 * chain at the last committed block, and when storage works again the node
 * resumes by itself.
 */
import assert from "node:assert/strict";
import { createLogger } from "../node/log/logger.ts";
import { startNode } from "../node/runtime/start_node.ts";
import { verifyChainStore } from "../node/storage/verify_store.ts";
import { TEST_PASSPHRASE, waitFor } from "./helpers/test_node.ts";
import { opsConfig } from "./ops_helpers.ts";

Deno.test("KV failure during commit: the node stops producing cleanly, says why, and resumes", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "gtx-kvfail-" });
  const lines: string[] = [];
  try {
    Deno.env.set("GRIDTOKENX_PASSPHRASE", TEST_PASSPHRASE);
    const cfg = opsConfig({ dataDir, blockTimeMs: 100 });
    const log = createLogger({ level: "info", format: "json", console: (l) => lines.push(l) });
    const running = await startNode(cfg, log, { handleSignals: false });
    const { node } = running;
    await waitFor(() => node.head.header.height >= 3, 10_000, "blocks");
    node.store.kv.close();
    await waitFor(() => node.fault !== null, 10_000, "fault");
    const height = node.head.header.height;
    const status = await (await fetch(`http://127.0.0.1:${running.http.port}/api/v1/status`))
      .json();
    assert.equal(status.producing, false);
    assert.ok(typeof status.fault === "string" && status.fault.length > 0);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(node.head.header.height, height, "no block after the fault");
    // The database can be opened again: the node recovers and goes on.
    await waitFor(
      () => node.fault === null && node.head.header.height > height + 1,
      20_000,
      "resume",
    );
    assert.ok(lines.some((l) => JSON.parse(l).event === "storage.resumed"));
    await running.stop().catch(() => {});
    const failure = lines.map((l) => JSON.parse(l)).find((l) =>
      l.event === "storage.commit_failed"
    );
    assert.ok(failure, "a storage.commit_failed log line");
    assert.equal(failure.level, "error");
    assert.match(failure.action, /block production paused/);
    // What is on disk is a consistent chain up to the last committed block (or the one in flight).
    const report = await verifyChainStore(cfg.storage.kv_path);
    assert.ok((report.height ?? -1) > height + 1, `${report.height} vs ${height}`);
  } finally {
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
});
