import assert from "node:assert/strict";
import { ConfigError } from "./config_error.ts";
import { loadConfig } from "./load_config.ts";

Deno.test("loadConfig: reads the given file and resolves paths against its directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/node.toml`, '[node]\nnode_id = "n2"\ndata_dir = "d"\n');
    const cfg = await loadConfig(`${dir}/node.toml`);
    assert.equal(cfg.node.node_id, "n2");
    assert.equal(cfg.node.data_dir, `${dir}/d`);
    assert.equal(cfg.storage.kv_path, `${dir}/d/chain.kv`);
    assert.equal(cfg.source_path, `${dir}/node.toml`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadConfig: a missing explicit file is an error", async () => {
  await assert.rejects(
    () => loadConfig("/nonexistent/gridtokenx/config.toml"),
    (e: unknown) => e instanceof ConfigError && /file not found/.test(e.message),
  );
});

Deno.test("loadConfig: invalid file is a ConfigError naming the key", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/config.toml`, "[energy]\nmax_trade_amount = -5\n");
    await assert.rejects(
      () => loadConfig(`${dir}/config.toml`),
      (e: unknown) =>
        e instanceof ConfigError && e.key === "energy.max_trade_amount" &&
        e.message.startsWith(`Invalid config ${dir}/config.toml: "energy.max_trade_amount"`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadConfig: no path uses ./config.toml, or the embedded default without one", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    // `cwd` stands in for Deno.chdir, which would change the directory of parallel tests too.
    const embedded = await loadConfig(undefined, { cwd: dir });
    assert.equal(embedded.source_path, null);
    assert.equal(embedded.node.data_dir, `${dir}/data`);
    assert.equal(embedded.genesis.authorities.length, 4);

    await Deno.writeTextFile(`${dir}/config.toml`, "[api]\nport = 1234\n");
    const local = await loadConfig(undefined, { cwd: dir });
    assert.equal(local.source_path, `${dir}/config.toml`);
    assert.equal(local.api.port, 1234);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
