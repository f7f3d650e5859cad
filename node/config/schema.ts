/**
 * The zod schema of config.toml: strict objects (an unknown key is an error),
 * defaults for omitted keys, and one message per key that says what a valid
 * value looks like. Cross-key rules (max >= min, end > start) live in
 * `parse_config.ts`, which knows the dotted keys.
 */
import { z } from "zod";
import { isExactDecimal } from "./decimal.ts";
import { LOG_FORMATS, LOG_LEVELS, NODE_TYPES, type NodeConfig } from "./node_config.ts";

const KIB = 1024;
const MIB = 1024 * KIB;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Integer in `min..max` (inclusive), with a message stating the range. */
function int(min: number, max: number = MAX_SAFE) {
  const error = max === MAX_SAFE
    ? `must be an integer >= ${min}`
    : `must be an integer in ${min}..${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
}

/** Number with at most `decimals` decimal places, within bounds. */
function decimal(
  opts: { min: number; minExclusive?: boolean; max?: number; decimals: number; hint: string },
) {
  const lower = `${opts.minExclusive ? ">" : ">="} ${opts.min}`;
  const range = opts.max === undefined ? lower : `${lower} and <= ${opts.max}`;
  const error = `must be a number ${range} with at most ${opts.decimals} decimals (${opts.hint})`;
  return z.number({ error }).refine((v) =>
    Number.isFinite(v) &&
    (opts.minExclusive ? v > opts.min : v >= opts.min) &&
    (opts.max === undefined || v <= opts.max) &&
    isExactDecimal(v, opts.decimals), { error });
}

/** String of `min..max` chars, optionally matching `pattern` (described by `what`). */
function str(min: number, max: number, pattern?: RegExp, what?: string) {
  const length = min === max ? `${min} characters` : `${min}..${max} characters`;
  const error = what === undefined
    ? `must be a string of ${length}`
    : `must be ${what} (${length})`;
  let schema = z.string({ error }).min(min, { error }).max(max, { error });
  if (pattern) schema = schema.regex(pattern, { error });
  return schema;
}

function bool() {
  return z.boolean({ error: "must be true or false" });
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `must be one of ${values.map((v) => `"${v}"`).join(", ")}` });
}

function list<T extends z.ZodType>(item: T, what: string) {
  return z.array(item, { error: `must be a list of ${what}` });
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEX64 = /^[0-9a-fA-F]{64}$/;
/** Shape of a bech32 `gtx1` address; the checksum is verified by the chain's address module. */
export const ADDRESS_SHAPE = /^gtx1[02-9ac-hj-np-z]{38}$/;
const ORIGIN = /^(\*|https?:\/\/[^/\s]+)$/;

const envName = () =>
  str(1, 128, ENV_NAME, "an environment variable NAME ([A-Za-z_][A-Za-z0-9_]*)");
const publicKey = () => str(64, 64, HEX64, "an Ed25519 public key in hex");
const carbonRate = (fallback: number) =>
  decimal({ min: 0, decimals: 3, hint: "credits per kWh" }).default(fallback);

const genesisAccount = z.strictObject({
  address: str(42, 42, ADDRESS_SHAPE, "a gtx1... bech32 address"),
  balance_satang: int(0).default(0),
  energy_wh: int(0).default(0),
}, { error: "must be a table" });

const genesisValidator = z.strictObject({
  public_key: publicKey(),
  stake_satang: int(1),
}, { error: "must be a table" });

const genesisAuthority = z.strictObject({
  name: str(2, 32, /^[A-Z][A-Z0-9_]*$/, "an upper-case authority id (e.g. EGAT, MEA, PEA, ERC)"),
  public_key: publicKey().optional(),
  service_area: list(str(1, 64), "area codes").min(1, {
    error: 'must list at least one area code ("*" = whole country)',
  }),
}, { error: "must be a table" });

/** Builds a strict table schema whose omitted keys take their defaults. */
function table<S extends z.core.$ZodLooseShape>(shape: S) {
  // Every key of a table has a default, so an empty table is a valid input.
  return z.strictObject(shape, { error: "must be a table" }).prefault({} as never);
}

/** Schema of the whole file; its output is {@link NodeConfig} without `source_path`. */
export const configSchema = z.strictObject({
  node: table({
    node_id: str(1, 64, /^[A-Za-z0-9._-]+$/, "a name of letters, digits, '.', '_' or '-'")
      .default("gridtokenx-node-001"),
    node_type: oneOf(NODE_TYPES).default("validator"),
    data_dir: str(1, 4096).default("./data"),
  }),
  network: table({
    network_name: str(1, 64).default("gridtokenx-devnet"),
    network_id: int(1, 2 ** 32 - 1).default(1001),
    max_peers: int(1, 1000).default(50),
  }),
  energy: table({
    energy_token_ratio: z.number({ error: "must be the number 1.0" }).refine(
      (v): boolean => v === 1,
      {
        error: "must be exactly 1.0: the protocol fixes 1 kWh = 1 token (amounts are Wh on chain)",
      },
    ).default(1),
    min_trade_amount: decimal({
      min: 0,
      minExclusive: true,
      decimals: 3,
      hint: "kWh, a whole number of Wh",
    }).default(0.1),
    max_trade_amount: decimal({
      min: 0,
      minExclusive: true,
      decimals: 3,
      hint: "kWh, a whole number of Wh",
    }).default(10000),
  }),
  thai_market: table({
    peak_hours: table({
      start_hour: int(0, 23).default(18),
      end_hour: int(1, 24).default(22),
      pricing_multiplier: decimal({ min: 1, max: 10, decimals: 4, hint: "x multiplier" })
        .default(1.5),
    }),
  }),
  logging: table({
    level: oneOf(LOG_LEVELS).default("info"),
    format: oneOf(LOG_FORMATS).default("pretty"),
    file_logging: table({
      enabled: bool().default(false),
      file_path: str(1, 4096).default("./logs/gridtokenx.log"),
    }),
  }),
  api: table({
    host: str(1, 255).default("127.0.0.1"),
    port: int(0, 65535).default(8080),
    max_body_bytes: int(KIB, 64 * MIB).default(MIB),
    request_timeout_ms: int(100, 600_000).default(10_000),
    operator_token_env: envName().default("GRIDTOKENX_OPERATOR_TOKEN"),
    cors_origins: list(
      str(1, 255, ORIGIN, 'an origin like "https://example.org" or "*"'),
      "origins",
    ).default([]),
    rate_limit_per_second: int(1, 1_000_000).default(200),
    rate_limit_burst: int(1, 1_000_000).default(400),
    console_public: bool().default(true),
  }),
  p2p: table({
    enabled: bool().default(true),
    listen_address: str(1, 255).default("127.0.0.1"),
    port: int(0, 65535).default(9000),
    bootstrap_peers: list(str(2, 1024, /^\/\S+$/, "a multiaddr starting with '/'"), "multiaddrs")
      .default([]),
    max_message_bytes: int(KIB, 64 * MIB).default(MIB),
    ban_seconds: int(0, 30 * 24 * 3600).default(600),
  }),
  storage: table({
    kv_path: str(1, 4096).default("chain.kv"),
    verify_on_start: bool().default(true),
  }),
  consensus: table({
    block_time_ms: int(100, 3_600_000).default(2000),
    max_block_transactions: int(1, 1_000_000).default(20_000),
    mempool_max_transactions: int(1, 10_000_000).default(100_000),
    min_tx_fee_satang: int(0).default(1),
    unbonding_blocks: int(0).default(100),
    max_future_drift_ms: int(0, 3_600_000).default(5000),
    min_validator_stake_satang: int(1).default(1_000_000_000),
    authority_voting_power_bps: int(0, 5000).default(2500),
    slash_fraction_bps: int(0, 10_000).default(500),
    pow_target_fraction_bps: int(1, 10_000).default(500),
    pow_initial_difficulty_bits: int(1, 48).default(12),
    keystore_passphrase_env: envName().default("GRIDTOKENX_PASSPHRASE"),
  }),
  governance: table({
    voting_period_blocks: int(1, 10_000_000).default(100),
    quorum_bps: int(0, 10_000).default(3340),
    threshold_bps: int(1, 10_000).default(5000),
    veto_bps: int(1, 10_000).default(3340),
    min_deposit_satang: int(0).default(100_000),
    execution_delay_blocks: int(0, 1_000_000).default(1),
    emergency_signatures_required: int(1, 10).default(1),
  }),
  genesis: table({
    timestamp_ms: int(0).default(1_767_225_600_000),
    dev_validator_stake_satang: int(1).default(100_000_000_000),
    dev_validator_balance_satang: int(0).default(100_000_000_000),
    carbon_credits: table({
      solar: carbonRate(0.5),
      wind: carbonRate(0.6),
      hydro: carbonRate(0.4),
      biomass: carbonRate(0.3),
      geothermal: carbonRate(0.7),
    }),
    accounts: list(genesisAccount, "[[genesis.accounts]] tables").default([]),
    validators: list(genesisValidator, "[[genesis.validators]] tables").default([]),
    authorities: list(genesisAuthority, "[[genesis.authorities]] tables").default([]),
  }),
});

/** What the schema yields; kept assignable to {@link NodeConfig} by the check below. */
export type ParsedConfig = z.output<typeof configSchema>;

// Compile-time guard: the schema and the documented NodeConfig type cannot drift.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _schemaMatchesNodeConfig: Same<ParsedConfig, Omit<NodeConfig, "source_path">> = true;

/**
 * Keys the schema accepts under the table at `path` (dotted segments, array
 * indices as numbers), for "did you mean" hints. Empty when unknown.
 */
export function getKnownKeys(path: readonly PropertyKey[]): string[] {
  let node: unknown = configSchema;
  const unwrap = (s: unknown): unknown => {
    let cur = s as { _zod?: { def?: Record<string, unknown> } };
    for (let i = 0; i < 8; i++) {
      const def = cur?._zod?.def;
      if (!def) return cur;
      if (def.innerType) cur = def.innerType as typeof cur;
      else if (def.type === "pipe" && def.in) cur = def.in as typeof cur;
      else return cur;
    }
    return cur;
  };
  for (const seg of path) {
    const def = (unwrap(node) as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
    if (!def) return [];
    if (def.type === "array" && typeof seg === "number") node = def.element;
    else if (def.type === "object" && typeof seg === "string") {
      node = (def.shape as Record<string, unknown>)[seg];
    } else return [];
  }
  const def = (unwrap(node) as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
  return def?.type === "object" ? Object.keys(def.shape as Record<string, unknown>) : [];
}
