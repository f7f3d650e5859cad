/**
 * Multi-node test networks: fixed validator keys (keystores written into each
 * data dir) and fixed authority keys, so every node computes the same
 * genesis; p2p on 127.0.0.1 with port 0; nodes in this process
 * (`startNetworkNode`) or as child processes (`writeNetworkConfig` +
 * `spawnNodeProcess`).
 */
import { parseConfig } from "../../node/config/parse_config.ts";
import { encryptSecretKey } from "../../node/crypto/keystore.ts";
import { writeKeystoreFile } from "../../node/crypto/keystore_file.ts";
import { sha256 } from "../../node/crypto/sha256.ts";
import { createLogger } from "../../node/log/logger.ts";
import { validatorKeystorePath } from "../../node/runtime/keys.ts";
import { type RunningNode, startNode } from "../../node/runtime/start_node.ts";
import { type Wallet, walletFromSecretKey } from "../../node/runtime/wallet.ts";
import { TEST_PASSPHRASE, testWallet } from "./test_node.ts";

/** Stake of each test validator (100,000,000 THB). */
export const NETWORK_STAKE_SATANG = 10_000_000_000;

/** Secret key of test validator `i`, the same in every run. */
export function validatorSecret(i: number): Uint8Array {
  return sha256(new TextEncoder().encode(`gridtokenx network test validator ${i}`));
}

export function validatorWallet(i: number): Wallet {
  return walletFromSecretKey(validatorSecret(i));
}

const AUTHORITIES = [
  ["EGAT", '["*"]'],
  ["MEA", '["BKK", "NBI", "SPK"]'],
  ["PEA", '["CNX", "KKN", "NMA", "PKT"]'],
  ["ERC", '["*"]'],
] as const;

export interface NetworkConfigOptions {
  dataDir: string;
  /** Validators in genesis (keys 0..validators-1). */
  validators: number;
  /** Key of this node: a validator index, or a label for a non-validator key. */
  key: number | string;
  bootstrapPeers?: string[];
  blockTimeMs?: number;
  nodeType?: string;
  /** Funded at genesis. */
  accounts?: { address: string; balanceSatang: number }[];
  nodeId?: string;
  /** `[consensus] authority_voting_power_bps`; default 0 (no authority nodes run). */
  authorityVotingPowerBps?: number;
}

/** Key label of an authority node: `key: authorityKey("MEA")` runs with that genesis authority's key. */
export function authorityKey(name: "EGAT" | "MEA" | "PEA" | "ERC"): string {
  return `authority ${name}`;
}

/** Config TOML of a network node (authorities have no voting power: see docs/consensus.md). */
export function networkConfigToml(o: NetworkConfigOptions): string {
  const validators = Array.from(
    { length: o.validators },
    (_, i) =>
      `[[genesis.validators]]\npublic_key = "${
        validatorWallet(i).publicKeyHex
      }"\nstake_satang = ${NETWORK_STAKE_SATANG}\n`,
  ).join("\n");
  const funded = [
    ...Array.from({ length: o.validators }, (_, i) => ({
      address: validatorWallet(i).address,
      balanceSatang: 1_000_000_000,
    })),
    ...(o.accounts ?? []),
  ];
  const accounts = funded.map((a) =>
    `[[genesis.accounts]]\naddress = "${a.address}"\nbalance_satang = ${a.balanceSatang}\nenergy_wh = 0\n`
  ).join("\n");
  const authorities = AUTHORITIES.map(([name, area]) =>
    `[[genesis.authorities]]\nname = "${name}"\npublic_key = "${
      testWallet(`authority ${name}`).publicKeyHex
    }"\nservice_area = ${area}\n`
  ).join("\n");
  return `
[node]
node_id = "${o.nodeId ?? `net-${String(o.key).replace(/[^A-Za-z0-9._-]/g, "-")}`}"
node_type = "${o.nodeType ?? "validator"}"
data_dir = ${JSON.stringify(o.dataDir)}
[logging]
level = "info"
format = "json"
[api]
port = 0
[p2p]
enabled = true
listen_address = "127.0.0.1"
port = 0
bootstrap_peers = ${JSON.stringify(o.bootstrapPeers ?? [])}
ban_seconds = 600
[storage]
verify_on_start = false
[consensus]
block_time_ms = ${o.blockTimeMs ?? 400}
authority_voting_power_bps = ${o.authorityVotingPowerBps ?? 0}
[genesis]
timestamp_ms = 1767225600000
${accounts}
${validators}
${authorities}
`;
}

/** Writes the node's key into `<dataDir>/keys/validator.json` (validator index or label). */
export async function writeNodeKey(dataDir: string, key: number | string): Promise<void> {
  const path = validatorKeystorePath(dataDir);
  try {
    await Deno.stat(path);
    return;
  } catch { /* not yet */ }
  const secret = typeof key === "number" ? validatorSecret(key) : key.startsWith("authority ") // the genesis authority keys: testWallet(`authority ${name}`)
    ? sha256(new TextEncoder().encode(`gridtokenx test wallet ${key}`))
    : sha256(new TextEncoder().encode(`gridtokenx network test node ${key}`));
  await Deno.mkdir(`${dataDir}/keys`, { recursive: true, mode: 0o700 });
  await writeKeystoreFile(path, await encryptSecretKey(secret, TEST_PASSPHRASE));
}

/** Writes key and config for a child-process node; returns the config path. */
export async function writeNetworkConfig(o: NetworkConfigOptions): Promise<string> {
  await writeNodeKey(o.dataDir, o.key);
  const path = `${o.dataDir}/config.toml`;
  await Deno.writeTextFile(path, networkConfigToml(o));
  return path;
}

export interface NetworkNode {
  running: RunningNode;
  baseUrl: string;
  dataDir: string;
  /** p2p multiaddrs with /p2p/<peerId>. */
  addresses: string[];
  stop(): Promise<void>;
}

/** Starts a network node in this process (the data dir is kept; the caller removes it). */
export async function startNetworkNode(
  o: Omit<NetworkConfigOptions, "dataDir"> & { dataDir?: string },
): Promise<NetworkNode> {
  const dataDir = o.dataDir ?? await Deno.makeTempDir({ prefix: "gtx-net-" });
  Deno.env.set("GRIDTOKENX_PASSPHRASE", TEST_PASSPHRASE);
  await writeNodeKey(dataDir, o.key);
  const cfg = parseConfig(networkConfigToml({ ...o, dataDir }), `${dataDir}/config.toml`);
  const debug = Deno.env.get("GTX_TEST_LOG");
  const log = createLogger({
    level: debug ? "info" : "warn",
    format: "json",
    console: debug ? (l) => console.log(`[${o.key}] ${l}`) : false,
  });
  const running = await startNode(cfg, log, { handleSignals: false });
  let stopped = false;
  return {
    running,
    baseUrl: `http://127.0.0.1:${running.http.port}`,
    dataDir,
    addresses: running.node.driver?.network?.multiaddrs() ?? [],
    async stop() {
      if (stopped) return;
      stopped = true;
      await running.stop();
    },
  };
}

/** Block hash at `height` on a node (null above its head). */
export async function getBlockHash(n: NetworkNode, height: number): Promise<string | null> {
  const rec = await n.running.node.store.getBlockRecord(height);
  return height <= n.running.node.head.header.height ? rec?.hash ?? null : null;
}

/** Removes temp data dirs, ignoring errors. */
export async function removeDirs(dirs: string[]): Promise<void> {
  for (const d of dirs) await Deno.remove(d, { recursive: true }).catch(() => {});
}

/** Head height of an in-process network node. */
export function heightOf(n: NetworkNode): number {
  return n.running.node.head.header.height;
}

/**
 * Starts one in-process node per key, each bootstrapping to the ones started
 * before it (so the network is a full mesh). Each node is pushed into `into`
 * as soon as it runs, so the caller's `finally` stops whatever did start.
 */
export async function startMeshNodes(
  into: NetworkNode[],
  keys: readonly (number | string)[],
  optionsOf: (
    key: number | string,
  ) => Omit<NetworkConfigOptions, "dataDir" | "key" | "bootstrapPeers">,
): Promise<void> {
  for (const key of keys) {
    const node = await startNetworkNode({
      ...optionsOf(key),
      key,
      bootstrapPeers: into.flatMap((p) => p.addresses.slice(0, 1)),
    });
    into.push(node);
  }
}
