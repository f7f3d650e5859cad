/**
 * Node configuration: config.toml parsing and validation, defaults, CLI
 * overrides, and conversion to the chain's integer parameters.
 *
 * @example
 * const cfg = applyOverrides(await loadConfig(args.config), { apiPort: args.apiPort });
 * const params = chainParamsFromConfig(cfg);
 */
export { ConfigError, type ConfigIssue } from "./config_error.ts";
export type {
  GenesisAccountConfig,
  GenesisAuthorityConfig,
  GenesisValidatorConfig,
  LogFormat,
  LogLevel,
  NodeConfig,
  NodeType,
} from "./node_config.ts";
export { LOG_FORMATS, LOG_LEVELS, NODE_TYPES } from "./node_config.ts";
export { parseConfig } from "./parse_config.ts";
export { EMBEDDED_CONFIG_LABEL, loadConfig } from "./load_config.ts";
export { applyOverrides, type ConfigOverrides } from "./apply_overrides.ts";
export { chainParamsFromConfig } from "./chain_params.ts";
export { DEFAULT_CONFIG_TOML } from "./default_config.ts";
export { ADDRESS_SHAPE } from "./schema.ts";
export { computeScaledInteger } from "./decimal.ts";
