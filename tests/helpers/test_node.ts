/**
 * Test harness: real nodes with real Deno KV files in temp dirs, either in
 * this process (`startTestNode`) or as a child process (`spawnNodeProcess`,
 * for kill -9 tests), plus deterministic test wallets.
 */
import { parseConfig } from "../../node/config/parse_config.ts";
import { createLogger } from "../../node/log/logger.ts";
import { type RunningNode, startNode } from "../../node/runtime/start_node.ts";
import { type Wallet, walletFromSecretKey } from "../../node/runtime/wallet.ts";
import { sha256 } from "../../node/crypto/sha256.ts";
import { signTransaction, type Tx, type TxBody } from "../../node/chain/transaction.ts";

export const TEST_NETWORK_ID = 1001;
export const TEST_PASSPHRASE = "test passphrase, not a secret";

/** A wallet derived from a label, the same in every run. */
export function testWallet(label: string): Wallet {
  return walletFromSecretKey(sha256(new TextEncoder().encode(`gridtokenx test wallet ${label}`)));
}

export interface TestConfigOptions {
  dataDir: string;
  blockTimeMs?: number;
  /** Accounts funded at genesis. */
  accounts?: { address: string; balanceSatang: number; energyWh?: number }[];
  /** Extra TOML appended to the generated config (must not repeat sections). */
  extraToml?: string;
  maxBlockTransactions?: number;
  mempoolMax?: number;
  /** Name of the env var holding the operator token (unique per test: env is process-wide). */
  operatorTokenEnv?: string;
  /** Per-IP request rate limit (per second; the burst is twice that). */
  rateLimitPerSecond?: number;
}

/** TOML of a test node: JSON logs, API on a free port, p2p off, fast blocks. */
export function testConfigToml(opts: TestConfigOptions): string {
  const accounts = (opts.accounts ?? []).map((a) =>
    `[[genesis.accounts]]\naddress = "${a.address}"\nbalance_satang = ${a.balanceSatang}\nenergy_wh = ${
      a.energyWh ?? 0
    }\n`
  ).join("\n");
  return `
[node]
node_id = "test-node"
data_dir = ${JSON.stringify(opts.dataDir)}
[logging]
level = "info"
format = "json"
[api]
port = 0
# The whole suite shares 2 cores: a request may wait for seconds (production default 10 s).
request_timeout_ms = 60000
${opts.operatorTokenEnv ? `operator_token_env = "${opts.operatorTokenEnv}"` : ""}
${
    opts.rateLimitPerSecond
      ? `rate_limit_per_second = ${opts.rateLimitPerSecond}\nrate_limit_burst = ${
        opts.rateLimitPerSecond * 2
      }`
      : ""
  }
[p2p]
enabled = false
port = 0
[consensus]
block_time_ms = ${opts.blockTimeMs ?? 200}
max_block_transactions = ${opts.maxBlockTransactions ?? 5000}
mempool_max_transactions = ${opts.mempoolMax ?? 100000}
[genesis]
timestamp_ms = 1767225600000
${accounts}
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

${opts.extraToml ?? ""}
`;
}

export interface TestNode {
  running: RunningNode;
  baseUrl: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** Starts a node in this process on a temp data dir (removed on stop unless `keepDataDir`). */
export async function startTestNode(
  opts: Partial<TestConfigOptions> & { keepDataDir?: boolean } = {},
): Promise<TestNode> {
  const dataDir = opts.dataDir ?? await Deno.makeTempDir({ prefix: "gtx-test-" });
  Deno.env.set("GRIDTOKENX_PASSPHRASE", TEST_PASSPHRASE);
  const cfg = parseConfig(testConfigToml({ ...opts, dataDir }), `${dataDir}/config.toml`);
  const log = createLogger({ level: "warn", format: "json", console: false });
  const running = await startNode(cfg, log, { handleSignals: false });
  const baseUrl = `http://127.0.0.1:${running.http.port}`;
  return {
    running,
    baseUrl,
    dataDir,
    async stop() {
      await running.stop();
      if (!opts.keepDataDir) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
}

export interface NodeProcess {
  child: Deno.ChildProcess;
  baseUrl: string;
  /** Every stdout line so far. */
  lines: string[];
  /** The last 4,000 characters of stderr (an uncaught error lands there). */
  stderrTail(): string;
  kill(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

const MAIN_TS = new URL("../../main.ts", import.meta.url).pathname;
const DENO_JSON = new URL("../../deno.json", import.meta.url).pathname;

/**
 * Starts `main.ts start` as a child process with the given config file; resolves once the API
 * listens. `env` is added to the child's environment (e.g. libfaketime's variables).
 */
export async function spawnNodeProcess(
  configPath: string,
  timeoutMs = 20_000,
  env: Record<string, string> = {},
): Promise<NodeProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    // As the node runs in production (deno.json "start"): the match worker collects between blocks.
    args: [
      "run",
      "-A",
      "--v8-flags=--expose-gc",
      "--config",
      DENO_JSON,
      MAIN_TS,
      "start",
      "--config",
      configPath,
    ],
    env: { GRIDTOKENX_PASSPHRASE: TEST_PASSPHRASE, ...env },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const lines: string[] = [];
  let resolvePort!: (port: number) => void;
  const portPromise = new Promise<number>((r) => resolvePort = r);
  (async () => {
    const decoder = new TextDecoderStream();
    let buf = "";
    for await (const chunk of child.stdout.pipeThrough(decoder)) {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        if (line.includes('"api.listening"')) resolvePort(JSON.parse(line).port);
      }
    }
  })().catch(() => {});
  let stderrText = "";
  const stderr = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({
      write(chunk) {
        stderrText = (stderrText + chunk).slice(-4000);
      },
    }),
  ).catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const port = await Promise.race([
    portPromise,
    child.status.then(async (s) => {
      await stderr;
      throw new Error(
        `node exited with ${s.code} before listening:\n${lines.join("\n")}\n${stderrText}`,
      );
    }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`node did not listen within ${timeoutMs} ms`)),
        timeoutMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  return {
    child,
    baseUrl: `http://127.0.0.1:${port}`,
    lines,
    stderrTail: () => stderrText,
    async kill(signal: Deno.Signal = "SIGKILL") {
      try {
        child.kill(signal);
      } catch { /* already exited */ }
      const status = await child.status;
      await stderr;
      return status;
    },
  };
}

/** Signs a transaction body with a wallet. */
export function signWith(
  wallet: Wallet,
  body: Omit<TxBody, "from" | "networkId"> & { networkId?: number },
): Tx {
  return signTransaction(
    { networkId: TEST_NETWORK_ID, ...body, from: wallet.publicKeyHex } as TxBody,
    wallet.sign,
  );
}

/** Polls `fn` until it returns a truthy value or the timeout passes. */
export async function waitFor<T>(
  fn: () => Promise<T> | T,
  timeoutMs = 10_000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
