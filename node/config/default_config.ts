/**
 * The embedded default configuration: the text of /config.toml, so that a node
 * started without a config file runs with the documented dev values.
 * `default_config_test.ts` fails if the two differ; after editing config.toml,
 * paste its text here unchanged.
 */
export const DEFAULT_CONFIG_TOML = `# GridTokenX node configuration: development defaults.
#
# This file is also embedded in the node (node/config/default_config.ts), so a
# node started without any config file runs with exactly these values.
# Every key is optional: an omitted key takes the value shown here. An unknown
# key is an error. Relative paths are resolved against this file's directory.

[node]
node_id = "gridtokenx-node-001"   # 1..64 chars of A-Z a-z 0-9 . _ -
node_type = "validator"           # validator, trader, observer, grid_operator, authority
data_dir = "./data"               # chain database, keystore; CLI: --data-dir

[network]
network_name = "gridtokenx-devnet"
network_id = 1001                 # 1..4294967295; nodes of different networks do not talk
max_peers = 50                    # 1..1000

[energy]
energy_token_ratio = 1.0          # 1 kWh = 1 Token (fixed by the protocol; any other value is an error)
min_trade_amount = 0.1            # kWh; smallest order, a whole number of Wh (at most 3 decimals)
max_trade_amount = 10000.0        # kWh; largest order, >= min_trade_amount

[thai_market]
[thai_market.peak_hours]
start_hour = 18                   # 6 PM, Asia/Bangkok (UTC+7), 0..23
end_hour = 22                     # 10 PM, first hour after the peak, 1..24
pricing_multiplier = 1.5          # grid fee multiplier during peak hours, 1.0..10.0, at most 4 decimals

[logging]
level = "info"                    # trace, debug, info, warn, error
format = "pretty"                 # json or pretty

[logging.file_logging]
enabled = false
file_path = "./logs/gridtokenx.log"

[api]
host = "127.0.0.1"                # REST API and console; CLI: --api-host
port = 8080                       # 0 = pick a free port; CLI: --api-port
max_body_bytes = 1048576          # 1 KiB .. 64 MiB
request_timeout_ms = 10000
operator_token_env = "GRIDTOKENX_OPERATOR_TOKEN"  # NAME of the env var holding the operator token, never the token
cors_origins = []                 # e.g. ["https://console.example.org"]; empty = CORS off
rate_limit_per_second = 200       # per-IP token bucket refill
rate_limit_burst = 400            # per-IP bucket size, >= rate_limit_per_second
console_public = true             # console reading pages public (true) or behind login (false)

[p2p]
enabled = true
listen_address = "127.0.0.1"
port = 9000                       # 0 = pick a free port; CLI: --p2p-port
bootstrap_peers = []              # multiaddrs, e.g. ["/ip4/127.0.0.1/tcp/9001/p2p/12D3KooW..."]
max_message_bytes = 1048576       # 1 KiB .. 64 MiB
ban_seconds = 600                 # how long a misbehaving peer stays banned

[storage]
kv_path = "chain.kv"              # Deno KV file, relative to node.data_dir
verify_on_start = true            # re-check the stored chain's hashes when the node starts

[consensus]
block_time_ms = 2000              # >= 100; dev default 2000, production 10000
max_block_transactions = 20000
mempool_max_transactions = 100000
min_tx_fee_satang = 1             # 100 satang = 1 THB
unbonding_blocks = 100            # blocks an unstake waits before the stake is returned
max_future_drift_ms = 5000        # how far a block's timestamp may run ahead of our clock
min_validator_stake_satang = 1000000000  # stake needed to join the validator set (10,000,000 THB)
authority_voting_power_bps = 2500 # authorities together vote with 25% of total stake (<= 5000)
slash_fraction_bps = 500          # double signing burns 5% of the offender's bonded stake
pow_target_fraction_bps = 500     # proof-of-work target: 5% of the block time (seal times have a long tail)
pow_initial_difficulty_bits = 12  # difficulty of the first sealed block, leading zero bits
keystore_passphrase_env = "GRIDTOKENX_PASSPHRASE"  # NAME of the env var holding the keystore passphrase

[governance]                      # written into genesis; later changed only by governance proposals
voting_period_blocks = 100        # blocks a proposal is open for votes (dev: 100 x 2 s)
quorum_bps = 3340                 # share of all bonded stake that must vote, basis points (33.4%)
threshold_bps = 5000              # yes must exceed this share of yes + no, basis points
veto_bps = 3340                   # veto above this share of all votes rejects and burns the deposit
min_deposit_satang = 100000       # smallest proposal deposit (1,000 THB)
execution_delay_blocks = 1        # blocks from the end of voting to the execution of a passed proposal
emergency_signatures_required = 1 # distinct authorities that must sign a grid emergency declaration or lift

# Genesis is fixed when the chain is created (init); changing it later makes a
# different chain.
[genesis]
timestamp_ms = 1767225600000      # 2026-01-01T00:00:00Z, integer ms
# With no [[genesis.validators]], the node's own key becomes the sole validator
# with this stake and balance (100,000,000,000 satang = 1,000,000,000 THB).
dev_validator_stake_satang = 100000000000
dev_validator_balance_satang = 100000000000

[genesis.carbon_credits]          # credits per kWh sold, by source, >= 0, at most 3 decimals
solar = 0.5
wind = 0.6
hydro = 0.4
biomass = 0.3
geothermal = 0.7

# Pre-funded accounts (repeatable), e.g.
# [[genesis.accounts]]
# address = "gtx1..."             # bech32
# balance_satang = 1000000
# energy_wh = 0

# Validators (repeatable), e.g.
# [[genesis.validators]]
# public_key = "<64 hex chars>"
# stake_satang = 100000000000

# Thai energy authorities. public_key omitted: init generates a dev key for each.
# service_area: province codes; "*" = the whole country.
#   MEA (Metropolitan Electricity Authority): Bangkok (BKK), Nonthaburi (NBI), Samut Prakan (SPK).
#   PEA (Provincial Electricity Authority): the other 74 provinces; this dev genesis
#     lists one sample per region: Chiang Mai (CNX, north), Khon Kaen (KKN, northeast),
#     Nakhon Ratchasima (NMA, northeast), Phuket (PKT, south).
#   EGAT (Electricity Generating Authority of Thailand): generation and transmission, nationwide.
#   ERC (Energy Regulatory Commission): the regulator, nationwide.
[[genesis.authorities]]
name = "EGAT"
service_area = ["*"]

[[genesis.authorities]]
name = "MEA"
service_area = ["BKK", "NBI", "SPK"]

[[genesis.authorities]]
name = "PEA"
service_area = ["CNX", "KKN", "NMA", "PKT"]

[[genesis.authorities]]
name = "ERC"
service_area = ["*"]
`;
