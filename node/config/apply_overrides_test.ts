import assert from "node:assert/strict";
import { applyOverrides } from "./apply_overrides.ts";
import { ConfigError } from "./config_error.ts";
import { parseConfig } from "./parse_config.ts";

const base = parseConfig("", "/etc/gtx/config.toml");

Deno.test("applyOverrides: replaces values and leaves the input unchanged", () => {
  const next = applyOverrides(base, { apiPort: 0, p2pPort: 9101, apiHost: "0.0.0.0" });
  assert.equal(next.api.port, 0);
  assert.equal(next.p2p.port, 9101);
  assert.equal(next.api.host, "0.0.0.0");
  assert.equal(base.api.port, 8080);
  assert.equal(base.p2p.port, 9000);
  assert.deepEqual(applyOverrides(base, {}), base);
});

Deno.test("applyOverrides: --data-dir moves a kv_path inside the data dir", () => {
  const next = applyOverrides(base, { dataDir: "/tmp/node2" });
  assert.equal(next.node.data_dir, "/tmp/node2");
  assert.equal(next.storage.kv_path, "/tmp/node2/chain.kv");
  assert.equal(base.storage.kv_path, "/etc/gtx/data/chain.kv");

  const outside = parseConfig('[storage]\nkv_path = "/mnt/kv/chain.kv"\n', "/etc/gtx/config.toml");
  assert.equal(applyOverrides(outside, { dataDir: "/tmp/n" }).storage.kv_path, "/mnt/kv/chain.kv");
  assert.equal(applyOverrides(base, { dataDir: "./rel/dir/" }).storage.kv_path, "rel/dir/chain.kv");
});

Deno.test("applyOverrides: bad values are ConfigErrors naming the key", () => {
  for (
    const [overrides, key] of [
      [{ apiPort: 70000 }, "api.port"],
      [{ p2pPort: -1 }, "p2p.port"],
      [{ apiPort: 1.5 }, "api.port"],
      [{ apiHost: "" }, "api.host"],
      [{ dataDir: " " }, "node.data_dir"],
    ] as const
  ) {
    assert.throws(
      () => applyOverrides(base, overrides),
      (e: unknown) => e instanceof ConfigError && e.key === key && e.message.includes(`"${key}"`),
    );
  }
});
