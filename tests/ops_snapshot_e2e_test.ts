/**
 * Backup and restore: `gridtokenx-node export` / `import` through the CLI;
 * the restored chain has the same head, state root and state; corrupted or
 * truncated snapshots are refused with a clear message and leave nothing.
 */
import assert from "node:assert/strict";
import { toSignedTxJson } from "../node/chain/transaction.ts";
import { ChainStore } from "../node/storage/chain_store.ts";
import { importSnapshot } from "../node/storage/snapshot.ts";
import { StorageError } from "../node/storage/kv_batch.ts";
import {
  signWith,
  startTestNode,
  TEST_PASSPHRASE,
  testConfigToml,
  testWallet,
  waitFor,
} from "./helpers/test_node.ts";

const MAIN_TS = new URL("../main.ts", import.meta.url).pathname;
const DENO_JSON = new URL("../deno.json", import.meta.url).pathname;

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const res = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", DENO_JSON, MAIN_TS, ...args],
    env: { GRIDTOKENX_PASSPHRASE: TEST_PASSPHRASE },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: res.code, out: text.decode(res.stdout) + text.decode(res.stderr) };
}

async function readChain(kvPath: string) {
  const store = await ChainStore.open(kvPath);
  try {
    return { head: await store.getHead(), state: await store.loadState() };
  } finally {
    store.close();
  }
}

Deno.test("export and import a chain snapshot, verified by state root", async () => {
  const alice = testWallet("snap-alice");
  const bob = testWallet("snap-bob");
  const node = await startTestNode({
    accounts: [{ address: alice.address, balanceSatang: 1_000_000, energyWh: 10_000 }],
    blockTimeMs: 100,
    keepDataDir: true,
  });
  const work = await Deno.makeTempDir({ prefix: "gtx-snap-" });
  try {
    for (let nonce = 0; nonce < 5; nonce++) {
      const tx = signWith(alice, {
        kind: "transfer",
        nonce,
        feeSatang: 5,
        expiresAtMs: Date.now() + 60_000,
        payload: { to: bob.address, amountSatang: 1_000 + nonce, amountWh: 10 },
      });
      const res = await fetch(`${node.baseUrl}/api/v1/transactions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(toSignedTxJson(tx)),
      });
      assert.equal(res.status, 202, await res.text());
    }
    await waitFor(() => node.running.node.getAccount(alice.address).nonce === 5, 10_000, "txs");
    await node.running.stop();
    const srcConfig = `${work}/src.toml`;
    await Deno.writeTextFile(srcConfig, testConfigToml({ dataDir: node.dataDir }));
    const original = await readChain(`${node.dataDir}/chain.kv`);
    assert.ok(original.head !== null && original.head.height >= 2);

    const snap = `${work}/chain.gtxsnap`;
    const exported = await cli(["export", "--config", srcConfig, "--out", snap]);
    assert.equal(exported.code, 0, exported.out);
    assert.match(exported.out, new RegExp(`head ${original.head.height} ${original.head.hash}`));
    assert.equal((await Deno.stat(snap)).mode! & 0o077, 0, "snapshot is private (0600)");

    const dstDir = `${work}/restored`;
    const dstConfig = `${work}/dst.toml`;
    await Deno.writeTextFile(dstConfig, testConfigToml({ dataDir: dstDir }));
    const imported = await cli(["import", "--config", dstConfig, "--in", snap]);
    assert.equal(imported.code, 0, imported.out);
    assert.match(imported.out, new RegExp(`state root ${original.head.stateRoot}`));
    const restored = await readChain(`${dstDir}/chain.kv`);
    assert.deepEqual(restored.head, original.head);
    assert.deepEqual(restored.state, original.state);

    // Importing over an existing chain is refused.
    const twice = await cli(["import", "--config", dstConfig, "--in", snap]);
    assert.equal(twice.code, 1);
    assert.match(twice.out, /already holds a chain/);

    // A corrupted snapshot: one flipped byte in each region of the file, and truncations.
    const bytes = await Deno.readFile(snap);
    const cases: [string, Uint8Array][] = [
      ["truncated", bytes.slice(0, Math.floor(bytes.length * 0.7))],
      ["end cut", bytes.slice(0, bytes.length - 3)],
      ["bad magic", Uint8Array.from(bytes, (b, i) => (i === 0 ? b ^ 1 : b))],
    ];
    for (const at of [0.2, 0.5, 0.8, 0.95]) {
      const i = Math.floor(bytes.length * at);
      cases.push([`flip@${i}`, Uint8Array.from(bytes, (b, j) => (j === i ? b ^ 0x40 : b))]);
    }
    for (const [name, data] of cases) {
      const bad = `${work}/bad-${name}.gtxsnap`;
      await Deno.writeFile(bad, data);
      const kv = `${work}/bad-${name}.kv`;
      await assert.rejects(
        () => importSnapshot(bad, kv),
        (e: unknown) => {
          assert.ok(e instanceof StorageError, `${name}: ${e}`);
          assert.equal(e.code, "BAD_SNAPSHOT", `${name}: ${e.message}`);
          assert.match(
            e.message,
            /^(Snapshot (is truncated|is corrupted|block \d+ is invalid|digest does not match)|Not a GridTokenX snapshot|Genesis spec|State entry)/,
          );
          return true;
        },
        name,
      );
      await assert.rejects(() => Deno.stat(kv), Deno.errors.NotFound, `${name}: KV removed`);
    }
    const badConfig = `${work}/bad.toml`;
    await Deno.writeTextFile(badConfig, testConfigToml({ dataDir: `${work}/restored-bad` }));
    const viaCli = await cli([
      "import",
      "--config",
      badConfig,
      "--in",
      `${work}/bad-truncated.gtxsnap`,
    ]);
    assert.equal(viaCli.code, 1);
    assert.match(viaCli.out, /gridtokenx-node: BAD_SNAPSHOT: Snapshot is truncated/);
  } finally {
    await Deno.remove(node.dataDir, { recursive: true }).catch(() => {});
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
});
