import assert from "node:assert/strict";
import { DEFAULT_CONFIG_TOML } from "./default_config.ts";
import { parseConfig } from "./parse_config.ts";

const CONFIG_TOML_URL = new URL("../../config.toml", import.meta.url);

Deno.test("default_config.ts holds exactly the text of config.toml", async () => {
  const fileText = await Deno.readTextFile(CONFIG_TOML_URL);
  assert.ok(
    DEFAULT_CONFIG_TOML === fileText,
    "node/config/default_config.ts differs from config.toml: paste config.toml into it unchanged",
  );
});

Deno.test("embedded default parses and matches the schema defaults", () => {
  const embedded = parseConfig(DEFAULT_CONFIG_TOML, "/x/config.toml");
  const defaults = parseConfig("", "/x/config.toml");
  // The file adds the four Thai authorities; every other value is the documented default.
  assert.deepEqual({ ...embedded, genesis: { ...embedded.genesis, authorities: [] } }, defaults);
  assert.deepEqual(embedded.genesis.authorities, [
    { name: "EGAT", service_area: ["*"] },
    { name: "MEA", service_area: ["BKK", "NBI", "SPK"] },
    { name: "PEA", service_area: ["CNX", "KKN", "NMA", "PKT"] },
    { name: "ERC", service_area: ["*"] },
  ]);
});
