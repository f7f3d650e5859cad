/**
 * Memory of a node with a large state: writes a genesis with `--accounts`
 * funded accounts (default 1,000,000; addresses of synthetic keys) plus
 * `--sellers` registered prosumers with metered solar energy, starts the node
 * (`main.ts start`, child process), places `--orders` resting sell orders
 * (default 100,000; nothing bids, so nothing matches) through the batch API,
 * waits until every order is committed and rests in the book, then reads the
 * node's resident memory from /proc (VmRSS now, VmHWM = peak).
 *
 *   deno run -A tools/loadtest/memory_probe.ts [--accounts 1000000] [--orders 100000]
 *     [--sellers 2000] [--round 10000] [--settle-s 60] [--json]
 *     [--v8-flags "--max-semi-space-size=2"] [--trace-gc] [--node-log FILE]
 *     [--genesis-cache DIR] [--sample-ms 500]
 *
 * `--genesis-cache DIR` keeps the written genesis (data dir) in DIR and
 * starts from a copy of it next time (the genesis takes ~75 s to write; the
 * same accounts, sellers and config every time; empty DIR after changing genesis or
 * storage code). `--node-log FILE` writes the
 * node's stdout (log lines, and `--trace-gc` lines) to FILE; with GTX_MEMORY_LOG_MS=1000 in the
 * environment the node logs its main heap, external buffers and RSS every second there
 * (`debug.memory`). While placing, RSS is sampled every `--sample-ms` and the peak's moment is
 * reported.
 *
 * The figure reported is the lowest RSS sampled every 5 s during --settle-s
 * after the last order committed (V8 returns the placement's garbage late),
 * next to the peak (VmHWM).
 */
import { parseArgs } from "node:util";
import { getAddressOfPublicKeyHex, type TxBody } from "../../node/chain/transaction.ts";
import { toHex } from "../../node/crypto/hex.ts";
import { sha256 } from "../../node/crypto/sha256.ts";
import { pathExists } from "../../node/runtime/path_exists.ts";
import {
  spawnNodeProcess,
  TEST_PASSPHRASE,
  testConfigToml,
} from "../../tests/helpers/test_node.ts";
import { initLoadChain } from "./load_chain.ts";
import { computeGenesisExtras, computeWalletLocation, ORDER_WH } from "./load_txs.ts";
import { readProcSample } from "./proc_stats.ts";
import { createLoadWallets, type SignedLoadTx, signLoadTx } from "./wallets.ts";

/** What the probe measured. */
export interface MemoryReport {
  accounts: number;
  restingOrders: number;
  stateEntries: number | null;
  genesisSeconds: number;
  startSeconds: number;
  placeSeconds: number;
  rssAfterStartBytes: number;
  /** Highest RSS sampled while placing and waiting for commits, and when (s after the first order). */
  placePeakRssBytes: number;
  placePeakAtSeconds: number;
  rssBytes: number;
  peakRssBytes: number;
  /** With `traceGc`: V8 heap per isolate after its last GC (see {@link summarizeGcTrace}). */
  isolates: IsolateHeap[] | null;
}

/** One V8 isolate's heap after its last garbage collection (from `--trace-gc`). */
export interface IsolateHeap {
  /** Isolate address as printed by V8. */
  isolate: string;
  /** Heap in use after the last GC, MB (V8's MB = 10^6 bytes; after a scavenge it includes old garbage). */
  usedMb: number;
  /** Live heap after the last full GC (mark-compact), MB; null if none ran. */
  liveMb: number | null;
  /** Heap committed after the last GC, MB. */
  committedMb: number;
  /** Largest committed heap seen, MB. */
  peakCommittedMb: number;
  gcs: number;
}

const GC_LINE =
  /^\[\d+:(0x[0-9a-f]+)\][^:]*: \S[^\d]*([\d.]+) \(([\d.]+)\) -> ([\d.]+) \(([\d.]+)\) MB/;

/**
 * Per-isolate heap from V8 `--trace-gc` lines (`[pid:isolate] t ms: Scavenge
 * a (b) -> c (d) MB, ...`); other lines are ignored. Largest heap first.
 */
export function summarizeGcTrace(lines: readonly string[]): IsolateHeap[] {
  const byIsolate = new Map<string, IsolateHeap>();
  for (const line of lines) {
    const m = GC_LINE.exec(line);
    if (!m) continue;
    const isolate = m[1]!;
    const h = byIsolate.get(isolate) ??
      { isolate, usedMb: 0, liveMb: null, committedMb: 0, peakCommittedMb: 0, gcs: 0 };
    h.usedMb = Number(m[4]);
    if (/Mark-(Compact|sweep)/i.test(line)) h.liveMb = Number(m[4]);
    h.committedMb = Number(m[5]);
    h.peakCommittedMb = Math.max(h.peakCommittedMb, Number(m[3]), Number(m[5]));
    h.gcs++;
    byIsolate.set(isolate, h);
  }
  return [...byIsolate.values()].sort((a, b) => b.committedMb - a.committedMb);
}

/** Runs the probe; removes its data dir. */
export async function runMemoryProbe(o: {
  accounts: number;
  orders: number;
  sellers: number;
  settleS: number;
  /** Orders sent before waiting for them to commit. */
  round: number;
  /** V8 flags for the node (DENO_V8_FLAGS, comma-separated), e.g. "--max-semi-space-size=4". */
  v8Flags?: string;
  /** Run the node with `--trace-gc` and report the heap of each isolate. */
  traceGc?: boolean;
  /** Write the node's stdout lines (logs, GC trace) to this file. */
  nodeLog?: string;
  /** Directory holding a written genesis to start from (made on the first run). */
  genesisCache?: string;
  /** RSS sampling period while placing, ms. */
  sampleMs?: number;
  say?: (line: string) => void;
}): Promise<MemoryReport> {
  const say = o.say ?? (() => {});
  Deno.env.set("GRIDTOKENX_PASSPHRASE", TEST_PASSPHRASE);
  const dir = await Deno.makeTempDir({ prefix: "gtx-memprobe-" });
  let proc: Awaited<ReturnType<typeof spawnNodeProcess>> | null = null;
  try {
    const wallets = await createLoadWallets("memory", o.sellers * 2);
    const configPath = `${dir}/config.toml`;
    await Deno.writeTextFile(
      configPath,
      testConfigToml({
        dataDir: `${dir}/data`,
        blockTimeMs: 500,
        maxBlockTransactions: 20_000,
        mempoolMax: Math.max(100_000, o.orders),
        extraToml: "[storage]\nverify_on_start = false\n",
      }).replace(
        "[api]\n",
        "[api]\nmax_body_bytes = 4194304\nrate_limit_per_second = 100000\nrate_limit_burst = 200000\n",
      ),
    );
    let t = performance.now();
    const cached = o.genesisCache === undefined
      ? null
      : `${o.genesisCache}/a${o.accounts}-s${o.sellers}`;
    // A cache that cannot be checked (any stat error) is rebuilt as if absent.
    if (cached !== null && await pathExists(`${cached}/data`).catch(() => false)) {
      say(`genesis: copying ${cached}/data ...`);
      await copyDir(`${cached}/data`, `${dir}/data`);
    } else {
      await writeGenesis(o.accounts, wallets, configPath, say);
      if (cached !== null) {
        await Deno.mkdir(cached, { recursive: true });
        await copyDir(`${dir}/data`, `${cached}/data`);
      }
    }
    const genesisSeconds = (performance.now() - t) / 1000;
    say(`genesis ready in ${genesisSeconds.toFixed(1)} s; starting the node ...`);
    t = performance.now();
    const flags = [o.v8Flags ?? "", o.traceGc ? "--trace-gc" : ""].filter((f) => f !== "").join(
      ",",
    );
    if (flags) Deno.env.set("DENO_V8_FLAGS", flags);
    proc = await spawnNodeProcess(configPath, 600_000);
    const startSeconds = (performance.now() - t) / 1000;
    const pid = proc.child.pid;
    const afterStart = await readProcSample(pid);
    const loaded = proc.lines.find((l) => l.includes('"chain.loaded"'));
    const stateEntries = readStateEntries(loaded);
    say(
      `node pid ${pid} up in ${startSeconds.toFixed(1)} s, ${stateEntries} state entries, RSS ${
        mib(afterStart?.rssBytes ?? 0)
      }; placing ${o.orders} resting sells ...`,
    );

    // Resting sells: prices 500..999 satang/kWh, no bids at all, so nothing trades.
    const status = await (await fetch(`${proc.baseUrl}/api/v1/status`)).json() as {
      network_id: number;
    };
    const sellers = wallets.filter((_, i) => i % 2 === 0);
    const expiresAtMs = Date.now() + 24 * 3_600_000;
    const signed: SignedLoadTx[] = [];
    for (let k = 0; k < o.orders; k++) {
      const s = k % sellers.length;
      const w = sellers[s]!;
      const body: TxBody = {
        kind: "energy_order",
        networkId: status.network_id,
        from: w.publicKeyHex,
        nonce: Math.floor(k / sellers.length),
        feeSatang: 1,
        expiresAtMs,
        payload: {
          side: "sell",
          amountWh: ORDER_WH,
          priceSatangPerKwh: 500 + (k % 500),
          source: "solar",
          location: computeWalletLocation(2 * s),
          orderExpiresAtMs: expiresAtMs,
        },
      };
      signed.push(await signLoadTx(w, body));
    }
    t = performance.now();
    // RSS while placing: the peak and when it happened.
    let placePeak = { rssBytes: 0, atSeconds: 0 };
    let placing = true;
    const sampler = (async () => {
      while (placing) {
        const s = await readProcSample(pid);
        if (s && s.rssBytes > placePeak.rssBytes) {
          placePeak = { rssBytes: s.rssBytes, atSeconds: (performance.now() - t) / 1000 };
        }
        await new Promise((r) => setTimeout(r, o.sampleMs ?? 500));
      }
    })();
    const BATCH = 1000;
    // Rounds of `o.round` orders, each committed before the next is sent (a
    // wallet's nonces may run at most 256 ahead, and a full mempool of
    // 100,000 parsed transactions would dominate the peak).
    const perRound = Math.min(o.round, sellers.length * 200);
    for (let round = 0; round * perRound < o.orders; round++) {
      const slice = signed.slice(round * perRound, (round + 1) * perRound);
      for (let i = 0; i < slice.length; i += BATCH) {
        const body = `{"transactions":[${slice.slice(i, i + BATCH).map((x) => x.json).join(",")}]}`;
        const res = await fetch(`${proc.baseUrl}/api/v1/transactions/batch`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
        const answer = await res.json() as { results?: { status?: string; error?: unknown }[] };
        const bad = answer.results?.find((r) => r.status !== "pending") ??
          (answer.results ? null : answer);
        if (bad) throw new Error(`order rejected: ${JSON.stringify(bad)}`);
      }
      await waitForEmptyMempool(proc.baseUrl);
      const s = await readProcSample(pid);
      say(
        `round ${round + 1}: ${((performance.now() - t) / 1000).toFixed(1)} s, RSS ${
          mib(s?.rssBytes ?? 0)
        }`,
      );
    }
    const placeSeconds = (performance.now() - t) / 1000;
    placing = false;
    await sampler;
    const book = await (await fetch(`${proc.baseUrl}/api/v1/energy/orders?side=sell&limit=1`))
      .json() as { total: number };
    say(
      `${book.total} resting orders after ${
        placeSeconds.toFixed(1)
      } s; settling ${o.settleS} s ...`,
    );
    // The V8 heaps shrink some time after the placement's garbage: sample
    // every 5 s and keep the lowest (the steady state); VmHWM is the peak.
    let end = await readProcSample(pid);
    const settleUntil = Date.now() + o.settleS * 1000;
    while (Date.now() < settleUntil) {
      await new Promise((r) => setTimeout(r, 5000));
      const s = await readProcSample(pid);
      if (s) say(`RSS ${mib(s.rssBytes)}`);
      if (s && (end === null || s.rssBytes < end.rssBytes)) end = s;
    }
    const report: MemoryReport = {
      accounts: o.accounts,
      restingOrders: book.total,
      stateEntries,
      genesisSeconds,
      startSeconds,
      placeSeconds,
      rssAfterStartBytes: afterStart?.rssBytes ?? 0,
      placePeakRssBytes: placePeak.rssBytes,
      placePeakAtSeconds: placePeak.atSeconds,
      rssBytes: end?.rssBytes ?? 0,
      peakRssBytes: end?.peakRssBytes ?? 0,
      isolates: o.traceGc ? summarizeGcTrace(proc.lines) : null,
    };
    if (o.nodeLog !== undefined) await Deno.writeTextFile(o.nodeLog, proc.lines.join("\n"));
    return report;
  } finally {
    await proc?.kill("SIGTERM");
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Writes the probe's genesis into the config's data dir: the sellers of
 * `wallets` (registered, funded, with metered solar) plus synthetic funded
 * accounts up to `accounts`.
 */
async function writeGenesis(
  accounts: number,
  wallets: Awaited<ReturnType<typeof createLoadWallets>>,
  configPath: string,
  say: (line: string) => void,
): Promise<void> {
  const extras = computeGenesisExtras("orders", wallets);
  // Only the even (selling) wallets place orders; all are registered and funded.
  const synthetic = accounts - extras.accounts.length;
  say(`genesis: ${accounts} accounts (${synthetic} synthetic) ...`);
  for (let i = 0; i < synthetic; i++) {
    const key = toHex(sha256(new TextEncoder().encode(`gridtokenx memory probe ${i}`)));
    extras.accounts.push({
      address: getAddressOfPublicKeyHex(key),
      balanceSatang: 1_000_000 + i,
      energyWh: 0,
    });
  }
  await initLoadChain(configPath, extras);
}

async function copyDir(from: string, to: string): Promise<void> {
  const out = await new Deno.Command("cp", { args: ["-a", from, to] }).output();
  if (!out.success) throw new Error(`cp -a ${from} ${to}: ${new TextDecoder().decode(out.stderr)}`);
}

/** Entry count of the `chain.loaded` log line; null when missing or garbled (--trace-gc shares stdout). */
function readStateEntries(line: string | undefined): number | null {
  try {
    return line ? JSON.parse(line.slice(line.indexOf("{"))).entries as number : null;
  } catch {
    return null;
  }
}

async function waitForEmptyMempool(baseUrl: string): Promise<void> {
  for (;;) {
    const s = await (await fetch(`${baseUrl}/api/v1/status`)).json() as { mempool_size: number };
    if (s.mempool_size === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(0)} MiB`;
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      accounts: { type: "string", default: "1000000" },
      orders: { type: "string", default: "100000" },
      sellers: { type: "string", default: "2000" },
      "settle-s": { type: "string", default: "60" },
      round: { type: "string", default: "10000" },
      json: { type: "boolean", default: false },
      "v8-flags": { type: "string", default: "" },
      "trace-gc": { type: "boolean", default: false },
      "node-log": { type: "string" },
      "genesis-cache": { type: "string" },
      "sample-ms": { type: "string", default: "500" },
    },
  });
  const r = await runMemoryProbe({
    accounts: Number(values.accounts),
    orders: Number(values.orders),
    sellers: Number(values.sellers),
    settleS: Number(values["settle-s"]),
    round: Number(values.round),
    v8Flags: values["v8-flags"],
    traceGc: values["trace-gc"],
    ...(values["node-log"] === undefined ? {} : { nodeLog: values["node-log"] }),
    ...(values["genesis-cache"] === undefined ? {} : { genesisCache: values["genesis-cache"] }),
    sampleMs: Number(values["sample-ms"]),
    say: (l) => console.error(`[memory] ${l}`),
  });
  if (values.json) console.log(JSON.stringify(r));
  else {
    console.log(
      `accounts ${r.accounts}, resting orders ${r.restingOrders}, state entries at start ${r.stateEntries}`,
    );
    console.log(
      `genesis ${r.genesisSeconds.toFixed(1)} s, node start ${
        r.startSeconds.toFixed(1)
      } s, placing ${r.placeSeconds.toFixed(1)} s`,
    );
    console.log(
      `node RSS after start ${mib(r.rssAfterStartBytes)}; with the orders ${
        mib(r.rssBytes)
      } (lowest sample while settling; peak ${mib(r.peakRssBytes)})`,
    );
    console.log(
      `highest RSS sampled while placing ${mib(r.placePeakRssBytes)} at ${
        r.placePeakAtSeconds.toFixed(1)
      } s`,
    );
    for (const h of r.isolates ?? []) {
      console.log(
        `isolate ${h.isolate}: heap ${h.usedMb} MB used, ${h.committedMb} MB committed after its last GC, ${h.liveMb} MB live after its last full GC (peak committed ${h.peakCommittedMb} MB, ${h.gcs} GCs)`,
      );
    }
  }
  Deno.exit(0);
}
