/**
 * `init`: prepares a data directory — keys and the genesis block — from the
 * config. Idempotent: a data directory that already holds a chain is left
 * as it is.
 */
import { computeBlockHash } from "../chain/block.ts";
import { computeGenesis, type GenesisSpec } from "../chain/genesis.ts";
import { chainParamsFromConfig } from "../config/chain_params.ts";
import type { NodeConfig } from "../config/node_config.ts";
import type { Logger } from "../log/logger.ts";
import { ChainStore } from "../storage/chain_store.ts";
import {
  authorityKeystorePath,
  createKeystore,
  getPassphrase,
  loadWallet,
  validatorKeystorePath,
} from "./keys.ts";
import { pathExists } from "./path_exists.ts";
import type { Wallet } from "./wallet.ts";
import { DEFAULT_GRID_TOPOLOGY, validateTopology } from "../market/location.ts";

/** Where a dev chain registers its validator as a participant. */
export const DEV_PARTICIPANT_LOCATION = "BKK-01-SUB001";
/**
 * Solar energy the dev validator holds at genesis (1,000 kWh), so that the
 * product description's example sell order works on a fresh dev chain.
 */
export const DEV_METERED_SOLAR_WH = 1_000_000;
/** Fee money of a dev authority whose key init generated (10,000 THB). */
export const DEV_AUTHORITY_BALANCE_SATANG = 1_000_000;

export interface InitResult {
  created: boolean;
  validator: Wallet;
  genesisHash: string;
}

/** Loads the validator key, generating it (and the dev passphrase) on first use. */
export async function ensureValidatorKey(cfg: NodeConfig, log: Logger): Promise<Wallet> {
  const dataDir = cfg.node.data_dir;
  const { passphrase, source } = await getPassphrase(
    dataDir,
    cfg.consensus.keystore_passphrase_env,
    {
      create: true,
    },
  );
  if (source === "dev-file") {
    log.warn("keys.dev_passphrase", {
      file: `${dataDir}/keys/passphrase`,
      hint: `set ${cfg.consensus.keystore_passphrase_env} for production`,
    });
  }
  const path = validatorKeystorePath(dataDir);
  if (await pathExists(path)) return await loadWallet(path, passphrase);
  const wallet = await createKeystore(path, passphrase);
  log.info("keys.generated", { keystore: path, address: wallet.address });
  return wallet;
}

/** Builds the genesis spec from the config; generates dev keys where the config names none. */
export async function computeGenesisSpec(
  cfg: NodeConfig,
  validator: Wallet,
  log: Logger,
): Promise<GenesisSpec> {
  const g = cfg.genesis;
  const dataDir = cfg.node.data_dir;
  const accounts = g.accounts.map((a) => ({
    address: a.address,
    balanceSatang: a.balance_satang,
    energyWh: a.energy_wh,
  }));
  let validators = g.validators.map((v) => ({
    publicKey: v.public_key.toLowerCase(),
    stakeSatang: v.stake_satang,
  }));
  if (validators.length === 0) {
    validators = [{ publicKey: validator.publicKeyHex, stakeSatang: g.dev_validator_stake_satang }];
    accounts.push({
      address: validator.address,
      balanceSatang: g.dev_validator_balance_satang,
      energyWh: 0,
    });
  }
  const authorities = [];
  for (const a of g.authorities) {
    let publicKey = a.public_key?.toLowerCase();
    if (publicKey === undefined) {
      const { passphrase } = await getPassphrase(dataDir, cfg.consensus.keystore_passphrase_env, {
        create: true,
      });
      const path = authorityKeystorePath(dataDir, a.name);
      const wallet = (await pathExists(path))
        ? await loadWallet(path, passphrase)
        : await createKeystore(path, passphrase);
      log.info("keys.authority", { authority: a.name, keystore: path, address: wallet.address });
      publicKey = wallet.publicKeyHex;
      // A dev authority needs a balance to pay transaction fees.
      accounts.push({
        address: wallet.address,
        balanceSatang: DEV_AUTHORITY_BALANCE_SATANG,
        energyWh: 0,
      });
    }
    authorities.push({ name: a.name, publicKey, serviceArea: a.service_area });
  }
  // The dev validator trades with the node's own wallet (POST /energy/orders
  // with the operator token), so it is registered as a Bangkok prosumer.
  const participants = g.validators.length === 0
    ? [{ address: validator.address, location: DEV_PARTICIPANT_LOCATION, registeredBy: "MEA" }]
    : [];
  const meteredEnergy = g.validators.length === 0
    ? [{ address: validator.address, source: "solar", wh: DEV_METERED_SOLAR_WH }]
    : [];
  validateTopology(DEFAULT_GRID_TOPOLOGY);
  return {
    gridTopology: DEFAULT_GRID_TOPOLOGY,
    participants,
    meteredEnergy,
    networkId: cfg.network.network_id,
    networkName: cfg.network.network_name,
    timestampMs: g.timestamp_ms,
    params: chainParamsFromConfig(cfg),
    accounts,
    validators,
    authorities,
  };
}

/** Initialises the data directory if it holds no chain yet. */
export async function initChain(cfg: NodeConfig, log: Logger): Promise<InitResult> {
  await Deno.mkdir(cfg.node.data_dir, { recursive: true });
  const validator = await ensureValidatorKey(cfg, log);
  const store = await ChainStore.open(cfg.storage.kv_path);
  try {
    const head = await store.getHead();
    if (head !== null) {
      const genesis = await store.getBlockRecord(0);
      return { created: false, validator, genesisHash: genesis?.hash ?? "" };
    }
    const spec = await computeGenesisSpec(cfg, validator, log);
    const { header, changes } = computeGenesis(spec);
    const hash = computeBlockHash(header);
    await store.initGenesis(spec, header, hash, changes);
    log.info("chain.initialised", {
      network_id: spec.networkId,
      genesis_hash: hash,
      kv: cfg.storage.kv_path,
    });
    return { created: true, validator, genesisHash: hash };
  } finally {
    store.close();
  }
}
