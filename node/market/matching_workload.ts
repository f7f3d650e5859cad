/**
 * The workload of the matcher benchmarks (matching_bench.ts) and of the
 * paired A/B tool (tools/matching_ab.ts): a 100,000-order book, blocks of
 * order ops, and what the match worker does to its input (the match codec,
 * pooled and shared strings), plus the clocks they read. Deterministic: the same calls
 * give the same orders in every process. Not used by the node.
 */
import type { GridTopology } from "./location.ts";
import { DEFAULT_GRID_TOPOLOGY } from "./location.ts";
import type { MarketOp } from "./matching.ts";
import { createOrder, type Order } from "./order.ts";
import { DEFAULT_MARKET_PARAMS } from "./params.ts";
import type { IdleCollector } from "../../workers/match_idle_gc.ts";
import {
  decodeOps,
  decodeOrders,
  encodeOps,
  encodeOrders,
  getTransferables,
  type WireOps,
} from "../../workers/match_codec.ts";
import { StringPool } from "../../workers/match_protocol.ts";

const params = DEFAULT_MARKET_PARAMS;

const LOCATIONS = DEFAULT_GRID_TOPOLOGY.substations.map((s) => s.id);
/** The default topology with capacities no block can fill. */
export const AMPLE_TOPOLOGY: GridTopology = {
  ...DEFAULT_GRID_TOPOLOGY,
  substations: DEFAULT_GRID_TOPOLOGY.substations.map((s) => ({ ...s, capacityKw: 10_000_000 })),
  links: DEFAULT_GRID_TOPOLOGY.links.map((l) => ({ ...l, capacityKw: 10_000_000 })),
};

let rng = 12345;
function next(n: number): number {
  rng = (Math.imul(rng, 1103515245) + 12345) >>> 0;
  return (rng >>> 8) % n;
}

/** 32-bit mix (murmur3 finaliser): distinct inputs give distinct, random-looking outputs. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}
/** A flat string (like a decoded tx field): `prefix`, then `length` characters of `alphabet` derived from `n`. */
function idText(prefix: string, n: number, length: number, alphabet: string): string {
  const codes: number[] = [];
  for (let i = 0; i < prefix.length; i++) codes.push(prefix.charCodeAt(i));
  for (let k = 0; codes.length < length; k++) {
    let w = mix32(n * 16 + k);
    for (let j = 0; j < 4 && codes.length < length; j++, w >>>= 8) {
      codes.push(alphabet.charCodeAt((w & 255) % alphabet.length));
    }
  }
  return String.fromCharCode(...codes);
}
const OWNERS = Array.from(
  { length: 5_000 },
  (_, i) => idText("gtx1", i, 42, "023456789acdefghjklmnpqrstuvwxyz"),
);
let seq = 0;

/** The next order of the workload (ids 64 hex characters, owners 42-character `gtx1...`, 1,000 Wh). */
export function order(side: "buy" | "sell", price: number): Order {
  return createOrder(
    {
      id: idText("", seq + 1, 64, "0123456789abcdef"),
      owner: OWNERS[next(OWNERS.length)]!,
      side,
      amountWh: 1000,
      priceSatangPerKwh: price,
      source: side === "sell" ? "solar" : null,
      location: LOCATIONS[next(LOCATIONS.length)]!,
      expiresAtMs: 4_000_000_000_000,
    },
    ++seq,
    params,
  );
}

/** The benchmarks' book: 50,000 asks at 5001..5500 and 50,000 bids at 4500..4999 satang/kWh. */
export function bookOrders(): Order[] {
  const orders: Order[] = [];
  for (let i = 0; i < 50_000; i++) {
    orders.push(order("sell", 5001 + next(500)), order("buy", 4500 + next(500)));
  }
  return orders;
}

/** `n` orders, alternating buy/sell; with `crossing`, every other pair crosses the spread. */
export function block(n: number, crossing = true): MarketOp[] {
  const ops: MarketOp[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const buy = (i & 1) === 0;
    const cross = crossing && (i & 2) === 0;
    const price = buy ? (cross ? 5600 : 4500 + next(500)) : (cross ? 4400 : 5001 + next(500));
    ops[i] = { type: "place", order: order(buy ? "buy" : "sell", price) };
  }
  return ops;
}

/** The `q` quantile of `xs` (nearest rank: the smallest value with at least a share `q` at or below it). */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
}

/** `clock_gettime(CLOCK_THREAD_CPUTIME_ID)` through libc (needs --allow-ffi), or null. */
function openThreadClock(): (() => number) | null {
  try {
    const libc = Deno.dlopen("libc.so.6", {
      clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
    });
    const CLOCK_THREAD_CPUTIME_ID = 3;
    const timespec = new BigInt64Array(2);
    return () => {
      libc.symbols.clock_gettime(CLOCK_THREAD_CPUTIME_ID, timespec);
      return Number(timespec[0]!) * 1e3 + Number(timespec[1]!) / 1e6;
    };
  } catch {
    return null;
  }
}
/** Opened on first use (only the `--blocks` mode reads it: `deno bench` asks for no FFI permission). */
let threadClock: (() => number) | null | undefined;

/**
 * CPU time of this thread so far, ms, or null where it cannot be read
 * (not Linux, or no --allow-ffi). Steadier than wall time on a shared
 * machine: time the thread waits for a core is not counted. (Not
 * /proc/thread-self/schedstat: for the running thread it is only updated at
 * scheduler ticks, 4 ms apart.)
 */
export function threadCpuMs(): number | null {
  if (threadClock === undefined) threadClock = openThreadClock();
  return threadClock === null ? null : threadClock();
}

/** Name (as in /proc, cut to 15 bytes) of V8's helper threads, which sweep after a full collection. */
const V8_HELPER_THREAD = "V8 DefaultWorke";
/** Fallback wait where the helper threads' CPU time cannot be read (not Linux, no --allow-read). */
const HELPER_SETTLE_FALLBACK_MS = 200;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** CPU time so far of V8's helper threads in this process, ms, or null where unreadable. */
function helperThreadsCpuMs(): number | null {
  try {
    let ms = 0;
    for (const t of Deno.readDirSync("/proc/self/task")) {
      const dir = `/proc/self/task/${t.name}`;
      try {
        if (Deno.readTextFileSync(`${dir}/comm`).trim() !== V8_HELPER_THREAD) continue;
        ms += Number(Deno.readTextFileSync(`${dir}/schedstat`).split(" ")[0]) / 1e6;
      } catch {
        // The thread ended meanwhile.
      }
    }
    return ms;
  } catch {
    return null;
  }
}

/**
 * Wait (blocking, outside the timed step) until V8's helper threads are idle;
 * returns the wait, ms. Why: after a full collection V8 sweeps the old
 * generation on those threads for another 30-100 ms (at 100k-800k resting
 * orders). In the node the next block comes a block time later (2 s by
 * default), long after that; back to back, the sweeping ran during the next
 * timed block and, on a 2-core machine with any other load, took the matching
 * thread's core (default topology, 200 blocks: wall p99 31 ms at a
 * main-thread CPU p99 of 20 ms).
 */
export function awaitHelperThreadsIdle(): number {
  const t0 = performance.now();
  const first = helperThreadsCpuMs();
  if (first === null) {
    Atomics.wait(sleepCell, 0, 0, HELPER_SETTLE_FALLBACK_MS);
    return performance.now() - t0;
  }
  // Idle = under 0.05 ms of helper CPU in a 2 ms poll; give up after 1 s.
  let last: number = first;
  for (let polls = 0; polls < 500; polls++) {
    Atomics.wait(sleepCell, 0, 0, 2);
    const now: number = helperThreadsCpuMs() ?? last;
    if (now - last < 0.05) break;
    last = now;
  }
  return performance.now() - t0;
}

/** The strings the worker's `MatchSession` shares, pooled as it pools them. */
const strings = new StringPool();

/**
 * The ops as the match worker hands them to `matchBlock`, from `wire`
 * ({@link encodeOps} of them, done by the sender): the packed columns
 * structured-cloned (the message the worker receives), decoded, and then
 * given the shared strings its `MatchSession` gives them.
 */
export function receiveOps(wire: WireOps): MarketOp[] {
  const received = decodeOps(structuredClone(wire, { transfer: getTransferables(wire.columns) }));
  for (const op of received) if (op.type === "place") strings.shareStrings(op.order);
  return received;
}

/**
 * Resting orders as the match worker loads them (a `load` request): packed,
 * structured-cloned, decoded, given the shared strings; `OrderBook.fromOrders`
 * of them is the worker's replica.
 */
export function receiveOrders(orders: Order[]): Order[] {
  const wire = encodeOrders(orders);
  const received = decodeOrders(
    structuredClone(wire, { transfer: getTransferables(wire.columns) }),
  );
  for (const o of received) strings.shareStrings(o);
  return received;
}

/**
 * What the match worker does between blocks, untimed: grow the book's indexes
 * for the next block (`reserveForBlock` of its `BookCore`, here of any tree's
 * book) and collect while idle, wait for V8's helper threads (see
 * {@link awaitHelperThreadsIdle}); then the next block's ops arrive.
 */
export function idleBetweenBlocks(
  core: { reserveForBlock(blockOrders: number): void },
  idle: IdleCollector,
  ops: MarketOp[],
): { collection: ReturnType<IdleCollector["collect"]>; settleMs: number; ops: MarketOp[] } {
  core.reserveForBlock(ops.length);
  // The main thread packs the ops: its garbage is not in the worker's heap.
  const wire = encodeOps(ops);
  const collection = idle.collect();
  const settleMs = awaitHelperThreadsIdle();
  return { collection, settleMs, ops: receiveOps(wire) };
}
