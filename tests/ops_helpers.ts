/**
 * Helpers of the ops_* and security_* tests: a test node whose `[api]`
 * (or other) settings differ from the harness defaults.
 */
import { parseConfig } from "../node/config/parse_config.ts";
import type { NodeConfig } from "../node/config/node_config.ts";
import { type TestConfigOptions, testConfigToml } from "./helpers/test_node.ts";

/**
 * TOML of a test node with extra `[api]` keys (the harness already opens
 * `[api]`, so they cannot go into `extraToml`).
 */
export function opsConfigToml(
  opts: TestConfigOptions & { apiToml?: string; storageToml?: string },
): string {
  let toml = testConfigToml(opts).replace(
    "[api]\nport = 0\n",
    `[api]\nport = 0\n${opts.apiToml ?? ""}\n`,
  );
  if (opts.storageToml !== undefined) toml += `\n[storage]\n${opts.storageToml}\n`;
  return toml;
}

/** Parsed config of {@link opsConfigToml}. */
export function opsConfig(
  opts: TestConfigOptions & { apiToml?: string; storageToml?: string },
): NodeConfig {
  return parseConfig(opsConfigToml(opts), `${opts.dataDir}/config.toml`);
}

/** Reads a whole JSON response body. */
export async function json(res: Response): Promise<Record<string, unknown>> {
  return await res.json() as Record<string, unknown>;
}
