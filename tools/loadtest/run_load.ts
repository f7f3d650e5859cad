/**
 * The load test: starts a node in a child process (or targets one), funds
 * deterministic wallets at genesis, pre-signs transfers, drives them at a
 * rate or flat-out for a duration, and measures what the chain committed by
 * reading blocks back through the API (never from the HTTP answers alone).
 */
import type { TxBody } from "../../node/chain/transaction.ts";
import { spawnNodeProcess, testConfigToml } from "../../tests/helpers/test_node.ts";
import { type ProcSample, readProcSample } from "./proc_stats.ts";
import { createLoadWallets, type LoadWallet, type SignedLoadTx, signLoadTx } from "./wallets.ts";

/** Options of {@link runLoadTest} (the CLI flags, see main.ts). */
export interface LoadOptions {
  /** Base URL of a running node; when absent a node is started. */
  target?: string;
  accounts: number;
  /** Transactions per second to submit; 0 = as fast as the node answers. */
  rate: number;
  durationS: number;
  kind: "transfer";
  /** Transactions per HTTP request; 1 uses POST /transactions, more the batch endpoint. */
  batch: number;
  /** HTTP requests in flight. */
  concurrency: number;
  /** Most transactions to pre-sign (flat-out runs stop early when they run out). */
  maxTxs: number;
  blockTimeMs: number;
  maxBlockTxs: number;
  seed: string;
  /** After the run, how long to wait for accepted transactions to commit. */
  drainTimeoutS: number;
  /** When set, the node's /metrics text at the end of the run is written here. */
  metricsOut?: string;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
}

/** What a run measured. */
export interface LoadReport {
  nodeStarted: boolean;
  accounts: number;
  presigned: number;
  signSeconds: number;
  sendSeconds: number;
  submitted: number;
  accepted: number;
  rejectedByCode: Record<string, number>;
  httpErrors: number;
  /** Accepted transactions found in blocks, each counted once. */
  committed: number;
  /** Accepted transactions never found in a block after draining. */
  lost: number;
  /** Transactions found in more than one block position. */
  duplicated: number;
  /** Transactions of this run in blocks that the node did not accept over HTTP. */
  unexpected: number;
  submitTps: number;
  acceptedTps: number;
  /** Committed in blocks stamped within the send window, per second of it. */
  committedTpsInWindow: number;
  /** All committed / (last commit seen - first submission). */
  committedTpsOverall: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  blocks: number;
  maxBlockTxs: number;
  node: {
    pid: number | null;
    rssStartBytes: number;
    rssEndBytes: number;
    peakRssBytes: number;
    cpuCoresAvg: number;
  } | null;
}

const FUND_SATANG = 1_000_000_000_000;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return Math.round(sorted[i]!);
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`GET ${url} answered ${res.status}`);
  }
  return await res.json();
}

async function presign(
  wallets: LoadWallet[],
  nonces: number[],
  networkId: number,
  total: number,
): Promise<SignedLoadTx[]> {
  const expiresAtMs = Date.now() + 3_600_000;
  const out: SignedLoadTx[] = new Array(total);
  const n = wallets.length;
  const CHUNK = 2048;
  for (let start = 0; start < total; start += CHUNK) {
    const jobs: Promise<void>[] = [];
    for (let k = start; k < Math.min(total, start + CHUNK); k++) {
      const w = wallets[k % n]!;
      const body: TxBody = {
        kind: "transfer",
        networkId,
        from: w.publicKeyHex,
        nonce: nonces[k % n]! + Math.floor(k / n),
        feeSatang: 1,
        expiresAtMs,
        payload: { to: wallets[(k + 1) % n]!.address, amountSatang: 1, amountWh: 0 },
      };
      jobs.push(signLoadTx(w, body).then((s) => void (out[k] = s)));
    }
    await Promise.all(jobs);
  }
  return out;
}

/** Runs one load test; see {@link LoadOptions}. Stops the node it started. */
export async function runLoadTest(opts: LoadOptions): Promise<LoadReport> {
  const say = opts.progress ?? (() => {});
  if (opts.kind !== "transfer") throw new Error(`--kind ${opts.kind} is not supported yet`);
  const wallets = await createLoadWallets(opts.seed, opts.accounts);
  let baseUrl = opts.target?.replace(/\/+$/, "");
  let proc: Awaited<ReturnType<typeof spawnNodeProcess>> | null = null;
  let dataDir: string | null = null;
  try {
    if (!baseUrl) {
      dataDir = await Deno.makeTempDir({ prefix: "gtx-loadtest-" });
      const configPath = `${dataDir}/config.toml`;
      await Deno.writeTextFile(
        configPath,
        testConfigToml({
          dataDir: `${dataDir}/data`,
          blockTimeMs: opts.blockTimeMs,
          maxBlockTransactions: opts.maxBlockTxs,
          mempoolMax: Math.max(100_000, opts.maxTxs),
          accounts: wallets.map((w) => ({ address: w.address, balanceSatang: FUND_SATANG })),
          extraToml: "",
        }).replace(
          "[api]\n",
          "[api]\nmax_body_bytes = 4194304\n",
        ),
      );
      proc = await spawnNodeProcess(configPath, 60_000);
      baseUrl = proc.baseUrl;
      say(`node started: pid ${proc.child.pid}, ${baseUrl}, data ${dataDir}`);
    }
    const status = await getJson(`${baseUrl}/api/v1/status`) as {
      network_id: number;
      height: number;
    };
    const nonces = opts.target
      ? await Promise.all(
        wallets.map(async (w) =>
          ((await getJson(`${baseUrl}/api/v1/accounts/${w.address}`)) as { nonce: number }).nonce
        ),
      )
      : wallets.map(() => 0);
    const total = opts.rate > 0
      ? Math.min(opts.maxTxs, Math.ceil(opts.rate * opts.durationS))
      : opts.maxTxs;
    say(`pre-signing ${total} ${opts.kind} transactions from ${wallets.length} accounts ...`);
    const signStart = performance.now();
    const txs = await presign(wallets, nonces, status.network_id, total);
    const signSeconds = (performance.now() - signStart) / 1000;
    const indexOfKey = new Map<string, number>();
    txs.forEach((t, i) => indexOfKey.set(t.key, i));
    const batches: string[] = [];
    for (let i = 0; i < total; i += opts.batch) {
      const slice = txs.slice(i, i + opts.batch).map((t) => t.json);
      batches.push(opts.batch === 1 ? slice[0]! : `{"transactions":[${slice.join(",")}]}`);
    }
    const submittedAtMs = new Float64Array(total);
    const committedAtMs = new Float64Array(total);
    const accepted = new Uint8Array(total);
    const seenCount = new Uint16Array(total);
    const rejectedByCode: Record<string, number> = {};
    let httpErrors = 0;
    let unexpected = 0;
    let blocks = 0;
    let maxBlockTxs = 0;

    // Block reader: follows the head and records when each transaction shows up.
    let nextHeight = status.height + 1;
    let readerStop = false;
    let lastCommitMs = 0;
    const blockStamps: { timestampMs: number; txs: number }[] = [];
    const readBlocks = async () => {
      const head = (await getJson(`${baseUrl}/api/v1/status`) as { height: number }).height;
      while (nextHeight <= head) {
        const block = await getJson(`${baseUrl}/api/v1/blocks/${nextHeight}`) as {
          header: { timestampMs: number };
          txs: { body: { from: string; nonce: number } }[];
        };
        const now = Date.now();
        let ours = 0;
        for (const tx of block.txs) {
          const i = indexOfKey.get(`${tx.body.from}:${tx.body.nonce}`);
          if (i === undefined) continue;
          ours++;
          seenCount[i]!++;
          if (committedAtMs[i] === 0) committedAtMs[i] = now;
          if (accepted[i] !== 1) unexpected++;
        }
        if (ours > 0) lastCommitMs = now;
        blocks++;
        maxBlockTxs = Math.max(maxBlockTxs, block.txs.length);
        blockStamps.push({ timestampMs: block.header.timestampMs, txs: ours });
        nextHeight++;
      }
    };
    const reader = (async () => {
      while (!readerStop) {
        await readBlocks().catch((e) => say(`block reader: ${e.message}`));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();

    // Process sampler (only for a node this tool started).
    const pid = proc?.child.pid ?? null;
    const samples: ProcSample[] = [];
    const sample = async () => {
      if (pid === null) return;
      const s = await readProcSample(pid);
      if (s) samples.push(s);
    };
    await sample();
    const sampler = setInterval(() => void sample(), 1000);

    say(
      `sending for ${opts.durationS} s at ${
        opts.rate > 0 ? `${opts.rate} tx/s` : "full speed"
      } ...`,
    );
    const t0 = Date.now();
    const deadline = t0 + opts.durationS * 1000;
    let nextBatch = 0;
    let submitted = 0;
    const url = `${baseUrl}/api/v1/transactions${opts.batch === 1 ? "" : "/batch"}`;
    const sender = async () => {
      for (;;) {
        const b = nextBatch++;
        if (b >= batches.length) return;
        if (opts.rate > 0) {
          const dueMs = t0 + (b * opts.batch / opts.rate) * 1000;
          if (dueMs > Date.now()) await new Promise((r) => setTimeout(r, dueMs - Date.now()));
        }
        if (Date.now() >= deadline) return;
        const first = b * opts.batch;
        const count = Math.min(opts.batch, total - first);
        const sentAt = Date.now();
        for (let i = first; i < first + count; i++) submittedAtMs[i] = sentAt;
        submitted += count;
        try {
          const res = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: batches[b]!,
          });
          const answer = await res.json() as
            & { results?: ({ status?: string } & { error?: { code: string } })[] }
            & { status?: string; error?: { code: string } };
          const results = opts.batch === 1 ? [answer] : answer.results;
          if (!results) {
            httpErrors += count;
            const code = answer.error?.code ?? `HTTP_${res.status}`;
            rejectedByCode[code] = (rejectedByCode[code] ?? 0) + count;
            continue;
          }
          results.forEach((r, k) => {
            if (r.status === "pending") accepted[first + k] = 1;
            else {
              const code = r.error?.code ?? "UNKNOWN";
              rejectedByCode[code] = (rejectedByCode[code] ?? 0) + 1;
            }
          });
        } catch {
          httpErrors += count;
        }
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, sender));
    const sendEnd = Date.now();
    const sendSeconds = (sendEnd - t0) / 1000;
    let acceptedCount = 0;
    for (let i = 0; i < total; i++) acceptedCount += accepted[i]!;
    say(
      `sent ${submitted} in ${sendSeconds.toFixed(1)} s; ${acceptedCount} accepted; draining ...`,
    );

    // Drain: wait until every accepted transaction is in a block, or no progress.
    let lastProgress = Date.now();
    let lastCommitted = -1;
    for (;;) {
      let committed = 0;
      for (let i = 0; i < total; i++) if (accepted[i] === 1 && seenCount[i]! > 0) committed++;
      if (committed >= acceptedCount) break;
      if (committed !== lastCommitted) {
        lastCommitted = committed;
        lastProgress = Date.now();
      } else if (Date.now() - lastProgress > opts.drainTimeoutS * 1000) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    readerStop = true;
    await reader;
    await readBlocks().catch(() => {});
    clearInterval(sampler);
    await sample();
    if (opts.metricsOut) {
      await Deno.writeTextFile(opts.metricsOut, await (await fetch(`${baseUrl}/metrics`)).text());
    }

    let committed = 0, lost = 0, duplicated = 0;
    const latencies: number[] = [];
    for (let i = 0; i < total; i++) {
      if (seenCount[i]! > 1) duplicated++;
      if (accepted[i] !== 1) continue;
      if (seenCount[i]! === 0) lost++;
      else {
        committed++;
        latencies.push(committedAtMs[i]! - submittedAtMs[i]!);
      }
    }
    const sorted = Float64Array.from(latencies).sort();
    const inWindow = blockStamps
      .filter((b) => b.timestampMs >= t0 && b.timestampMs <= sendEnd)
      .reduce((n, b) => n + b.txs, 0);
    const first = samples[0], last = samples[samples.length - 1];
    return {
      nodeStarted: proc !== null,
      accounts: wallets.length,
      presigned: total,
      signSeconds,
      sendSeconds,
      submitted,
      accepted: acceptedCount,
      rejectedByCode,
      httpErrors,
      committed,
      lost,
      duplicated,
      unexpected,
      submitTps: Math.round(submitted / sendSeconds),
      acceptedTps: Math.round(acceptedCount / sendSeconds),
      committedTpsInWindow: Math.round(inWindow / sendSeconds),
      committedTpsOverall: lastCommitMs > t0
        ? Math.round(committed / ((lastCommitMs - t0) / 1000))
        : 0,
      latencyMs: {
        p50: percentile(sorted, 0.5),
        p95: percentile(sorted, 0.95),
        p99: percentile(sorted, 0.99),
        max: percentile(sorted, 1),
      },
      blocks,
      maxBlockTxs,
      node: first && last
        ? {
          pid,
          rssStartBytes: first.rssBytes,
          rssEndBytes: last.rssBytes,
          peakRssBytes: Math.max(...samples.map((s) => s.peakRssBytes)),
          cpuCoresAvg:
            Math.round(((last.cpuSeconds - first.cpuSeconds) / ((Date.now() - t0) / 1000)) * 100) /
            100,
        }
        : null,
    };
  } finally {
    if (proc) await proc.kill("SIGTERM");
    if (dataDir) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}
