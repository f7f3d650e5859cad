/**
 * A damaged data directory (truncated KV file, deleted entries) makes the
 * node refuse to start with a clear message, instead of running on (or
 * re-creating) a broken chain.
 */
import assert from "node:assert/strict";
import { toSignedTxJson } from "../node/chain/transaction.ts";
import { stateKey } from "../node/chain/state.ts";
import { createLogger } from "../node/log/logger.ts";
import { startNode } from "../node/runtime/start_node.ts";
import { StorageError } from "../node/storage/kv_batch.ts";
import { kvKey } from "../node/storage/kv_layout.ts";
import { verifyChainStore } from "../node/storage/verify_store.ts";
import {
  signWith,
  startTestNode,
  TEST_PASSPHRASE,
  testConfigToml,
  testWallet,
  waitFor,
} from "./helpers/test_node.ts";
import { opsConfig } from "./ops_helpers.ts";

const MAIN_TS = new URL("../main.ts", import.meta.url).pathname;
const DENO_JSON = new URL("../deno.json", import.meta.url).pathname;

async function copyKv(from: string, to: string): Promise<void> {
  for (const suffix of ["", "-wal", "-shm"]) {
    await Deno.copyFile(from + suffix, to + suffix).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
  }
}

async function editKv(path: string, fn: (kv: Deno.Kv) => Promise<void>): Promise<void> {
  const kv = await Deno.openKv(path);
  try {
    await fn(kv);
  } finally {
    kv.close();
  }
}

async function expectCorrupt(path: string, message: RegExp): Promise<void> {
  await assert.rejects(() => verifyChainStore(path), (e: unknown) => {
    assert.ok(e instanceof StorageError, String(e));
    assert.equal(e.code, "CORRUPT");
    assert.match(e.message, message);
    assert.match(e.message, /gridtokenx-node import/);
    return true;
  });
}

Deno.test("a damaged chain database is refused at start with a clear message", async (t) => {
  const alice = testWallet("corrupt-alice");
  const node = await startTestNode({
    accounts: [{ address: alice.address, balanceSatang: 1_000_000 }],
    blockTimeMs: 100,
    keepDataDir: true,
  });
  const work = await Deno.makeTempDir({ prefix: "gtx-corrupt-" });
  try {
    const tx = signWith(alice, {
      kind: "transfer",
      nonce: 0,
      feeSatang: 5,
      expiresAtMs: Date.now() + 60_000,
      payload: { to: testWallet("corrupt-bob").address, amountSatang: 10, amountWh: 0 },
    });
    await fetch(`${node.baseUrl}/api/v1/transactions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(toSignedTxJson(tx)),
    }).then((r) => r.body?.cancel());
    await waitFor(() => node.running.node.getAccount(alice.address).nonce === 1, 10_000, "tx");
    await waitFor(() => node.running.node.head.header.height >= 5, 10_000, "blocks");
    await node.running.stop();
    const kvPath = `${node.dataDir}/chain.kv`;
    const head = (await verifyChainStore(kvPath)).height!;
    let n = 0;
    const fresh = async () => {
      const p = `${work}/copy-${n++}.kv`;
      await copyKv(kvPath, p);
      return p;
    };

    await t.step("healthy store passes", async () => {
      const report = await verifyChainStore(await fresh());
      assert.equal(report.height, head);
      assert.ok(report.blocksChecked >= 5 && report.stateEntriesChecked >= 3);
    });
    await t.step("truncated file", async () => {
      const p = await fresh();
      const bytes = await Deno.readFile(p);
      await Deno.writeFile(p, bytes.slice(0, Math.floor(bytes.length / 2)));
      await expectCorrupt(p, /cannot be opened.*malformed.*truncated/);
      await Deno.writeFile(p, new Uint8Array(0));
      await expectCorrupt(p, /file is empty/);
    });
    const deletions: [string, Deno.KvKey, RegExp][] = [
      ["head record", kvKey.head(), /head record \(meta\/head\) is missing/],
      ["a block record", kvKey.block(head - 2), new RegExp(`block ${head - 2} is missing`)],
      ["a block's transactions", kvKey.blockTxChunk(head, 0), /block/],
      ["a redo log", kvKey.diffChunk(head - 1, 0), new RegExp(`redo log of block ${head - 1}`)],
      [
        "an account",
        kvKey.state(stateKey.account(alice.address)),
        /state entry "account\/.*" is missing/,
      ],
      ["the chain parameters", kvKey.state(stateKey.params()), /state entry "params" is missing/],
      ["the genesis spec", kvKey.genesis(), /genesis spec is missing/],
    ];
    for (const [what, key, message] of deletions) {
      await t.step(`deleted ${what}`, async () => {
        const p = await fresh();
        await editKv(p, (kv) => kv.delete(key));
        await expectCorrupt(p, message);
      });
    }
    await t.step("a changed state value", async () => {
      const p = await fresh();
      await editKv(p, async (kv) => {
        const key = kvKey.state(stateKey.account(alice.address));
        const v = (await kv.get<Record<string, unknown>>(key)).value!;
        await kv.set(key, { ...v, balanceSatang: 999_999_999 });
      });
      await expectCorrupt(p, /differs from what block history wrote/);
    });

    await t.step("startNode refuses, and the CLI exits 1 with the reason", async () => {
      const bytes = await Deno.readFile(kvPath);
      await Deno.writeFile(kvPath, bytes.slice(0, Math.floor(bytes.length * 0.6)));
      Deno.env.set("GRIDTOKENX_PASSPHRASE", TEST_PASSPHRASE);
      const cfg = opsConfig({ dataDir: node.dataDir });
      const log = createLogger({ level: "warn", format: "json", console: false });
      await assert.rejects(
        () => startNode(cfg, log, { handleSignals: false }),
        (e: unknown) => e instanceof StorageError && e.code === "CORRUPT",
      );
      const configPath = `${work}/config.toml`;
      await Deno.writeTextFile(configPath, testConfigToml({ dataDir: node.dataDir }));
      const res = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", "--config", DENO_JSON, MAIN_TS, "start", "--config", configPath],
        env: { GRIDTOKENX_PASSPHRASE: TEST_PASSPHRASE },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(res.stderr);
      assert.equal(res.code, 1, stderr);
      assert.match(stderr, /gridtokenx-node: CORRUPT: Chain database .*chain\.kv is damaged/);
    });
  } finally {
    await Deno.remove(node.dataDir, { recursive: true }).catch(() => {});
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
});
