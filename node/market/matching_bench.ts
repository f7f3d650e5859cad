/**
 * Matcher benchmarks. Run: `deno bench -A --v8-flags=--expose-gc node/market/matching_bench.ts`
 * (results and the machine they ran on: docs/performance.md, "Order matching").
 * One iteration of a block benchmark is one 10,000-order block, so order
 * operations per second = 10,000 x the `iter/s` column; `deno bench` also
 * prints the p99 of the iterations. The "worker" group runs the matching step
 * as the match worker does (see `--idle-gc` below; without
 * `--v8-flags=--expose-gc` it runs without the idle collections).
 *
 * Book: 100,000 resting orders (50k asks 5001..5500, 50k bids 4500..4999
 * satang/kWh, 1,000 Wh each, 9 substations, 5,000 owners). Ids look like the
 * chain's: order ids are 64 hex characters (transaction hashes), owners are
 * 42-character `gtx1...` addresses. A "mixed" block holds 10,000 orders: half
 * rest without crossing, half cross the spread and take one resting order
 * (5,000 trades, each with its certificate), so the book stays at ~100k.
 * ops/s = 10,000 / time per block.
 *
 * Many blocks with manual timers (min / median / p99), each phase apart:
 * `deno run node/market/matching_bench.ts --blocks 200`; add `--fills-only`
 * to run only the matching step (no certificates, no settlement, so their
 * garbage does not land in the matching step's collections). The matching
 * step's main-thread CPU time is reported too (Linux, needs --allow-ffi). Add
 * `--idle-gc` (needs `deno run --v8-flags=--expose-gc`) to do between blocks,
 * outside the timed step, what the match worker does between blocks: grow
 * the book's indexes ahead of the next block (`MatchSession.prepareForNextBlock`)
 * and an idle collection (workers/match_idle_gc.ts), then wait until V8's
 * helper threads are idle (after a full collection they sweep for another
 * 30-100 ms; in the node the next block comes a block time later, not at
 * once), then the ops arrive as the worker receives them: packed by the
 * match codec (before the collection: the sender's garbage is not in the
 * worker's heap), the packed columns structured-cloned and decoded, and the
 * strings pooled and shared as the worker's session does (the book, likewise,
 * is loaded as the worker loads it); the idle collections and the warm-up
 * blocks (see WARM_UP_BLOCKS) are reported on their own lines.
 *
 * Phases, so that "the matching step" is measured honestly: `matchBlockFills`
 * (fills only, certificate ids left empty), `assignCertificateIds` (the v2
 * trade root: one SHA-256 over the block's trades) next to the v1 cost (one
 * SHA-256 per trade), and the chain's settlement of the result
 * (`applyMatchResult` into a state overlay).
 */
import { GridState } from "./grid_state.ts";
import type { GridTopology } from "./location.ts";
import { DEFAULT_GRID_TOPOLOGY } from "./location.ts";
import { type MarketOp, matchBlock, matchBlockFills, type MatchResult } from "./matching.ts";
import { assignCertificateIds } from "./certificate.ts";
import { computeCertificateIdV1 } from "./trade.ts";
import { applyMatchResult as settleMatchResult } from "./chain/market_end_block.ts";
import { MemoryState, StateOverlay } from "../chain/state.ts";
import type { BlockContext } from "../chain/transition.ts";
import { OrderBook } from "./order_book.ts";
import { BOOK_CORE } from "./book_core.ts";
import { DEFAULT_MARKET_PARAMS } from "./params.ts";
import { IdleCollector } from "../../workers/match_idle_gc.ts";
import {
  AMPLE_TOPOLOGY,
  block,
  bookOrders,
  idleBetweenBlocks,
  quantile,
  receiveOrders,
  threadCpuMs,
} from "./matching_workload.ts";

const params = DEFAULT_MARKET_PARAMS;

/**
 * Blocks run before the measured ones. After a start (or a replica load) the
 * matcher runs up to twice as slow for ~25 blocks while V8 optimises and
 * re-optimises it and the codec around it (seen with `--trace-opt`); the
 * figures are for a node that has been running a while.
 */
const WARM_UP_BLOCKS = 30;

/**
 * The 100k-order book. `asWorker`: loaded as the match worker loads it (through
 * the match codec, with shared strings, then `OrderBook.fromOrders`), so its
 * orders have the same object shapes as the ops the worker receives.
 */
function setup(topology: GridTopology, asWorker = false) {
  let book = new OrderBook();
  const orders = bookOrders();
  if (asWorker) {
    book = OrderBook.fromOrders(receiveOrders(orders));
  } else {
    for (const o of orders) book.insert(o);
  }
  return { book, grid: new GridState(topology), height: 0, ts: 1_768_446_000_000 };
}

const SCENARIOS = [
  ["ample capacity", AMPLE_TOPOLOGY],
  ["default topology (substations fill up)", DEFAULT_GRID_TOPOLOGY],
] as const;

type Setup = ReturnType<typeof setup>;

/** Match one block of `ops` (timed part only) and return its duration in ms. */
function timeBlock(s: Setup, ops: MarketOp[]): number {
  s.ts += 60_000;
  const t0 = performance.now();
  matchBlock(s.book, s.grid, ops, { height: ++s.height, timestampMs: s.ts, params });
  return performance.now() - t0;
}

/** Cancel what a block of resting inserts added (keeps the book at ~100k). */
function cancelAll(s: Setup, ops: MarketOp[]): void {
  const cancels: MarketOp[] = ops.map((op) =>
    op.type === "place" ? { type: "cancel", orderId: op.order.id, owner: op.order.owner } : op
  );
  matchBlock(s.book, s.grid, cancels, { height: ++s.height, timestampMs: s.ts, params });
}

/** Settle a result into a fresh overlay over an empty state (accounts start at 0). */
function settle(r: MatchResult, ops: MarketOp[]): void {
  const overlay = new StateOverlay(new MemoryState());
  settleMatchResult(overlay, r, { height: r.height } as BlockContext, ops);
}

if (Deno.args[0] === "--blocks") {
  // Manual timers over many blocks: `deno run node/market/matching_bench.ts --blocks 200`.
  const n = Number(Deno.args[1] ?? 100);
  const fillsOnly = Deno.args.includes("--fills-only");
  const idle = Deno.args.includes("--idle-gc") ? new IdleCollector() : null;
  if (idle !== null && !idle.enabled) {
    throw new Error("--idle-gc needs the gc global: deno run --v8-flags=--expose-gc ...");
  }
  const report = (name: string, ms: number[], perSecond = true) => {
    const at = (q: number) => quantile(ms, q);
    const f = (x: number) => x.toFixed(1).padStart(6);
    console.log(
      `${name.padEnd(58)} min ${f(Math.min(...ms))}  median ${f(at(0.5))}  p99 ${
        f(at(0.99))
      }  max ${f(Math.max(...ms))} ms${
        perSecond
          ? `  (${Math.round(10_000 / at(0.5) * 1000).toLocaleString("en")} orders/s at the median)`
          : ""
      }`,
    );
  };
  console.log(`load average: ${Deno.readTextFileSync("/proc/loadavg").trim()}`);
  for (const [name, topology] of SCENARIOS) {
    const s = setup(topology, idle !== null);
    const all: number[] = [], fills: number[] = [], certs: number[] = [], v1: number[] = [];
    const settles: number[] = [], idleMs: number[] = [], fillsCpu: number[] = [];
    const settleMs: number[] = [], warmUp: number[] = [];
    let majors = 0;
    for (let i = 0; i < n + WARM_UP_BLOCKS; i++) {
      let ops = block(10_000);
      if (idle !== null) {
        const idleStep = idleBetweenBlocks(s.book[BOOK_CORE], idle, ops);
        const c = idleStep.collection!;
        if (i >= WARM_UP_BLOCKS) {
          idleMs.push(c.durationMs);
          settleMs.push(idleStep.settleMs);
          if (c.kind === "major") majors++;
        }
        ops = idleStep.ops;
      }
      s.ts += 60_000;
      const c0 = threadCpuMs();
      const t0 = performance.now();
      // As the worker calls it (idle mode): `changed` shares the book's orders.
      const r = matchBlockFills(s.book, s.grid, ops, {
        height: ++s.height,
        timestampMs: s.ts,
        params,
      }, { shareChangedOrders: idle !== null });
      const t1 = performance.now();
      const c1 = threadCpuMs();
      if (!fillsOnly) assignCertificateIds(r.height, r.interval, r.trades);
      const t2 = performance.now();
      if (!fillsOnly) { for (const t of r.trades) computeCertificateIdV1(t); }
      const t3 = performance.now();
      if (!fillsOnly) settle(r, ops);
      const t4 = performance.now();
      if (i < WARM_UP_BLOCKS) warmUp.push(t1 - t0);
      else {
        fills.push(t1 - t0);
        if (c0 !== null && c1 !== null) fillsCpu.push(c1 - c0);
        certs.push(t2 - t1);
        all.push(t2 - t0);
        v1.push(t3 - t2);
        settles.push(t4 - t3);
      }
    }
    report(
      `  the ${WARM_UP_BLOCKS} warm-up blocks before (not in the figures below)`,
      warmUp,
      false,
    );
    if (idle !== null) {
      report(`  idle collections between blocks (untimed; ${majors} major)`, idleMs, false);
      report(`  then waits for V8's helper threads (untimed)`, settleMs, false);
    }
    const cpuLine = () => {
      if (fillsCpu.length > 0) report(`  main-thread CPU time of matchBlockFills`, fillsCpu);
    };
    if (fillsOnly) {
      report(`10,000 orders, 50% crossing, ${name}: matchBlockFills`, fills);
      cpuLine();
      continue;
    }
    report(`10,000 orders, 50% crossing, ${name}: matchBlock`, all);
    report(`  of which matching (fills)`, fills);
    cpuLine();
    report(`  of which v2 certificates (trade root)`, certs);
    report(`  (v1 certificates, one SHA-256 per trade)`, v1);
    report(`  settlement into state (applyMatchResult)`, settles);
  }
  {
    const s = setup(AMPLE_TOPOLOGY);
    const ms: number[] = [];
    for (let i = 0; i < n + WARM_UP_BLOCKS; i++) {
      const ops = block(10_000, false);
      const t = timeBlock(s, ops);
      cancelAll(s, ops);
      if (i >= WARM_UP_BLOCKS) ms.push(t);
    }
    report("10,000 resting inserts (no crossing)", ms);
  }
} else {
  for (const [name, topology] of SCENARIOS) {
    let f: Setup | undefined;
    Deno.bench(
      `matchBlockFills (no certificates): 10,000 orders (50% crossing), 100,000-order book, ${name}`,
      { group: "fills" },
      (b) => {
        f ??= setup(topology);
        const ops = block(10_000);
        f.ts += 60_000;
        b.start();
        matchBlockFills(f.book, f.grid, ops, { height: ++f.height, timestampMs: f.ts, params });
        b.end();
      },
    );
    let s: Setup | undefined;
    Deno.bench(
      `matchBlock: 10,000 orders (50% crossing) on a 100,000-order book, ${name}`,
      { group: "block" },
      (b) => {
        s ??= setup(topology);
        const ops = block(10_000);
        s.ts += 60_000;
        b.start();
        matchBlock(s.book, s.grid, ops, { height: ++s.height, timestampMs: s.ts, params });
        b.end();
      },
    );
  }

  for (const [name, topology] of SCENARIOS) {
    let w: Setup | undefined;
    const idle = new IdleCollector();
    Deno.bench(
      `matchBlockFills as the match worker runs it: 10,000 order ops (50% crossing), 100,000-order book, ${name}`,
      // Enough blocks for a p99 (and for the JIT: a short run measures unoptimised code).
      { group: "worker", n: 100, warmup: 1 },
      (b) => {
        const run = (s: Setup, start = () => {}, end = () => {}) => {
          let ops = block(10_000);
          if (idle.enabled) ops = idleBetweenBlocks(s.book[BOOK_CORE], idle, ops).ops;
          s.ts += 60_000;
          start();
          matchBlockFills(s.book, s.grid, ops, { height: ++s.height, timestampMs: s.ts, params }, {
            shareChangedOrders: true,
          });
          end();
        };
        if (w === undefined) {
          // The warm-up (see WARM_UP_BLOCKS) here: `deno bench`'s own warm-up runs were not enough.
          w = setup(topology, idle.enabled);
          for (let i = 0; i < WARM_UP_BLOCKS; i++) run(w);
        }
        run(w, () => b.start(), () => b.end());
      },
    );
  }

  let inserts: Setup | undefined;
  Deno.bench(
    "matchBlock: 10,000 resting inserts (no crossing) on a 100,000-order book",
    { group: "block" },
    (b) => {
      inserts ??= setup(AMPLE_TOPOLOGY);
      const ops = block(10_000, false);
      inserts.ts += 60_000;
      b.start();
      matchBlock(inserts.book, inserts.grid, ops, {
        height: ++inserts.height,
        timestampMs: inserts.ts,
        params,
      });
      b.end();
      cancelAll(inserts, ops);
    },
  );

  let certs: { r: MatchResult; ops: MarketOp[] } | undefined;
  const certSetup = () => {
    const s = setup(AMPLE_TOPOLOGY);
    const ops = block(10_000);
    return { r: matchBlock(s.book, s.grid, ops, { height: 1, timestampMs: s.ts, params }), ops };
  };
  Deno.bench(
    "v2 certificate ids of a 5,000-trade block (one trade root)",
    { group: "certs" },
    () => {
      certs ??= certSetup();
      assignCertificateIds(certs.r.height, certs.r.interval, certs.r.trades);
    },
  );
  Deno.bench(
    "v1 certificate ids of a 5,000-trade block (one SHA-256 each)",
    { group: "certs" },
    () => {
      certs ??= certSetup();
      for (const t of certs.r.trades) computeCertificateIdV1(t);
    },
  );
  Deno.bench("settlement of a 5,000-trade block into a state overlay", () => {
    certs ??= certSetup();
    settle(certs.r, certs.ops);
  });

  let single: Setup | undefined;
  Deno.bench("matchBlock: 1 order on a 100,000-order book (per-block overhead included)", () => {
    single ??= setup(AMPLE_TOPOLOGY);
    single.ts += 1;
    matchBlock(single.book, single.grid, block(1), {
      height: ++single.height,
      timestampMs: single.ts,
      params,
    });
  });
}
