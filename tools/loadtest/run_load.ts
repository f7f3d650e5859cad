/**
 * The load test: starts one node or N validators in child processes (or
 * targets a running node), funds deterministic wallets at genesis, pre-signs
 * transfers or matching energy orders, drives them at a rate or flat-out for
 * a duration, and measures what the chain committed by reading blocks (and
 * trades) back through the API (never from the HTTP answers alone).
 */
import { startLoadNodes } from "./load_nodes.ts";
import { computeGenesisExtras, type LoadKind, presignLoad } from "./load_txs.ts";
import { type ProcSample, readProcSample } from "./proc_stats.ts";
import { TradeFollower } from "./trade_reader.ts";
import { createLoadWallets } from "./wallets.ts";

/** Options of {@link runLoadTest} (the CLI flags, see main.ts). */
export interface LoadOptions {
  /** Base URL of a running node; when absent a node is started. */
  target?: string;
  accounts: number;
  /** Transactions per second to submit; 0 = as fast as the node answers. */
  rate: number;
  durationS: number;
  /** `transfer`, or `orders`: sell/buy energy orders that match (see load_txs.ts). */
  kind: LoadKind;
  /** Validators to start on 127.0.0.1 (default 1); ignored with `target`. */
  validators?: number;
  /** Transactions per HTTP request; 1 uses POST /transactions, more the batch endpoint. */
  batch: number;
  /** HTTP requests in flight. */
  concurrency: number;
  /** Most transactions to pre-sign (flat-out runs stop early when they run out). */
  maxTxs: number;
  blockTimeMs: number;
  maxBlockTxs: number;
  /** `[p2p] max_message_bytes` of started validators (default: the node's, 1 MiB). */
  maxMessageBytes?: number;
  /** `[consensus] pow_target_fraction_bps` of started nodes (default: the node's, 500). */
  powTargetFractionBps?: number;
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
  latencyMs: Percentiles;
  /** Orders only: trades read back from GET /energy/trades. */
  trades: {
    count: number;
    /** Trades in blocks stamped within the send window, per second of it. */
    perSecondInWindow: number;
    /** Orders of this run that appeared in at least one trade. */
    ordersTraded: number;
    /** Submission -> first trade of the order readable through the API. */
    visibleLatencyMs: Percentiles;
  } | null;
  validators: number;
  /** Block timestamp (set by its proposer) -> block readable at the first node. */
  finalityMs: Percentiles;
  /** finalityMs / block time. */
  finalityBlockTimes: { p50: number; p99: number };
  /**
   * finalityMs of the blocks stamped {@link WARM_UP_MS} or more after the first
   * submission: without the first loaded blocks of freshly started nodes
   * (cold code and workers, transactions not yet gossiped), which are about
   * all of the p99 of a 20 s run. Both figures are reported.
   */
  finalityWarmMs: Percentiles;
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

/** Latency percentiles, ms. */
export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Start of the sending window left out of {@link LoadReport.finalityWarmMs}. */
export const WARM_UP_MS = 3_000;

function percentiles(values: number[]): Percentiles {
  const sorted = Float64Array.from(values).sort();
  return {
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    max: percentile(sorted, 1),
  };
}

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

/** Runs one load test; see {@link LoadOptions}. Stops the nodes it started. */
export async function runLoadTest(opts: LoadOptions): Promise<LoadReport> {
  const say = opts.progress ?? (() => {});
  const wallets = await createLoadWallets(opts.seed, opts.accounts);
  const validators = opts.target ? 1 : opts.validators ?? 1;
  let urls = opts.target ? [opts.target.replace(/\/+$/, "")] : [];
  let nodes: Awaited<ReturnType<typeof startLoadNodes>> | null = null;
  try {
    if (!opts.target) {
      say(`starting ${validators} validator(s) ...`);
      nodes = await startLoadNodes(
        {
          validators,
          blockTimeMs: opts.blockTimeMs,
          maxBlockTxs: opts.maxBlockTxs,
          mempoolMax: Math.max(100_000, opts.maxTxs),
          ...(opts.maxMessageBytes === undefined ? {} : { maxMessageBytes: opts.maxMessageBytes }),
          ...(opts.powTargetFractionBps === undefined
            ? {}
            : { powTargetFractionBps: opts.powTargetFractionBps }),
        },
        computeGenesisExtras(opts.kind, wallets),
      );
      urls = nodes.urls;
      say(
        `nodes started: ${
          nodes.procs.map((p) => `pid ${p.child.pid} ${p.baseUrl}`).join(", ")
        }; data ${nodes.dataDirs.join(", ")}`,
      );
    }
    const baseUrl = urls[0]!;
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
    const txs = await presignLoad(opts.kind, wallets, nonces, status.network_id, total);
    const signSeconds = (performance.now() - signStart) / 1000;
    const indexOfKey = new Map<string, number>();
    txs.forEach((t, i) => indexOfKey.set(t.key, i));
    const indexOfId = new Map<string, number>();
    if (opts.kind === "orders") txs.forEach((t, i) => indexOfId.set(t.id, i));

    // Batches: a wallet always sends to the same node (wallet index mod nodes),
    // so its nonces arrive in order; batches of all nodes interleave in time.
    const perNode: number[][] = urls.map(() => []);
    for (let k = 0; k < total; k++) perNode[(k % wallets.length) % urls.length]!.push(k);
    const batches: { node: number; indices: number[]; body: string }[] = [];
    for (let start = 0;; start += opts.batch) {
      let any = false;
      perNode.forEach((list, node) => {
        const indices = list.slice(start, start + opts.batch);
        if (indices.length === 0) return;
        any = true;
        const slice = indices.map((i) => txs[i]!.json);
        const body = opts.batch === 1 ? slice[0]! : `{"transactions":[${slice.join(",")}]}`;
        batches.push({ node, indices, body });
      });
      if (!any) break;
    }
    const submittedAtMs = new Float64Array(total);
    const committedAtMs = new Float64Array(total);
    const tradedAtMs = new Float64Array(total);
    const accepted = new Uint8Array(total);
    const seenCount = new Uint16Array(total);
    const rejectedByCode: Record<string, number> = {};
    let httpErrors = 0;
    let unexpected = 0;
    let blocks = 0;
    let maxBlockTxs = 0;
    const finality: { ms: number; timestampMs: number }[] = [];

    // Block reader: follows the head of the first node and records when each
    // transaction shows up, and each block's finality.
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
        if (nextHeight === head) {
          finality.push({
            ms: now - block.header.timestampMs,
            timestampMs: block.header.timestampMs,
          });
        }
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
    const pollMs = validators > 1 ? 50 : 100;
    const reader = (async () => {
      while (!readerStop) {
        await readBlocks().catch((e) => say(`block reader: ${e.message}`));
        await new Promise((r) => setTimeout(r, pollMs));
      }
    })();
    const trades = opts.kind === "orders"
      ? new TradeFollower(baseUrl, (id) => indexOfId.get(id), (i, now) => {
        if (tradedAtMs[i] === 0) tradedAtMs[i] = now;
      })
      : null;
    const tradeReader = (async () => {
      while (trades && !readerStop) {
        await trades.poll().catch((e) => say(`trade reader: ${e.message}`));
        // As often as the block reader: 250 ms added ~125 ms on average to "trade visible".
        await new Promise((r) => setTimeout(r, pollMs));
      }
    })();

    // Process sampler (only for nodes this tool started).
    const pids = nodes?.procs.map((p) => p.child.pid) ?? [];
    const samples: ProcSample[][] = pids.map(() => []);
    const sample = async () => {
      await Promise.all(pids.map(async (pid, n) => {
        const s = await readProcSample(pid);
        if (s) samples[n]!.push(s);
      }));
    };
    await sample();
    const sampler = setInterval(() => void sample(), 1000);

    say(
      `sending for ${opts.durationS} s at ${
        opts.rate > 0 ? `${opts.rate} tx/s` : "full speed"
      } to ${urls.length} node(s) ...`,
    );
    const t0 = Date.now();
    const deadline = t0 + opts.durationS * 1000;
    let nextBatch = 0;
    let submitted = 0;
    let queued = 0;
    const endpoint = `/api/v1/transactions${opts.batch === 1 ? "" : "/batch"}`;
    const sender = async () => {
      for (;;) {
        const b = nextBatch++;
        if (b >= batches.length) return;
        const { node, indices, body } = batches[b]!;
        if (opts.rate > 0) {
          const dueMs = t0 + (queued / opts.rate) * 1000;
          queued += indices.length;
          if (dueMs > Date.now()) await new Promise((r) => setTimeout(r, dueMs - Date.now()));
        }
        if (Date.now() >= deadline) return;
        const count = indices.length;
        const sentAt = Date.now();
        for (const i of indices) submittedAtMs[i] = sentAt;
        submitted += count;
        try {
          const res = await fetch(`${urls[node]}${endpoint}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body,
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
            if (r.status === "pending") accepted[indices[k]!] = 1;
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
    await Promise.all(Array.from({ length: opts.concurrency * urls.length }, sender));
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
    await tradeReader;
    await readBlocks().catch(() => {});
    await trades?.poll().catch(() => {});
    clearInterval(sampler);
    await sample();
    if (opts.metricsOut) {
      await Deno.writeTextFile(opts.metricsOut, await (await fetch(`${baseUrl}/metrics`)).text());
    }

    let committed = 0, lost = 0, duplicated = 0, ordersTraded = 0;
    const latencies: number[] = [];
    const tradeLatencies: number[] = [];
    for (let i = 0; i < total; i++) {
      if (seenCount[i]! > 1) duplicated++;
      if (tradedAtMs[i]! > 0) {
        ordersTraded++;
        tradeLatencies.push(tradedAtMs[i]! - submittedAtMs[i]!);
      }
      if (accepted[i] !== 1) continue;
      if (seenCount[i]! === 0) lost++;
      else {
        committed++;
        latencies.push(committedAtMs[i]! - submittedAtMs[i]!);
      }
    }
    const inWindow = blockStamps
      .filter((b) => b.timestampMs >= t0 && b.timestampMs <= sendEnd)
      .reduce((n, b) => n + b.txs, 0);
    const finalityMs = percentiles(finality.map((f) => f.ms));
    const finalityWarmMs = percentiles(
      finality.filter((f) => f.timestampMs >= t0 + WARM_UP_MS).map((f) => f.ms),
    );
    const round2 = (x: number) => Math.round(x * 100) / 100;
    const elapsedS = (Date.now() - t0) / 1000;
    const firsts = samples.map((s) => s[0]).filter((s) => s !== undefined);
    const lasts = samples.map((s) => s[s.length - 1]).filter((s) => s !== undefined);
    return {
      nodeStarted: nodes !== null,
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
      latencyMs: percentiles(latencies),
      trades: trades === null ? null : {
        count: trades.count,
        perSecondInWindow: Math.round(
          trades.timestamps.filter((t) => t >= t0 && t <= sendEnd).length / sendSeconds,
        ),
        ordersTraded,
        visibleLatencyMs: percentiles(tradeLatencies),
      },
      validators,
      finalityMs,
      finalityBlockTimes: {
        p50: round2(finalityMs.p50 / opts.blockTimeMs),
        p99: round2(finalityMs.p99 / opts.blockTimeMs),
      },
      finalityWarmMs,
      blocks,
      maxBlockTxs,
      node: firsts.length > 0 && lasts.length > 0
        ? {
          pid: pids[0] ?? null,
          rssStartBytes: firsts[0]!.rssBytes,
          rssEndBytes: lasts[0]!.rssBytes,
          peakRssBytes: Math.max(...samples.flat().map((s) => s.peakRssBytes)),
          cpuCoresAvg: round2(
            lasts.reduce((n, s) => n + s.cpuSeconds, 0) / elapsedS -
              firsts.reduce((n, s) => n + s.cpuSeconds, 0) / elapsedS,
          ),
        }
        : null,
    };
  } finally {
    await nodes?.stop();
  }
}
