/**
 * gridtokenx-node: the node's command line.
 *
 *   deno task node init            prepare the data directory (keys, genesis)
 *   deno task node start           run the node (initialises on first start)
 *   deno task node generate-keys   write a new encrypted keystore
 *   deno task node export --out F  write a snapshot of the chain (backup)
 *   deno task node import --in F   restore a snapshot into an empty data directory
 *   deno task node resync          move a damaged chain database aside, re-initialise, sync on start
 *
 * Flags: --config PATH, --data-dir DIR, --api-port N, --p2p-port N, --api-host HOST,
 *        --out PATH (generate-keys, export), --in PATH (import),
 *        --force, --min-sign-height N (resync).
 */
import { parseArgs } from "node:util";
import { applyOverrides } from "./node/config/apply_overrides.ts";
import { ConfigError } from "./node/config/config_error.ts";
import { loadConfig } from "./node/config/load_config.ts";
import type { NodeConfig } from "./node/config/node_config.ts";
import { createLogger } from "./node/log/logger.ts";
import { loggerOptionsFromConfig } from "./node/log/from_config.ts";
import { startNode } from "./node/runtime/start_node.ts";
import { initChain } from "./node/runtime/init_chain.ts";
import { createKeystore, getPassphrase, validatorKeystorePath } from "./node/runtime/keys.ts";
import { exportSnapshot, importSnapshot } from "./node/storage/snapshot.ts";
import { ChainStore } from "./node/storage/chain_store.ts";
import { resyncDataDir } from "./node/runtime/resync.ts";

const USAGE = `Usage: gridtokenx-node <command> [flags]

Commands:
  init            prepare the data directory: validator key and genesis block
  start           start the node (initialises the data directory on first start)
  generate-keys   generate an Ed25519 key into an encrypted keystore
  export          write a chain snapshot (genesis, blocks, state) to --out FILE
  import          restore a snapshot from --in FILE into an empty data directory,
                  verifying every block and the state root
  resync          move a damaged chain database to <data_dir>/corrupt-<time>/, keep the
                  keys and a signing floor, re-initialise from genesis; start then
                  syncs from peers (the node must be stopped)

Flags:
  --config PATH     config file (default ./config.toml, else the embedded dev config)
  --data-dir DIR    override node.data_dir
  --api-port N      override api.port
  --api-host HOST   override api.host
  --p2p-port N      override p2p.port
  --out PATH        keystore path for generate-keys (default <data_dir>/keys/validator.json);
                    snapshot file for export
  --in PATH         snapshot file for import
  --force           resync even if the chain database verifies as healthy
  --min-sign-height N  resync: sign nothing below height N (needed when the damaged
                    database yields no signing record and no head)
  -h, --help        show this help
`;

class UsageError extends Error {}

const COMMANDS = ["init", "start", "generate-keys", "export", "import", "resync"];

function parsePort(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new UsageError(`--${name} must be a port number 0..65535, got "${value}"`);
  }
  return Number(value);
}

async function readConfig(
  values: Record<string, string | boolean | undefined>,
): Promise<NodeConfig> {
  const cfg = await loadConfig(values.config as string | undefined);
  return applyOverrides(cfg, {
    dataDir: values["data-dir"] as string | undefined,
    apiPort: parsePort("api-port", values["api-port"] as string | undefined),
    p2pPort: parsePort("p2p-port", values["p2p-port"] as string | undefined),
    apiHost: values["api-host"] as string | undefined,
  });
}

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        config: { type: "string" },
        "data-dir": { type: "string" },
        "api-port": { type: "string" },
        "api-host": { type: "string" },
        "p2p-port": { type: "string" },
        out: { type: "string" },
        in: { type: "string" },
        force: { type: "boolean" },
        "min-sign-height": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || command === undefined) {
    console.log(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (positionals.length > 1) throw new UsageError(`Unexpected argument "${positionals[1]}"`);
  if (!COMMANDS.includes(command)) throw new UsageError(`Unknown command "${command}"`);
  const cfg = await readConfig(values);
  const log = createLogger(loggerOptionsFromConfig(cfg));
  switch (command) {
    case "init": {
      const result = await initChain(cfg, log);
      console.log(
        result.created
          ? `Initialised ${cfg.node.data_dir}: genesis ${result.genesisHash}, validator ${result.validator.address}`
          : `${cfg.node.data_dir} already holds a chain (genesis ${result.genesisHash}); nothing to do`,
      );
      return 0;
    }
    case "generate-keys": {
      const out = (values.out as string | undefined) ?? validatorKeystorePath(cfg.node.data_dir);
      const { passphrase } = await getPassphrase(
        cfg.node.data_dir,
        cfg.consensus.keystore_passphrase_env,
        {
          create: true,
        },
      );
      const wallet = await createKeystore(out, passphrase);
      console.log(
        `Keystore: ${out}\nAddress: ${wallet.address}\nPublic key: ${wallet.publicKeyHex}`,
      );
      return 0;
    }
    case "export": {
      const out = values.out as string | undefined;
      if (out === undefined) throw new UsageError("export needs --out FILE");
      const store = await ChainStore.open(cfg.storage.kv_path);
      try {
        const s = await exportSnapshot(store, out);
        console.log(
          `Exported ${s.blocks} blocks (head ${s.headHeight} ${s.headHash}, state root ${s.stateRoot}, ${s.stateEntries} state entries) to ${out} (${s.bytes} bytes)`,
        );
      } finally {
        store.close();
      }
      return 0;
    }
    case "import": {
      const input = values.in as string | undefined;
      if (input === undefined) throw new UsageError("import needs --in FILE");
      await Deno.mkdir(cfg.node.data_dir, { recursive: true });
      const s = await importSnapshot(input, cfg.storage.kv_path);
      console.log(
        `Imported and verified ${s.blocks} blocks into ${cfg.storage.kv_path}: head ${s.headHeight} ${s.headHash}, state root ${s.stateRoot}`,
      );
      return 0;
    }
    case "resync": {
      const min = values["min-sign-height"] as string | undefined;
      if (min !== undefined && !/^\d{1,15}$/.test(min)) {
        throw new UsageError(`--min-sign-height must be a height, got "${min}"`);
      }
      const r = await resyncDataDir(cfg, log, {
        force: values.force === true,
        minSignHeight: min === undefined ? undefined : Number(min),
        nowMs: Date.now(),
      });
      const files = r.movedFiles.join(", ");
      const floor = r.signFloorHeight === null
        ? "No signing floor (not a validator, old database unreadable)."
        : `Signing floor: this node signs nothing below height ${r.signFloorHeight} ` +
          `(old head ${r.oldHeadHeight}, old signing record ${r.oldSignedHeight}).`;
      console.log(
        [
          `Moved the chain database aside to ${r.movedTo} (${files}); nothing was deleted.`,
          `Re-initialised ${cfg.storage.kv_path} from genesis ${r.genesisHash}; ` +
          `keys kept (validator ${r.validatorAddress}).`,
          floor,
          "Start the node to sync from its peers.",
        ].join("\n"),
      );
      return 0;
    }
    case "start": {
      const running = await startNode(cfg, log);
      await running.finished;
      return 0;
    }
    default:
      throw new UsageError(`Unknown command "${command}"`);
  }
}

if (import.meta.main) {
  try {
    // Exit explicitly: libp2p leaves handles open after a clean stop, which
    // would keep the process alive after a graceful shutdown.
    Deno.exit(await main(Deno.args));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`gridtokenx-node: ${e.message}\n\n${USAGE}`);
      Deno.exit(2);
    }
    const code = (e as { code?: string }).code;
    const prefix = e instanceof ConfigError ? "" : code ? `${code}: ` : "";
    console.error(`gridtokenx-node: ${prefix}${(e as Error).message}`);
    Deno.exit(1);
  }
}
