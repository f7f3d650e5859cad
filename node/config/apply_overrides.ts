/** Command-line overrides (`--data-dir`, `--api-port`, `--p2p-port`, `--api-host`). */
import { isAbsolute, join, relative } from "node:path";
import { ConfigError, formatConfigValue } from "./config_error.ts";
import type { NodeConfig } from "./node_config.ts";

/** Values given on the command line; undefined = keep the config's value. */
export interface ConfigOverrides {
  /** Replaces `node.data_dir` (used as given, i.e. relative to the working directory). */
  dataDir?: string;
  /** Replaces `api.port`, 0..65535. */
  apiPort?: number;
  /** Replaces `p2p.port`, 0..65535. */
  p2pPort?: number;
  /** Replaces `api.host`. */
  apiHost?: string;
}

/**
 * Returns a new config with the overrides applied; `cfg` is not changed.
 * When the data directory moves, a `storage.kv_path` that lay inside the old
 * data directory moves with it; one outside it is kept.
 *
 * @throws {ConfigError} if an override is out of range (key names the config key)
 *
 * @example
 * const cfg2 = applyOverrides(cfg, { apiPort: 0, dataDir: "/tmp/node2" });
 */
export function applyOverrides(cfg: NodeConfig, overrides: ConfigOverrides): NodeConfig {
  const next: NodeConfig = structuredClone(cfg);
  if (overrides.dataDir !== undefined) {
    if (overrides.dataDir.trim() === "") throw bad("node.data_dir", "must not be empty", "");
    const oldDir = cfg.node.data_dir;
    const newDir = join(overrides.dataDir);
    const rel = relative(oldDir, cfg.storage.kv_path);
    if (rel !== "" && !rel.startsWith("..") && !isAbsolute(rel)) {
      next.storage.kv_path = join(newDir, rel);
    }
    next.node.data_dir = newDir;
  }
  if (overrides.apiPort !== undefined) next.api.port = checkPort("api.port", overrides.apiPort);
  if (overrides.p2pPort !== undefined) next.p2p.port = checkPort("p2p.port", overrides.p2pPort);
  if (overrides.apiHost !== undefined) {
    if (overrides.apiHost === "" || overrides.apiHost.length > 255) {
      throw bad("api.host", "must be a host name or address", overrides.apiHost);
    }
    next.api.host = overrides.apiHost;
  }
  return next;
}

function checkPort(key: string, port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw bad(key, "must be an integer in 0..65535", port);
  }
  return port;
}

function bad(key: string, rule: string, value: unknown): ConfigError {
  const message = `Invalid command-line override: "${key}" ${rule}, got ${
    formatConfigValue(value)
  }`;
  return new ConfigError(message, { key, issues: [{ key, message }] });
}
