/**
 * `deno task loadtest`: drives signed transactions into a node and reports
 * what it committed. Run with --help for the flags.
 */
import { parseArgs } from "node:util";
import { type LoadOptions, type LoadReport, runLoadTest, WARM_UP_MS } from "./run_load.ts";

const USAGE = `Usage: deno task loadtest [flags]

Starts a single-validator node (or --validators N on 127.0.0.1) in child
processes (unless --target), funds --accounts wallets at genesis, pre-signs the
transactions BEFORE the timed run (so the figure measures the node, not the
client's signing), sends them for --duration seconds, then reads the blocks
(and, for orders, the trades) back through the API.

Flags:
  --target URL        use a running node; its genesis must fund the wallets of --seed
                      (print them with --print-genesis)
  --kind KIND         "transfer" (default) or "orders": wallet pairs at one substation
                      (registered, 10 MWh of metered solar each seller at genesis) place
                      100 Wh sells at 500 and buys at 600 satang/kWh, which all match
  --validators N      validators to start, each a child process, p2p on 127.0.0.1;
                      wallets send to node (wallet mod N) (default 1)
  --rate N            transactions per second; 0 = flat-out (default 0)
  --duration S        seconds of sending (default 10)
  --accounts N        sending wallets (default 2000)
  --batch N           transactions per request; 1 = POST /transactions (default 500, max 1000)
  --concurrency N     requests in flight (default 4)
  --max-txs N         most transactions to pre-sign (default 12000 x duration)
  --block-time-ms N   block time of a started node (default 500)
  --max-block-txs N   max_block_transactions of a started node (default 20000)
  --max-message-bytes N  [p2p] max_message_bytes of started validators (default: the
                      node's, 1 MiB); proposals above it go by hash (proposal_ref)
  --pow-target-bps N  [consensus] pow_target_fraction_bps of started nodes' genesis (default:
                      the node's, 500 = seals aim at 5% of the block time); orders are sealed
  --seed TEXT         wallet seed (default "default")
  --drain S           seconds without progress before giving up on commits (default 60)
  --metrics-out PATH  write the node's /metrics text at the end of the run to PATH
  --json              print the report as one JSON line
  --print-genesis     print [[genesis.accounts]] TOML for the wallets and exit
  -h, --help          this help
`;

const { values } = parseArgs({
  options: {
    target: { type: "string" },
    kind: { type: "string", default: "transfer" },
    validators: { type: "string", default: "1" },
    rate: { type: "string", default: "0" },
    duration: { type: "string", default: "10" },
    accounts: { type: "string", default: "2000" },
    batch: { type: "string", default: "500" },
    concurrency: { type: "string", default: "4" },
    "max-txs": { type: "string" },
    "block-time-ms": { type: "string", default: "500" },
    "max-block-txs": { type: "string", default: "20000" },
    "max-message-bytes": { type: "string" },
    "pow-target-bps": { type: "string" },
    seed: { type: "string", default: "default" },
    drain: { type: "string", default: "60" },
    json: { type: "boolean", default: false },
    "metrics-out": { type: "string" },
    "print-genesis": { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});

function int(name: string, text: string | undefined, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    console.error(`--${name} must be an integer ${min}..${max}, got "${text}"\n\n${USAGE}`);
    Deno.exit(2);
  }
  return n;
}

if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
if (values.kind !== "transfer" && values.kind !== "orders") {
  console.error(`--kind must be "transfer" or "orders", got "${values.kind}"`);
  Deno.exit(2);
}
if (values.kind === "orders" && (values.target || values["print-genesis"])) {
  console.error(
    "--kind orders needs registered prosumers with metered energy at genesis: it starts its own nodes (no --target / --print-genesis)",
  );
  Deno.exit(2);
}
const durationS = int("duration", values.duration, 1, 3600);
const opts: LoadOptions = {
  target: values.target,
  kind: values.kind,
  validators: int("validators", values.validators, 1, 16),
  rate: int("rate", values.rate, 0, 1_000_000),
  durationS,
  accounts: int("accounts", values.accounts, 1, 100_000),
  batch: int("batch", values.batch, 1, 1000),
  concurrency: int("concurrency", values.concurrency, 1, 256),
  maxTxs: int("max-txs", values["max-txs"] ?? String(12_000 * durationS), 1, 10_000_000),
  blockTimeMs: int("block-time-ms", values["block-time-ms"], 100, 60_000),
  maxBlockTxs: int("max-block-txs", values["max-block-txs"], 1, 1_000_000),
  ...(values["pow-target-bps"] === undefined ? {} : {
    powTargetFractionBps: int("pow-target-bps", values["pow-target-bps"], 1, 10_000),
  }),
  ...(values["max-message-bytes"] === undefined ? {} : {
    maxMessageBytes: int("max-message-bytes", values["max-message-bytes"], 1024, 64 * 1024 * 1024),
  }),
  seed: values.seed!,
  drainTimeoutS: int("drain", values.drain, 1, 3600),
  metricsOut: values["metrics-out"],
  progress: (line) => console.error(`[loadtest] ${line}`),
};

if (values["print-genesis"]) {
  const { createLoadWallets } = await import("./wallets.ts");
  for (const w of await createLoadWallets(opts.seed, opts.accounts)) {
    console.log(`[[genesis.accounts]]\naddress = "${w.address}"\nbalance_satang = 1000000000000\n`);
  }
  Deno.exit(0);
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(0)} MiB`;
}

function printReport(r: LoadReport): void {
  const rejected = Object.entries(r.rejectedByCode).map(([c, n]) => `${c}=${n}`).join(" ") ||
    "none";
  console.log(
    `GridTokenX load test: ${opts.kind}, ${r.accounts} accounts, ${
      opts.rate > 0 ? `${opts.rate} tx/s` : "flat-out"
    }, ${opts.durationS} s, batch ${opts.batch}, concurrency ${opts.concurrency}`,
  );
  console.log(
    `transactions were pre-signed before the timed run (${r.presigned} in ${
      r.signSeconds.toFixed(1)
    } s): the figures measure the node, not client-side signing`,
  );
  console.log(
    `submitted        ${r.submitted} in ${r.sendSeconds.toFixed(1)} s (${r.submitTps} tx/s)`,
  );
  console.log(
    `accepted         ${r.accepted} (${r.acceptedTps} tx/s); rejected: ${rejected}; http errors ${r.httpErrors}`,
  );
  console.log(
    `committed        ${r.committed} (read back from ${r.blocks} blocks, max ${r.maxBlockTxs} txs/block)`,
  );
  console.log(
    `committed TPS    ${r.committedTpsInWindow} in the send window; ${r.committedTpsOverall} first submit -> last commit`,
  );
  console.log(
    `commit latency   p50 ${r.latencyMs.p50} ms, p95 ${r.latencyMs.p95} ms, p99 ${r.latencyMs.p99} ms, max ${r.latencyMs.max} ms`,
  );
  if (r.trades) {
    const t = r.trades.visibleLatencyMs;
    console.log(
      `trades           ${r.trades.count} (${r.trades.perSecondInWindow}/s in the send window); ${r.trades.ordersTraded} orders traded`,
    );
    console.log(
      `trade visible    p50 ${t.p50} ms, p95 ${t.p95} ms, p99 ${t.p99} ms, max ${t.max} ms (submission -> in GET /energy/trades)`,
    );
  }
  console.log(
    `finality         p50 ${r.finalityMs.p50} ms, p99 ${r.finalityMs.p99} ms (${r.finalityBlockTimes.p50} / ${r.finalityBlockTimes.p99} block times; block timestamp -> readable at node 1; ${r.validators} validator(s))`,
  );
  console.log(
    `  after warm-up  p50 ${r.finalityWarmMs.p50} ms, p99 ${r.finalityWarmMs.p99} ms (blocks stamped ${
      WARM_UP_MS / 1000
    } s or more after the first submission)`,
  );
  console.log(
    `exactly once     not committed after the drain ${r.lost}, duplicated ${r.duplicated}, unexpected ${r.unexpected}`,
  );
  if (r.node) {
    console.log(
      `node pid ${r.node.pid}: RSS ${mib(r.node.rssStartBytes)} -> ${
        mib(r.node.rssEndBytes)
      } (peak ${mib(r.node.peakRssBytes)}), CPU ${r.node.cpuCoresAvg} cores on average${
        r.validators > 1 ? " (RSS of node 1, peak and CPU over all nodes)" : ""
      }`,
    );
  } else console.log("node RSS/CPU: not measured (--target node)");
}

const report = await runLoadTest(opts);
if (values.json) console.log(JSON.stringify(report));
else printReport(report);
Deno.exit(report.lost === 0 && report.duplicated === 0 ? 0 : 1);
