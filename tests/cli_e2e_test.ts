/**
 * The command line (main.ts) as a user runs it: init is idempotent, bad
 * configs and bad flags exit non-zero with the reason, generate-keys writes
 * an owner-only keystore, SIGTERM stops the node gracefully and its data
 * reopens.
 *
 * Needs: --allow-run (deno subprocesses), --allow-read, --allow-write, --allow-env,
 * --allow-net=127.0.0.1.
 */
import assert from "node:assert/strict";
import { ChainStore } from "../node/storage/chain_store.ts";
import { spawnNodeProcess, TEST_PASSPHRASE, testConfigToml, waitFor } from "./helpers/test_node.ts";

const MAIN_TS = new URL("../main.ts", import.meta.url).pathname;
const DENO_JSON = new URL("../deno.json", import.meta.url).pathname;

async function cli(args: string[], cwd?: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", DENO_JSON, MAIN_TS, ...args],
    env: { GRIDTOKENX_PASSPHRASE: TEST_PASSPHRASE },
    cwd,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function withDir(fn: (dir: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "gtx-cli-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

async function writeConfig(dir: string, extra = ""): Promise<string> {
  const path = `${dir}/config.toml`;
  await Deno.writeTextFile(path, testConfigToml({ dataDir: `${dir}/data`, extraToml: extra }));
  return path;
}

Deno.test("cli: init creates keys and genesis, and a second init changes nothing", async () => {
  await withDir(async (dir) => {
    const config = await writeConfig(dir);
    const first = await cli(["init", "--config", config]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Initialised .*genesis [0-9a-f]{64}/);
    const keystore = await Deno.stat(`${dir}/data/keys/validator.json`);
    assert.equal(keystore.mode! & 0o777, 0o600);
    const keyText = await Deno.readTextFile(`${dir}/data/keys/validator.json`);
    const genesis = first.stdout.match(/genesis ([0-9a-f]{64})/)![1];
    const second = await cli(["init", "--config", config]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /already holds a chain/);
    assert.ok(second.stdout.includes(genesis!));
    assert.equal(await Deno.readTextFile(`${dir}/data/keys/validator.json`), keyText);
  });
});

Deno.test("cli: start with a bad config exits non-zero naming the key", async () => {
  await withDir(async (dir) => {
    const cases: [string, RegExp][] = [
      ["[storage]\nbogus_key = 1\n", /storage\.bogus_key/],
      ['[storage]\nverify_on_start = "yes"\n', /storage\.verify_on_start/],
      ["[network]\nnetwork_id = 0\n", /network\.network_id/],
    ];
    for (const [extra, key] of cases) {
      const config = await writeConfig(dir, extra);
      const r = await cli(["start", "--config", config]);
      assert.notEqual(r.code, 0, extra);
      assert.match(r.stderr, key, `stderr names the key for ${JSON.stringify(extra)}`);
    }
  });
});

Deno.test("cli: unknown command and bad --api-port exit 2 with usage", async () => {
  await withDir(async (dir) => {
    const config = await writeConfig(dir);
    for (
      const args of [
        ["frobnicate", "--config", config],
        ["start", "--config", config, "--api-port", "http"],
        ["start", "--config", config, "--api-port", "70000"],
        ["start", "--no-such-flag"],
      ]
    ) {
      const r = await cli(args, dir);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /Usage: gridtokenx-node/);
    }
  });
});

Deno.test("cli: generate-keys --out writes a 0600 keystore and never overwrites", async () => {
  await withDir(async (dir) => {
    const config = await writeConfig(dir);
    const out = `${dir}/elsewhere/key.json`;
    const r = await cli(["generate-keys", "--config", config, "--out", out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Address: gtx1/);
    assert.equal((await Deno.stat(out)).mode! & 0o777, 0o600);
    const parsed = JSON.parse(await Deno.readTextFile(out));
    assert.ok(!JSON.stringify(parsed).includes(TEST_PASSPHRASE));
    const again = await cli(["generate-keys", "--config", config, "--out", out]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /KEYSTORE_EXISTS/);
  });
});

Deno.test("cli: SIGTERM stops the node gracefully and the data reopens", async () => {
  await withDir(async (dir) => {
    const config = await writeConfig(dir);
    const proc = await spawnNodeProcess(config);
    let exited = false;
    try {
      await waitFor(
        async () => {
          const s = await (await fetch(`${proc.baseUrl}/api/v1/status`)).json();
          return s.height >= 2;
        },
        20_000,
        "two blocks",
      );
      const status = await proc.kill("SIGTERM");
      exited = true;
      assert.equal(status.code, 0);
      assert.ok(proc.lines.some((l) => l.includes('"node.stopped"')), "node.stopped is logged");
      const store = await ChainStore.open(`${dir}/data/chain.kv`);
      try {
        const head = await store.getHead();
        assert.ok(head !== null && head.height >= 2);
        assert.equal(await store.getApplied(), head.height, "nothing left to recover");
      } finally {
        store.close();
      }
      const again = await spawnNodeProcess(config);
      const s = await (await fetch(`${again.baseUrl}/api/v1/status`)).json();
      assert.ok(s.height >= 2);
      assert.equal((await again.kill("SIGTERM")).code, 0);
    } finally {
      if (!exited) await proc.kill("SIGKILL");
    }
  });
});
