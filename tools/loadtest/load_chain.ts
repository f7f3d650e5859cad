/**
 * Writes a load-test genesis straight into a node's data directory before the
 * node starts (the node's own `init` then finds the chain and leaves it):
 * the genesis of the node's config plus accounts, registered participants and
 * metered energy given here as data. That avoids a TOML file with one table
 * per account (slow to parse for 100,000+ accounts) and lets prosumers hold
 * metered energy at genesis, which the config cannot express.
 */
import { computeBlockHash } from "../../node/chain/block.ts";
import { computeGenesis, type GenesisSpec } from "../../node/chain/genesis.ts";
import { parseConfig } from "../../node/config/parse_config.ts";
import { createLogger } from "../../node/log/logger.ts";
import { computeGenesisSpec, ensureValidatorKey } from "../../node/runtime/init_chain.ts";
import { ChainStore } from "../../node/storage/chain_store.ts";

/** What a load test adds to the config's genesis. */
export interface GenesisExtras {
  accounts: GenesisSpec["accounts"];
  participants?: NonNullable<GenesisSpec["participants"]>;
  meteredEnergy?: NonNullable<GenesisSpec["meteredEnergy"]>;
}

/**
 * Initialises the chain of the config at `configPath` with `extras` added to
 * its genesis. The keystore passphrase must be in the config's passphrase env
 * var (the load tool sets GRIDTOKENX_PASSPHRASE). Returns the genesis hash.
 * @throws StorageError ALREADY_INITIALISED when the data dir holds a chain
 */
export async function initLoadChain(configPath: string, extras: GenesisExtras): Promise<string> {
  const cfg = parseConfig(await Deno.readTextFile(configPath), configPath);
  const log = createLogger({ level: "error", format: "json", console: false });
  await Deno.mkdir(cfg.node.data_dir, { recursive: true });
  const validator = await ensureValidatorKey(cfg, log);
  const spec = await computeGenesisSpec(cfg, validator, log);
  const full: GenesisSpec = {
    ...spec,
    accounts: [...spec.accounts, ...extras.accounts],
    participants: [...(spec.participants ?? []), ...(extras.participants ?? [])],
    meteredEnergy: [...(spec.meteredEnergy ?? []), ...(extras.meteredEnergy ?? [])],
  };
  const { header, changes } = computeGenesis(full);
  const hash = computeBlockHash(header);
  const store = await ChainStore.open(cfg.storage.kv_path);
  try {
    await store.initGenesis(full, header, hash, changes);
  } finally {
    store.close();
  }
  return hash;
}
