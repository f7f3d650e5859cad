/**
 * Recovery of a damaged data directory (`gridtokenx-node resync`): a stopped
 * validator's chain database loses entries, `start` refuses it, `resync`
 * moves it aside (never deletes it), keeps the keys and a signing floor,
 * re-initialises from genesis, and the next `start` catches up from the peers
 * with the same hashes and state roots. Also: what resync refuses.
 */
import assert from "node:assert/strict";
import { createLogger } from "../node/log/logger.ts";
import { parseConfig } from "../node/config/parse_config.ts";
import { validatorKeystorePath } from "../node/runtime/keys.ts";
import { resyncDataDir } from "../node/runtime/resync.ts";
import { StorageError } from "../node/storage/kv_batch.ts";
import { kvKey } from "../node/storage/kv_layout.ts";
import type { SignedRecord } from "../node/storage/signing_record.ts";
import { validatorWallet } from "./helpers/network.ts";
import { startTestNode, TEST_PASSPHRASE, testConfigToml, waitFor } from "./helpers/test_node.ts";
import {
  type BlockView,
  compareChains,
  describeNetwork,
  getJson,
  getStatus,
  startProcessNetwork,
} from "./ops_network_helpers.ts";

const MAIN_TS = new URL("../main.ts", import.meta.url).pathname;
const DENO_JSON = new URL("../deno.json", import.meta.url).pathname;

/** Runs `main.ts <args>` to completion. */
async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const res = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", DENO_JSON, MAIN_TS, ...args],
    env: { GRIDTOKENX_PASSPHRASE: TEST_PASSPHRASE },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    signal: AbortSignal.timeout(60_000),
  }).output();
  const dec = new TextDecoder();
  return { code: res.code, stdout: dec.decode(res.stdout), stderr: dec.decode(res.stderr) };
}

async function withKv<T>(path: string, fn: (kv: Deno.Kv) => Promise<T>): Promise<T> {
  const kv = await Deno.openKv(path);
  try {
    return await fn(kv);
  } finally {
    kv.close();
  }
}

async function corruptDirsOf(dataDir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dataDir)) {
    if (e.name.startsWith("corrupt-")) out.push(`${dataDir}/${e.name}`);
  }
  return out;
}

Deno.test({
  name: "resync: a validator with a damaged database is moved aside, resyncs from peers and agrees",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const net = await startProcessNetwork({ validators: 4, blockTimeMs: 400 });
    const victim = net.members[3]!;
    const moved: string[] = [];
    try {
      const heights = async () =>
        (await Promise.all([0, 1, 2].map((i) => getStatus(net.url(i))))).map((s) =>
          s?.height ?? -1
        );
      await waitFor(async () => (await heights()).every((h) => h >= 6), 40_000, "6 blocks");
      await net.kill(3);
      const kvPath = `${victim.dataDir}/chain.kv`;
      // Damage: the record of the block below the head is gone.
      const oldHead = await withKv(kvPath, async (kv) => {
        const head = (await kv.get<{ height: number }>(kvKey.head())).value!;
        await kv.delete(kvKey.block(head.height - 1));
        return head.height;
      });
      const oldSigned = await withKv(
        kvPath,
        async (kv) => (await kv.get<SignedRecord>(kvKey.signed())).value?.height ?? null,
      );
      assert.ok(oldSigned !== null && oldSigned >= oldHead, `signed ${oldSigned}, head ${oldHead}`);

      // The test network skips the start-up check; production configs run it (default).
      const toml = await Deno.readTextFile(victim.configPath);
      assert.ok(toml.includes("verify_on_start = false"));
      await Deno.writeTextFile(
        victim.configPath,
        toml.replace("verify_on_start = false", "verify_on_start = true"),
      );
      const refused = await runCli(["start", "--config", victim.configPath]);
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(
        refused.stderr,
        /CORRUPT: Chain database .*chain\.kv is damaged: block \d+ is missing/,
      );
      assert.match(refused.stderr, /gridtokenx-node resync/);

      const r = await runCli(["resync", "--config", victim.configPath]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const dirs = await corruptDirsOf(victim.dataDir);
      moved.push(...dirs);
      assert.equal(dirs.length, 1);
      assert.match(dirs[0]!, /\/corrupt-\d{8}T\d{6}Z$/);
      assert.ok(r.stdout.includes(`Moved the chain database aside to ${dirs[0]}`), r.stdout);
      // Nothing deleted: the old database is there and still shows its head.
      const keptHead = await withKv(
        `${dirs[0]}/chain.kv`,
        async (kv) => (await kv.get<{ height: number }>(kvKey.head())).value?.height,
      );
      assert.equal(keptHead, oldHead);
      // Same key; the signing floor is above anything signed before.
      await Deno.stat(validatorKeystorePath(victim.dataDir));
      const floor = Math.max(oldSigned + 1, oldHead + 2);
      assert.match(r.stdout, new RegExp(`signs nothing below height ${floor}`));
      const fresh = await withKv(kvPath, async (kv) => ({
        head: (await kv.get<{ height: number }>(kvKey.head())).value?.height,
        signed: (await kv.get<SignedRecord>(kvKey.signed())).value,
      }));
      assert.equal(fresh.head, 0);
      assert.deepEqual(fresh.signed, { height: floor, entries: [] });

      await net.restart(3);
      const target = Math.max(...await heights());
      await waitFor(
        async () => ((await getStatus(net.url(3)))?.height ?? -1) >= target + 1,
        // Generous: under the full parallel suite a cold child process is slow.
        90_000,
        "resynced node caught up",
      ).catch(async (e) => {
        throw new Error(`${e}; target ${target}\n${await describeNetwork(net, 3)}`);
      });
      const urls = [0, 1, 2, 3].map((i) => net.url(i));
      await compareChains(urls, target);
      // Back in the validator set's rotation: it proposes again (above its floor).
      const me = validatorWallet(3).publicKeyHex;
      const proposed = await waitFor(
        async () => {
          const h = (await getStatus(net.url(0)))?.height ?? 0;
          for (let x = target + 1; x <= h; x++) {
            const b = await getJson<BlockView & { header: { proposer: string } }>(
              `${net.url(0)}/api/v1/blocks/${x}`,
            );
            if (b.header.proposer === me) return x;
          }
          return null;
        },
        30_000,
        "a block proposed by the resynced validator",
      );
      assert.ok(proposed !== null && proposed >= floor, `proposed at ${proposed}, floor ${floor}`);
    } finally {
      await net.close();
      for (const d of moved) await Deno.remove(d, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("resync refuses a healthy database, and an unreadable one without --min-sign-height", async () => {
  const node = await startTestNode({ blockTimeMs: 100, keepDataDir: true });
  const moved: string[] = [];
  try {
    await waitFor(() => node.running.node.head.header.height >= 3, 10_000, "blocks");
    await node.running.stop();
    const cfg = parseConfig(
      testConfigToml({ dataDir: node.dataDir }),
      `${node.dataDir}/config.toml`,
    );
    const log = createLogger({ level: "warn", format: "json", console: false });
    const code = (c: string) => (e: unknown) => e instanceof StorageError && e.code === c;
    await assert.rejects(
      () => resyncDataDir(cfg, log, { nowMs: Date.now() }),
      code("RESYNC_NOT_NEEDED"),
    );
    assert.deepEqual(await corruptDirsOf(node.dataDir), []);

    const kvPath = cfg.storage.kv_path;
    const bytes = await Deno.readFile(kvPath);
    await Deno.writeFile(kvPath, bytes.slice(0, Math.floor(bytes.length * 0.5)));
    for (const s of ["-wal", "-shm"]) await Deno.remove(kvPath + s).catch(() => {});
    await assert.rejects(
      () => resyncDataDir(cfg, log, { nowMs: Date.now() }),
      (e: unknown) =>
        code("RESYNC_SIGNING_UNKNOWN")(e) && /nothing was moved.*--min-sign-height/.test(String(e)),
    );
    assert.deepEqual(await corruptDirsOf(node.dataDir), []);

    const r = await resyncDataDir(cfg, log, {
      nowMs: Date.UTC(2026, 10, 25, 14, 15),
      minSignHeight: 500,
    });
    moved.push(r.movedTo);
    assert.equal(r.movedTo, `${node.dataDir}/corrupt-20261125T141500Z`);
    assert.deepEqual(r.movedFiles, [`${r.movedTo}/chain.kv`]);
    assert.equal(r.signFloorHeight, 500);
    assert.equal(
      (await Deno.readFile(`${r.movedTo}/chain.kv`)).length,
      Math.floor(bytes.length * 0.5),
    );
    await withKv(kvPath, async (kv) => {
      assert.deepEqual((await kv.get(kvKey.signed())).value, { height: 500, entries: [] });
      assert.equal((await kv.get<{ height: number }>(kvKey.head())).value?.height, 0);
    });
    // A second resync in the same second gets its own directory.
    const again = await resyncDataDir(cfg, log, {
      nowMs: Date.UTC(2026, 10, 25, 14, 15),
      force: true,
    });
    moved.push(again.movedTo);
    assert.equal(again.movedTo, `${node.dataDir}/corrupt-20261125T141500Z-2`);
    assert.equal(again.signFloorHeight, 501); // the kept floor 500, +1
  } finally {
    await Deno.remove(node.dataDir, { recursive: true }).catch(() => {});
    for (const d of moved) await Deno.remove(d, { recursive: true }).catch(() => {});
  }
});
