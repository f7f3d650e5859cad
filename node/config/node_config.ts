/**
 * The validated node configuration. Keys keep the snake_case spelling of
 * config.toml so that `cfg.energy.max_trade_amount` is the same key that error
 * messages and the docs name. All defaults are applied; all paths are resolved
 * (see each field). Amounts keep the config's decimal units (kWh, multiplier,
 * credits/kWh); `chainParamsFromConfig` converts them to the chain's integers.
 */

/** Roles a node can take. */
export const NODE_TYPES = [
  "validator",
  "trader",
  "observer",
  "grid_operator",
  "authority",
] as const;
export type NodeType = typeof NODE_TYPES[number];

/** Log levels, least to most severe. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
export type LogLevel = typeof LOG_LEVELS[number];

/** Log line formats. */
export const LOG_FORMATS = ["json", "pretty"] as const;
export type LogFormat = typeof LOG_FORMATS[number];

/** A pre-funded account at genesis. */
export interface GenesisAccountConfig {
  /** `gtx1...` bech32 address (shape checked here, checksum by the chain's address module). */
  address: string;
  balance_satang: number;
  energy_wh: number;
}

/** A validator at genesis. */
export interface GenesisValidatorConfig {
  /** Ed25519 public key, 64 lower- or upper-case hex chars. */
  public_key: string;
  stake_satang: number;
}

/** An energy authority (EGAT, MEA, PEA, ERC, ...) at genesis. */
export interface GenesisAuthorityConfig {
  /** Upper-case id, e.g. `MEA`. */
  name: string;
  /** 64 hex chars; when absent, `init` generates a dev key for this authority. */
  public_key?: string;
  /** Area codes it serves; `"*"` means the whole country. */
  service_area: string[];
}

export interface NodeConfig {
  /** Path of the file this config came from (absolute when loaded by `loadConfig`),
   * or `null` for the embedded default. */
  source_path: string | null;
  node: {
    node_id: string;
    node_type: NodeType;
    /** Resolved against the config file's directory. */
    data_dir: string;
  };
  network: {
    network_name: string;
    network_id: number;
    max_peers: number;
  };
  energy: {
    /** Always exactly 1 (1 kWh = 1 token). */
    energy_token_ratio: number;
    /** kWh, a whole number of Wh. */
    min_trade_amount: number;
    /** kWh, a whole number of Wh, >= min_trade_amount. */
    max_trade_amount: number;
  };
  thai_market: {
    peak_hours: {
      /** 0..23, Asia/Bangkok. */
      start_hour: number;
      /** 1..24, > start_hour. */
      end_hour: number;
      /** 1.0..10.0, at most 4 decimals. */
      pricing_multiplier: number;
    };
  };
  logging: {
    level: LogLevel;
    format: LogFormat;
    file_logging: {
      enabled: boolean;
      /** Resolved against the config file's directory. */
      file_path: string;
    };
  };
  api: {
    host: string;
    /** 0 = pick a free port. */
    port: number;
    max_body_bytes: number;
    request_timeout_ms: number;
    /** NAME of the environment variable that holds the operator token. */
    operator_token_env: string;
    /** Empty = CORS off. */
    cors_origins: string[];
    rate_limit_per_second: number;
    rate_limit_burst: number;
    console_public: boolean;
  };
  p2p: {
    enabled: boolean;
    listen_address: string;
    port: number;
    /** Multiaddr strings. */
    bootstrap_peers: string[];
    max_message_bytes: number;
    ban_seconds: number;
  };
  storage: {
    /** Deno KV file; a relative setting is resolved against `node.data_dir`. */
    kv_path: string;
    verify_on_start: boolean;
  };
  consensus: {
    block_time_ms: number;
    max_block_transactions: number;
    mempool_max_transactions: number;
    min_tx_fee_satang: number;
    unbonding_blocks: number;
    max_future_drift_ms: number;
    /** Stake a stake transaction must reach to join the validator set, satang. */
    min_validator_stake_satang: number;
    /** Authorities' combined voting power as a share of total validator stake, bps (<= 5000). */
    authority_voting_power_bps: number;
    /** Share of bonded stake burned for double signing, bps. */
    slash_fraction_bps: number;
    /** Share of the block time that proof-of-work sealing should take, bps. */
    pow_target_fraction_bps: number;
    /** Difficulty (leading zero bits) of the first sealed block. */
    pow_initial_difficulty_bits: number;
    /** NAME of the environment variable that holds the keystore passphrase. */
    keystore_passphrase_env: string;
  };
  /** Governance defaults written into genesis (see docs/governance.md). */
  governance: {
    voting_period_blocks: number;
    quorum_bps: number;
    threshold_bps: number;
    veto_bps: number;
    min_deposit_satang: number;
    execution_delay_blocks: number;
    emergency_signatures_required: number;
  };
  genesis: {
    timestamp_ms: number;
    dev_validator_stake_satang: number;
    dev_validator_balance_satang: number;
    /** Credits per kWh by energy source, at most 3 decimals. */
    carbon_credits: {
      solar: number;
      wind: number;
      hydro: number;
      biomass: number;
      geothermal: number;
    };
    accounts: GenesisAccountConfig[];
    validators: GenesisValidatorConfig[];
    authorities: GenesisAuthorityConfig[];
  };
}
