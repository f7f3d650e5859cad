/** Reads config.toml from disk (or falls back to the embedded default). */
import { isAbsolute, join } from "node:path";
import { ConfigError } from "./config_error.ts";
import { DEFAULT_CONFIG_TOML } from "./default_config.ts";
import type { NodeConfig } from "./node_config.ts";
import { parseConfig, parseConfigIn } from "./parse_config.ts";

/** Label used in messages for the embedded default config. */
export const EMBEDDED_CONFIG_LABEL = "<embedded default config>";

/**
 * Loads and validates the node's config.
 *
 * - `path` given: that file must exist and be valid.
 * - `path` undefined: `./config.toml` if it exists, else the embedded default
 *   (relative paths in it then resolve against the working directory).
 *
 * Needs read permission for the file and the working directory.
 * `options.cwd` replaces the working directory (for tests and embedding).
 *
 * @throws {ConfigError} if the file cannot be read or is invalid
 *
 * @example
 * const cfg = await loadConfig(); // runs with no config file at all
 */
export async function loadConfig(
  path?: string,
  options: { cwd?: string } = {},
): Promise<NodeConfig> {
  const cwd = options.cwd ?? Deno.cwd();
  if (path === undefined) {
    const local = join(cwd, "config.toml");
    const text = await readText(local, true);
    if (text === null) return parseConfigIn(DEFAULT_CONFIG_TOML, EMBEDDED_CONFIG_LABEL, cwd, null);
    return parseConfig(text, local);
  }
  const absolute = isAbsolute(path) ? path : join(cwd, path);
  const text = await readText(absolute, false);
  return parseConfig(text ?? "", absolute);
}

async function readText(path: string, missingOk: boolean): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) {
      if (missingOk) return null;
      throw new ConfigError(`Cannot read config ${path}: file not found`);
    }
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(`Cannot read config ${path}: ${reason}`);
  }
}
