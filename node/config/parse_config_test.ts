import assert from "node:assert/strict";
import { ConfigError } from "./config_error.ts";
import { parseConfig } from "./parse_config.ts";

const SRC = "/etc/gtx/config.toml";

function errorOf(toml: string): ConfigError {
  try {
    parseConfig(toml, SRC);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${err}`);
    assert.equal(err.code, "BAD_CONFIG");
    return err;
  }
  assert.fail(`expected an error for:\n${toml}`);
}

Deno.test("parseConfig: empty file gives every default", () => {
  const cfg = parseConfig("", SRC);
  assert.equal(cfg.source_path, SRC);
  assert.deepEqual(cfg.node, {
    node_id: "gridtokenx-node-001",
    node_type: "validator",
    data_dir: "/etc/gtx/data",
  });
  assert.deepEqual(cfg.network, {
    network_name: "gridtokenx-devnet",
    network_id: 1001,
    max_peers: 50,
  });
  assert.deepEqual(cfg.energy, {
    energy_token_ratio: 1,
    min_trade_amount: 0.1,
    max_trade_amount: 10000,
  });
  assert.deepEqual(cfg.thai_market.peak_hours, {
    start_hour: 18,
    end_hour: 22,
    pricing_multiplier: 1.5,
  });
  assert.deepEqual(cfg.logging, {
    level: "info",
    format: "pretty",
    file_logging: { enabled: false, file_path: "/etc/gtx/logs/gridtokenx.log" },
  });
  assert.deepEqual(cfg.api, {
    host: "127.0.0.1",
    port: 8080,
    max_body_bytes: 1048576,
    request_timeout_ms: 10000,
    operator_token_env: "GRIDTOKENX_OPERATOR_TOKEN",
    cors_origins: [],
    rate_limit_per_second: 200,
    rate_limit_burst: 400,
    console_public: true,
  });
  assert.deepEqual(cfg.p2p, {
    enabled: true,
    listen_address: "127.0.0.1",
    port: 9000,
    bootstrap_peers: [],
    max_message_bytes: 1048576,
    ban_seconds: 600,
  });
  assert.deepEqual(cfg.storage, { kv_path: "/etc/gtx/data/chain.kv", verify_on_start: true });
  assert.deepEqual(cfg.consensus, {
    block_time_ms: 2000,
    max_block_transactions: 20_000,
    mempool_max_transactions: 100000,
    min_tx_fee_satang: 1,
    unbonding_blocks: 100,
    max_future_drift_ms: 5000,
    min_validator_stake_satang: 1000000000,
    authority_voting_power_bps: 2500,
    slash_fraction_bps: 500,
    pow_target_fraction_bps: 500,
    pow_initial_difficulty_bits: 12,
    keystore_passphrase_env: "GRIDTOKENX_PASSPHRASE",
  });
  assert.deepEqual(cfg.genesis, {
    timestamp_ms: 1767225600000,
    dev_validator_stake_satang: 100000000000,
    dev_validator_balance_satang: 100000000000,
    carbon_credits: { solar: 0.5, wind: 0.6, hydro: 0.4, biomass: 0.3, geothermal: 0.7 },
    accounts: [],
    validators: [],
    authorities: [],
  });
});

Deno.test("parseConfig: a partial table keeps the other defaults", () => {
  const cfg = parseConfig("[api]\nport = 9090\n[thai_market.peak_hours]\nstart_hour = 17\n", SRC);
  assert.equal(cfg.api.port, 9090);
  assert.equal(cfg.api.host, "127.0.0.1");
  assert.equal(cfg.thai_market.peak_hours.start_hour, 17);
  assert.equal(cfg.thai_market.peak_hours.end_hour, 22);
});

Deno.test("parseConfig: unknown keys are errors named by dotted path", () => {
  const e1 = errorOf('[node]\nnod_type = "validator"\n');
  assert.equal(e1.key, "node.nod_type");
  assert.match(
    e1.message,
    /^Invalid config \/etc\/gtx\/config\.toml: unknown key "node\.nod_type"/,
  );
  assert.match(e1.message, /did you mean "node_type"/);

  assert.equal(errorOf("[nodes]\nx = 1\n").key, "nodes");
  assert.equal(
    errorOf("[thai_market.peak_hours]\nmultiplier = 2\n").key,
    "thai_market.peak_hours.multiplier",
  );
  const e2 = errorOf('[[genesis.authorities]]\nname = "MEA"\nservice_area = ["BKK"]\narea = 1\n');
  assert.equal(e2.key, "genesis.authorities[0].area");
});

Deno.test("parseConfig: wrong types name the key and the value", () => {
  const e1 = errorOf('[api]\nport = "8080"\n');
  assert.equal(e1.key, "api.port");
  assert.match(e1.message, /"api\.port" must be an integer in 0\.\.65535, got "8080"/);

  const e2 = errorOf("[p2p]\nenabled = 1\n");
  assert.match(e2.message, /"p2p\.enabled" must be true or false, got 1/);

  const e3 = errorOf("node = 5\n");
  assert.match(e3.message, /"node" must be a table, got 5/);

  const e4 = errorOf("[genesis]\ntimestamp_ms = 2026-01-01T00:00:00Z\n");
  assert.equal(e4.key, "genesis.timestamp_ms");

  const e5 = errorOf('[logging]\nlevel = "verbose"\n');
  assert.match(e5.message, /"logging\.level" must be one of "trace", .*got "verbose"/);

  const e6 = errorOf("[api]\nport = 80.5\n");
  assert.match(e6.message, /"api\.port" .* got 80\.5/);
});

Deno.test("parseConfig: out-of-range values name the key and the value", () => {
  const e1 = errorOf("[energy]\nmax_trade_amount = -5\n");
  assert.equal(e1.key, "energy.max_trade_amount");
  assert.match(
    e1.message,
    /^Invalid config \/etc\/gtx\/config\.toml: "energy\.max_trade_amount" must be a number > 0.*, got -5$/,
  );
  const cases: [string, string, string][] = [
    ["[network]\nmax_peers = 0", "network.max_peers", "0"],
    ["[network]\nnetwork_id = 4294967296", "network.network_id", "4294967296"],
    ["[api]\nport = 70000", "api.port", "70000"],
    ["[api]\nmax_body_bytes = 100", "api.max_body_bytes", "100"],
    ["[consensus]\nblock_time_ms = 50", "consensus.block_time_ms", "50"],
    ["[thai_market.peak_hours]\nstart_hour = 24", "thai_market.peak_hours.start_hour", "24"],
    [
      "[thai_market.peak_hours]\npricing_multiplier = 0.5",
      "thai_market.peak_hours.pricing_multiplier",
      "0.5",
    ],
    [
      "[thai_market.peak_hours]\npricing_multiplier = 1.23456",
      "thai_market.peak_hours.pricing_multiplier",
      "1.23456",
    ],
    ["[energy]\nmin_trade_amount = 0.0001", "energy.min_trade_amount", "0.0001"],
    ["[genesis.carbon_credits]\nsolar = -0.1", "genesis.carbon_credits.solar", "-0.1"],
    ['[node]\nnode_id = "has space"', "node.node_id", '"has space"'],
    ['[api]\noperator_token_env = "not-a-name"', "api.operator_token_env", '"not-a-name"'],
    ['[api]\ncors_origins = ["example.org"]', "api.cors_origins[0]", '"example.org"'],
    ['[p2p]\nbootstrap_peers = ["localhost:9000"]', "p2p.bootstrap_peers[0]", '"localhost:9000"'],
  ];
  for (const [toml, key, value] of cases) {
    const err = errorOf(toml);
    assert.equal(err.key, key, toml);
    assert.ok(err.message.includes(`"${key}"`), err.message);
    assert.ok(err.message.endsWith(`got ${value}`), err.message);
  }
});

Deno.test("parseConfig: energy_token_ratio other than 1.0 is explained", () => {
  const err = errorOf("[energy]\nenergy_token_ratio = 2.0\n");
  assert.equal(err.key, "energy.energy_token_ratio");
  assert.match(err.message, /must be exactly 1\.0.*1 kWh = 1 token.*got 2$/);
  assert.equal(parseConfig("[energy]\nenergy_token_ratio = 1\n", SRC).energy.energy_token_ratio, 1);
});

Deno.test("parseConfig: cross-key rules", () => {
  const e1 = errorOf("[energy]\nmin_trade_amount = 5.0\nmax_trade_amount = 1.0\n");
  assert.equal(e1.key, "energy.max_trade_amount");
  assert.match(e1.message, /must be >= "energy\.min_trade_amount" \(5\), got 1$/);
  const e2 = errorOf("[thai_market.peak_hours]\nstart_hour = 20\nend_hour = 20\n");
  assert.equal(e2.key, "thai_market.peak_hours.end_hour");
  const e3 = errorOf("[api]\nrate_limit_per_second = 500\nrate_limit_burst = 100\n");
  assert.equal(e3.key, "api.rate_limit_burst");
});

Deno.test("parseConfig: several problems are all reported, first one in key", () => {
  const err = errorOf("[network]\nmax_peers = 0\n[api]\nport = -1\nbogus = true\n");
  assert.equal(err.key, "network.max_peers");
  const keys = err.issues.map((i) => i.key).sort();
  assert.deepEqual(keys, ["api.bogus", "api.port", "network.max_peers"]);
  for (const issue of err.issues) assert.ok(err.message.includes(issue.message));
});

Deno.test("parseConfig: genesis accounts, validators and authorities", () => {
  const addr = "gtx1" + "q".repeat(38);
  const key = "ab".repeat(32);
  const cfg = parseConfig(
    `
[[genesis.accounts]]
address = "${addr}"
balance_satang = 500
energy_wh = 1000

[[genesis.validators]]
public_key = "${key}"
stake_satang = 10

[[genesis.authorities]]
name = "MEA"
service_area = ["BKK"]

[[genesis.authorities]]
name = "EGAT"
public_key = "${key}"
service_area = ["*"]
`,
    SRC,
  );
  assert.deepEqual(cfg.genesis.accounts, [{ address: addr, balance_satang: 500, energy_wh: 1000 }]);
  assert.deepEqual(cfg.genesis.validators, [{ public_key: key, stake_satang: 10 }]);
  assert.deepEqual(cfg.genesis.authorities, [
    { name: "MEA", service_area: ["BKK"] },
    { name: "EGAT", public_key: key, service_area: ["*"] },
  ]);

  const badAddr = errorOf(
    '[[genesis.accounts]]\naddress = "gtx1bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"\n',
  );
  assert.equal(badAddr.key, "genesis.accounts[0].address"); // 'b' is not in the bech32 alphabet
  const noStake = errorOf(`[[genesis.validators]]\npublic_key = "${key}"\n`);
  assert.equal(noStake.key, "genesis.validators[0].stake_satang");
  assert.match(noStake.message, /"genesis\.validators\[0\]\.stake_satang" is required/);
  const zeroStake = errorOf(`[[genesis.validators]]\npublic_key = "${key}"\nstake_satang = 0\n`);
  assert.equal(zeroStake.key, "genesis.validators[0].stake_satang");
  const shortKey = errorOf('[[genesis.validators]]\npublic_key = "abcd"\nstake_satang = 1\n');
  assert.equal(shortKey.key, "genesis.validators[0].public_key");
  const lower = errorOf('[[genesis.authorities]]\nname = "mea"\nservice_area = ["BKK"]\n');
  assert.equal(lower.key, "genesis.authorities[0].name");
  const dup = errorOf(
    '[[genesis.authorities]]\nname = "MEA"\nservice_area = ["BKK"]\n' +
      '[[genesis.authorities]]\nname = "MEA"\nservice_area = ["NBI"]\n',
  );
  assert.equal(dup.key, "genesis.authorities[1].name");
});

Deno.test("parseConfig: TOML syntax errors give line and column", () => {
  const err = errorOf("[api]\nport = = 3\n");
  assert.equal(err.key, undefined);
  assert.match(
    err.message,
    /^Invalid config \/etc\/gtx\/config\.toml: TOML syntax error at line 2/,
  );
  assert.match(errorOf("a = 9007199254740993\n").message, /TOML syntax error/);
});

Deno.test("parseConfig: relative paths resolve against the config file's directory", () => {
  const toml =
    '[node]\ndata_dir = "../var/gtx"\n[logging.file_logging]\nfile_path = "log/x.log"\n' +
    '[storage]\nkv_path = "db/chain.kv"\n';
  const cfg = parseConfig(toml, "/etc/gtx/config.toml");
  assert.equal(cfg.node.data_dir, "/etc/var/gtx");
  assert.equal(cfg.logging.file_logging.file_path, "/etc/gtx/log/x.log");
  assert.equal(cfg.storage.kv_path, "/etc/var/gtx/db/chain.kv");

  const abs = parseConfig('[node]\ndata_dir = "/srv/gtx"\n[storage]\nkv_path = "/mnt/kv"\n', SRC);
  assert.equal(abs.node.data_dir, "/srv/gtx");
  assert.equal(abs.storage.kv_path, "/mnt/kv");

  const rel = parseConfig("", "conf/config.toml");
  assert.equal(rel.node.data_dir, "conf/data");
  assert.equal(parseConfig("", "config.toml").node.data_dir, "data");
});
