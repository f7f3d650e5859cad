/**
 * Nodes for a load test, each `main.ts start` in a child process on a temp
 * data dir whose genesis the tool writes first (load_chain.ts): one dev
 * validator, or N validators on 127.0.0.1 with the fixed test keys of
 * tests/helpers/network.ts, bootstrapped from each other.
 */
import { networkConfigToml, writeNodeKey } from "../../tests/helpers/network.ts";
import {
  type NodeProcess,
  spawnNodeProcess,
  TEST_PASSPHRASE,
  testConfigToml,
  waitFor,
} from "../../tests/helpers/test_node.ts";
import { type GenesisExtras, initLoadChain } from "./load_chain.ts";

/** Settings of started nodes. */
export interface LoadNodeOptions {
  validators: number;
  blockTimeMs: number;
  maxBlockTxs: number;
  mempoolMax: number;
  /** `[p2p] max_message_bytes` of validators; unset keeps the node's default (1 MiB). */
  maxMessageBytes?: number;
  /** `[consensus] pow_target_fraction_bps` (a genesis param); unset keeps the node's default. */
  powTargetFractionBps?: number;
}

/** Running load-test nodes. */
export interface LoadNodes {
  procs: NodeProcess[];
  urls: string[];
  dataDirs: string[];
  /** Stops every node (SIGTERM; SIGKILL after 10 s) and removes the data dirs. */
  stop(): Promise<void>;
}

const API_LIMITS = "[api]\nmax_body_bytes = 4194304\nrate_limit_per_second = 100000\n" +
  "rate_limit_burst = 200000\n";

function consensusLimits(o: LoadNodeOptions): string {
  return `[consensus]\nmax_block_transactions = ${o.maxBlockTxs}\n` +
    `mempool_max_transactions = ${o.mempoolMax}\n`;
}

function powTarget(o: LoadNodeOptions): string {
  return o.powTargetFractionBps === undefined
    ? "[consensus]\n"
    : `[consensus]\npow_target_fraction_bps = ${o.powTargetFractionBps}\n`;
}

async function p2pAddress(p: NodeProcess): Promise<string> {
  return await waitFor<string>(
    () => {
      const line = p.lines.find((l) => l.includes('"p2p.listening"'));
      return line ? (JSON.parse(line).addresses as string).split(",")[0]! : "";
    },
    20_000,
    "p2p.listening",
  );
}

async function stopProc(p: NodeProcess): Promise<void> {
  const timer = setTimeout(() => {
    try {
      p.child.kill("SIGKILL");
    } catch { /* gone */ }
  }, 10_000);
  await p.kill("SIGTERM").catch(() => {});
  clearTimeout(timer);
}

/** Writes configs and genesis, then starts the nodes; resolves when every API listens. */
export async function startLoadNodes(
  o: LoadNodeOptions,
  extras: GenesisExtras,
): Promise<LoadNodes> {
  Deno.env.set("GRIDTOKENX_PASSPHRASE", TEST_PASSPHRASE);
  const procs: NodeProcess[] = [];
  const dataDirs: string[] = [];
  const nodes: LoadNodes = {
    procs,
    urls: [],
    dataDirs,
    async stop() {
      await Promise.all(procs.map(stopProc));
      // Debugging aid: GTX_LOADTEST_NODE_LOG=prefix keeps every node's stdout.
      const keep = Deno.env.get("GTX_LOADTEST_NODE_LOG");
      if (keep) {
        for (const [i, p] of procs.entries()) {
          await Deno.writeTextFile(`${keep}.${i}.log`, p.lines.join("\n") + "\n");
        }
      }
      for (const d of dataDirs) await Deno.remove(d, { recursive: true }).catch(() => {});
    },
  };
  try {
    const addrs: string[] = [];
    for (let i = 0; i < o.validators; i++) {
      const dir = await Deno.makeTempDir({ prefix: "gtx-loadtest-" });
      dataDirs.push(dir);
      const configPath = `${dir}/config.toml`;
      let toml: string;
      if (o.validators === 1) {
        toml = testConfigToml({
          dataDir: `${dir}/data`,
          blockTimeMs: o.blockTimeMs,
          maxBlockTransactions: o.maxBlockTxs,
          mempoolMax: o.mempoolMax,
        }).replace("[api]\n", API_LIMITS).replace("[consensus]\n", powTarget(o));
      } else {
        await writeNodeKey(`${dir}/data`, i);
        toml = networkConfigToml({
          dataDir: `${dir}/data`,
          validators: o.validators,
          key: i,
          blockTimeMs: o.blockTimeMs,
          bootstrapPeers: [...addrs],
        }).replace("[api]\n", API_LIMITS).replace("[consensus]\n", consensusLimits(o))
          .replace("[consensus]\n", powTarget(o))
          .replace(
            "[p2p]\n",
            o.maxMessageBytes === undefined
              ? "[p2p]\n"
              : `[p2p]\nmax_message_bytes = ${o.maxMessageBytes}\n`,
          );
      }
      await Deno.writeTextFile(configPath, toml);
      await initLoadChain(configPath, extras);
      const p = await spawnNodeProcess(configPath, 120_000);
      procs.push(p);
      nodes.urls.push(p.baseUrl);
      if (o.validators > 1) addrs.push(await p2pAddress(p));
    }
    return nodes;
  } catch (e) {
    await nodes.stop();
    throw e;
  }
}
