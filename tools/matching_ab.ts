/**
 * Paired A/B of the matching step: two source trees' matchers, each with its
 * own copy of the same 100,000-order book, in ONE process, fed the same
 * blocks as the match worker gets them (idle collection and grown indexes
 * between blocks, input through the match codec with pooled strings; see
 * node/market/matching_workload.ts). Both trees' matchers get the input
 * this tree's codec and session make: the tool compares matchers, not codecs. Each round runs one block on A and one
 * on B, in alternating order, and compares their main-thread CPU times.
 *
 * Why: on a shared 2-core VM separate benchmark runs of the same code differ
 * by +-20 % (the host's speed drifts); the difference of paired blocks is
 * steady to ~0.3 ms at the median over 100 rounds. Both books live in one
 * heap, so absolute times run ~10-20 % above the single-book benchmark
 * (matching_bench.ts); read the paired difference, not the absolute figures.
 *
 * Usage (a tree to compare with, e.g. the last commit):
 *   git archive HEAD | (mkdir -p /tmp/base && tar -x -C /tmp/base)
 *   deno run -A --v8-flags=--expose-gc tools/matching_ab.ts --a /tmp/base [--b .] \
 *     [--topology ample|default] [--rounds 100]
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { MarketOp, MatchResult } from "../node/market/matching.ts";
import {
  AMPLE_TOPOLOGY,
  block,
  bookOrders,
  idleBetweenBlocks,
  quantile,
  receiveOrders,
  threadCpuMs,
} from "../node/market/matching_workload.ts";
import { DEFAULT_GRID_TOPOLOGY } from "../node/market/location.ts";
import type { Order } from "../node/market/order.ts";
import { DEFAULT_MARKET_PARAMS } from "../node/market/params.ts";
import { IdleCollector } from "../workers/match_idle_gc.ts";

const USAGE =
  "Usage: deno run -A --v8-flags=--expose-gc tools/matching_ab.ts --a DIR [--b DIR] [--topology ample|default] [--rounds N]";

/** What the tool needs of a tree's market module (node/market/mod.ts). */
interface MarketModule {
  OrderBook: { fromOrders(orders: unknown[]): { size: number } };
  GridState: new (topology: unknown) => unknown;
  matchBlockFills(
    book: unknown,
    grid: unknown,
    ops: MarketOp[],
    ctx: unknown,
    opts: { shareChangedOrders: boolean },
  ): MatchResult;
}

/** One side of the comparison: a tree's matcher with its own book and grid. */
interface Contender {
  name: string;
  market: MarketModule;
  reserveForBlock: (blockOrders: number) => void;
  book: { size: number };
  grid: unknown;
  cpuMs: number[];
  trades: number;
}

async function load(dir: string, topology: unknown, orders: Order[]): Promise<Contender> {
  const root = pathToFileURL(resolve(dir) + "/").href;
  const market = await import(`${root}node/market/mod.ts`) as MarketModule;
  const { BOOK_CORE } = await import(`${root}node/market/book_core.ts`);
  const book = market.OrderBook.fromOrders(receiveOrders(orders));
  // deno-lint-ignore no-explicit-any
  const core = (book as any)[BOOK_CORE];
  return {
    name: dir,
    market,
    reserveForBlock: (n) => core.reserveForBlock?.(n),
    book,
    grid: new market.GridState(topology),
    cpuMs: [],
    trades: 0,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      a: { type: "string" },
      b: { type: "string", default: "." },
      topology: { type: "string", default: "ample" },
      rounds: { type: "string", default: "100" },
    },
  });
  const rounds = Number(values.rounds);
  if (!values.a || !Number.isInteger(rounds) || rounds < 1) {
    console.error(USAGE);
    Deno.exit(2);
  }
  if (values.topology !== "ample" && values.topology !== "default") {
    console.error(`--topology must be "ample" or "default"\n${USAGE}`);
    Deno.exit(2);
  }
  const idle = new IdleCollector();
  if (!idle.enabled || threadCpuMs() === null) {
    console.error(`Needs the gc global and FFI (Linux)\n${USAGE}`);
    Deno.exit(2);
  }
  const topology = values.topology === "ample" ? AMPLE_TOPOLOGY : DEFAULT_GRID_TOPOLOGY;
  const orders = bookOrders();
  const a = await load(values.a, topology, orders);
  const b = await load(values.b, topology, orders);
  const params = DEFAULT_MARKET_PARAMS;
  let timestampMs = 1_768_446_000_000;
  const run = (c: Contender, ops: MarketOp[], height: number, record: boolean) => {
    const received = idleBetweenBlocks(c, idle, ops).ops;
    const c0 = threadCpuMs()!;
    // As the worker calls it (a tree without the option ignores it).
    const ctx = { height, timestampMs, params };
    const r = c.market.matchBlockFills(c.book, c.grid, received, ctx, { shareChangedOrders: true });
    const c1 = threadCpuMs()!;
    if (record) {
      c.cpuMs.push(c1 - c0);
      c.trades += r.trades.length;
    }
  };
  const diffs: number[] = [];
  const WARM_UP = 30;
  for (let i = 0; i < rounds + WARM_UP; i++) {
    const ops = block(10_000);
    timestampMs += 60_000;
    const record = i >= WARM_UP;
    const [first, second] = i % 2 === 0 ? [a, b] : [b, a];
    run(first, ops, i + 1, record);
    run(second, ops, i + 1, record);
    if (record) diffs.push(b.cpuMs.at(-1)! - a.cpuMs.at(-1)!);
  }
  const f = (x: number) => x.toFixed(2);
  const load1 = Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  console.log(`${values.topology} topology, ${rounds} rounds, load average ${load1}`);
  for (const c of [a, b]) {
    console.log(
      `${c === a ? "A" : "B"} ${c.name}: CPU ms median ${f(quantile(c.cpuMs, 0.5))}  p90 ${
        f(quantile(c.cpuMs, 0.9))
      }  p99 ${f(quantile(c.cpuMs, 0.99))}  (${c.trades} trades, book ${c.book.size})`,
    );
  }
  const medianA = quantile(a.cpuMs, 0.5);
  console.log(
    `B - A, paired by block: median ${f(quantile(diffs, 0.5))} ms (${
      (100 * quantile(diffs, 0.5) / medianA).toFixed(1)
    } % of A), quartiles ${f(quantile(diffs, 0.25))} .. ${f(quantile(diffs, 0.75))}`,
  );
  if (a.trades !== b.trades || a.book.size !== b.book.size) {
    console.log("NOTE: the trees made different trades or books (not the same matching rules)");
  }
}
