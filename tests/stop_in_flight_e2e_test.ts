/**
 * A graceful stop abandons work in flight (a block being built, matched and
 * sealed, batches being verified) and that work fails with CLOSED errors.
 * Whoever started it must handle that: no promise may be left rejected with
 * no handler (the node installs no process-wide guard). Real node in this
 * process, real workers, real KV in a temp dir.
 *
 * Needs: --allow-read/--allow-write (temp dir, KV), --allow-net=127.0.0.1, --allow-env.
 */
import assert from "node:assert/strict";
import { parseConfig } from "../node/config/parse_config.ts";
import { createLogger } from "../node/log/logger.ts";
import { GridNode } from "../node/runtime/grid_node.ts";
import { startNode } from "../node/runtime/start_node.ts";
import { initLoadChain } from "../tools/loadtest/load_chain.ts";
import { computeGenesisExtras, presignLoad } from "../tools/loadtest/load_txs.ts";
import { createLoadWallets } from "../tools/loadtest/wallets.ts";
import { EventHub } from "../console/events.ts";
import { networkConfigToml, writeNodeKey } from "./helpers/network.ts";
import { startTestNode, TEST_PASSPHRASE, testConfigToml, waitFor } from "./helpers/test_node.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Records every unhandled rejection while `fn` runs (and a little after). */
async function collectUnhandledRejections(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const onRejection = (e: PromiseRejectionEvent) => {
    e.preventDefault();
    const reason = e.reason as { stack?: string } | undefined;
    seen.push(reason?.stack ?? String(e.reason));
  };
  globalThis.addEventListener("unhandledrejection", onRejection);
  try {
    await fn();
    // Rejections are reported after the microtask queue drains: give late ones time.
    await sleep(300);
  } finally {
    globalThis.removeEventListener("unhandledrejection", onRejection);
  }
  return seen;
}

Deno.test({
  name: "stop while a block of energy orders is being built: no unhandled rejection",
  // The match, mine and verify workers are terminated by the stop, and KV closed.
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "gtx-stop-in-flight-" });
    Deno.env.set("GRIDTOKENX_PASSPHRASE", TEST_PASSPHRASE);
    try {
      const wallets = await createLoadWallets("stop-in-flight", 200);
      const configPath = `${dataDir}/config.toml`;
      await Deno.writeTextFile(
        configPath,
        testConfigToml({
          dataDir: `${dataDir}/data`,
          blockTimeMs: 200,
          rateLimitPerSecond: 100_000,
        }),
      );
      await initLoadChain(configPath, computeGenesisExtras("orders", wallets));
      const cfg = parseConfig(await Deno.readTextFile(configPath), configPath);
      const log = createLogger({ level: "warn", format: "json", console: false });
      let buildsInFlightAtStop = 0;
      const seen = await collectUnhandledRejections(async () => {
        const running = await startNode(cfg, log, { handleSignals: false });
        const base = `http://127.0.0.1:${running.http.port}`;
        const node = running.node;
        const networkId = node.head.header.networkId;
        const txs = await presignLoad("orders", wallets, wallets.map(() => 0), networkId, 6_000);
        const bodies: string[] = [];
        for (let i = 0; i < txs.length; i += 500) {
          bodies.push(`{"transactions":[${txs.slice(i, i + 500).map((t) => t.json).join(",")}]}`);
        }
        let sending = true;
        const send = async () => {
          while (sending && bodies.length > 0) {
            const body = bodies.shift()!;
            try {
              const res = await fetch(`${base}/api/v1/transactions/batch`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body,
              });
              await res.body?.cancel();
            } catch { /* the server is shutting down */ }
          }
        };
        const senders = [send(), send()];
        // Wait for a block with orders, then stop while the next one is built
        // (propose step with waiting orders: matching or sealing in a worker).
        const firstHeight = node.head.header.height;
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline) {
          const building = node.driver?.engineStatus().step === "propose" &&
            node.mempool.size > 0 && node.head.header.height > firstHeight;
          if (building) break;
          await sleep(1);
        }
        buildsInFlightAtStop = node.driver?.engineStatus().step === "propose" ? 1 : 0;
        // Requests keep coming while the node stops.
        await running.stop();
        sending = false;
        await Promise.all(senders);
        assert.ok(node.head.header.height > firstHeight, "blocks were committed before the stop");
      });
      assert.deepEqual(seen, [], `unhandled rejections during the stop:\n${seen.join("\n\n")}`);
      assert.equal(buildsInFlightAtStop, 1, "the stop came while a block was being built");
    } finally {
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "stop while start is still making the consensus driver: nothing starts after it",
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "gtx-stop-at-start-" });
    Deno.env.set("GRIDTOKENX_PASSPHRASE", TEST_PASSPHRASE);
    try {
      await writeNodeKey(`${dataDir}/data`, 0);
      const configPath = `${dataDir}/config.toml`;
      // p2p on: the driver makes a network, which must never start.
      const toml = networkConfigToml({
        dataDir: `${dataDir}/data`,
        validators: 1,
        key: 0,
        blockTimeMs: 200,
        bootstrapPeers: [],
      });
      const cfg = parseConfig(toml, configPath);
      const log = createLogger({ level: "warn", format: "json", console: false });
      const seen = await collectUnhandledRejections(async () => {
        const node = await GridNode.open(cfg, log);
        const heightAtOpen = node.head.header.height;
        // As a SIGTERM right after the API listens: stop() while start() awaits KV.
        const started = node.start();
        await node.stop();
        await started;
        assert.equal(node.driver, null, "no driver was started");
        await sleep(500);
        assert.equal(node.head.header.height, heightAtOpen, "no block after the stop");
      });
      assert.deepEqual(seen, []);
    } finally {
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "console stream: a failed replay of missed blocks ends the stream, no unhandled rejection",
  async fn() {
    // A chain with a few blocks, then the node reopened (not started) on it.
    const t = await startTestNode({ keepDataDir: true });
    const dataDir = t.dataDir;
    try {
      await waitFor(() => t.running.node.head.header.height >= 2, 20_000, "two blocks");
      await t.stop();
      const cfg = parseConfig(testConfigToml({ dataDir }), `${dataDir}/config.toml`);
      const log = createLogger({ level: "error", format: "json", console: false });
      const seen = await collectUnhandledRejections(async () => {
        const node = await GridNode.open(cfg, log);
        const hub = new EventHub(node);
        try {
          // Replay works on an open store.
          const ok = hub.open("0")!.body!.getReader();
          let text = "";
          while (!text.includes("event: block")) {
            text += new TextDecoder().decode((await ok.read()).value);
          }
          await ok.cancel();
          // The store closes under the replay (as under a stopping node): the stream ends.
          node.store.close();
          const res = hub.open("0")!;
          const body = await res.text();
          assert.ok(!body.includes("event: block"), body);
          assert.equal(hub.clientCount, 0);
        } finally {
          hub.close();
          node.market.close();
        }
      });
      assert.deepEqual(seen, []);
    } finally {
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
