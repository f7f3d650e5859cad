/**
 * Continuous double auction for one block: expiry, then the block's market
 * operations in order. Pure and deterministic: same book, grid flows, ops and
 * context give the same result on every node.
 *
 * Rules (see docs/energy-trading.md):
 * - an incoming order matches resting counter-orders best price first, then
 *   lowest seq; the trade price is the resting (maker) order's price;
 * - a counter-order is skipped (left untouched, the scan goes on) when it has
 *   the same owner, the wrong source for the buy, a halted location, no grid
 *   path or no capacity left, or the buy's lock cannot pay for any Wh
 *   (the scan stops as soon as the incoming order's own substation is full);
 * - a fill is cut to the grid headroom (partial fills allowed) and to what the
 *   buy's remaining lock can pay;
 * - at most `params.maxScanPerOrder` counter-orders are examined per incoming order;
 * - an incoming order at a halted location rests without matching;
 * - what remains of an incoming order rests in the book.
 */
import { MarketError, type MarketErrorCode } from "./errors.ts";
import { computeFeeRates, isPeakHour } from "./fees.ts";
import { BOOK_CORE, type BookCore, type BookNode, type Level } from "./book_core.ts";
import type { GridFlowSnapshot, GridState, ResolvedLocation } from "./grid_state.ts";
import type { Order, Side } from "./order.ts";
import { validateOrder } from "./order.ts";
import type { OrderBook } from "./order_book.ts";
import type { DistanceClass, MarketParams } from "./params.ts";
import { validateMarketParams } from "./params.ts";
import { assignCertificateIds } from "./certificate.ts";
import type { Trade } from "./trade.ts";
import { NewRemoval, NewTrade } from "./match_records.ts";
import { computeValueSatang, floorDiv, WH_PER_KWH } from "./units.ts";

/** Block context of a match. */
export interface MatchContext {
  height: number;
  /** Block timestamp, ms since the Unix epoch (UTC). Drives expiry, interval and peak hours. */
  timestampMs: number;
  params: MarketParams;
  /** Halted regions / zones / substations (`BKK`, `BKK-01`, `BKK-01-SUB001`). */
  haltedLocations?: readonly string[];
  /**
   * Re-match the crossed resting orders before the block's ops (see
   * {@link matchBlock}): set by the chain when the halts or caps in force
   * differ from the previous block's, or a re-match is pending. A new
   * delivery interval triggers it by itself.
   */
  rematch?: boolean;
}

/** How a caller takes a {@link MatchResult}. */
export interface MatchOptions {
  /**
   * Give `changed` as the book's own order objects, not copies. Only for a
   * caller that copies or serialises the result before the book changes
   * again (the match worker's session encodes it at once): saves a copy of
   * every order placed in the block, ~4 % of a 10,000-order block.
   */
  shareChangedOrders?: boolean;
}

/** At most this many resting orders per side are replayed by one block's re-match. */
export const REMATCH_MAX_ORDERS_PER_SIDE = 1_024;
/** At most this many counter-orders are examined by one block's re-match (all replayed orders together). */
export const REMATCH_MAX_EXAMINED = 65_536;

/** One market operation of a block, in transaction order. */
export type MarketOp =
  /** Place an order whose lock the chain has already taken (see `createOrder`). */
  | { type: "place"; order: Order }
  /** Cancel a resting order; only its owner may. */
  | { type: "cancel"; orderId: string; owner: string };

/** Why an order left the book. */
export type RemovalReason = "filled" | "cancelled" | "expired" | "rejected";

/**
 * An order that left the book (or never entered it). The chain releases
 * `releasedSatang` to the owner's money balance and `releasedWh` to the
 * owner's energy balance, then deletes the order.
 */
export interface OrderRemoval {
  orderId: string;
  owner: string;
  side: Side;
  reason: RemovalReason;
  /** Buy: what was left of its lock. Sell: 0. */
  releasedSatang: number;
  /** Sell: its unfilled energy. Buy: 0. */
  releasedWh: number;
}

/** An operation that was refused; nothing changed for it except a `rejected` removal for a place. */
export interface OpRejection {
  opIndex: number;
  orderId: string;
  code: MarketErrorCode;
  message: string;
}

/** Everything a block's matching changed. */
export interface MatchResult {
  height: number;
  interval: number;
  /** Trades in execution order. */
  trades: Trade[];
  /** Orders that left the book, in event order (expiries first). */
  removed: OrderRemoval[];
  /** Final state of every order placed or filled in this block that still rests, by seq. */
  changed: Order[];
  rejected: OpRejection[];
  /** Grid flows of the interval after this block (store in chain state). */
  gridFlows: GridFlowSnapshot;
  /**
   * True when this block's re-match stopped at its bound after making trades:
   * the chain re-matches again in the next block.
   */
  rematchPending: boolean;
}

/**
 * Run one block's market: set halts, enter the block's delivery interval
 * (flows reset on a new interval), expire orders with expiresAtMs <=
 * timestampMs, re-match the crossed resting orders when the block starts a
 * new interval or `ctx.rematch` is set, then apply `ops` in order, and give
 * every trade its certificate id (v2, see certificate.ts). Mutates `book`
 * and `grid`; never throws for a bad op (it is rejected), only for bad
 * `ctx.params`.
 *
 * Re-match: the resting orders of the crossed price levels (bids at or above
 * the best ask, asks at or below the best bid; at most
 * {@link REMATCH_MAX_ORDERS_PER_SIDE} per side, best prices first) are
 * replayed in seq order, each as if it arrived now, against the counter-orders
 * placed before it (lower seq), best price first then lowest seq, at the
 * earlier order's price, under the usual rules (skips, grid headroom,
 * `maxScanPerOrder`). At most {@link REMATCH_MAX_EXAMINED} counter-orders are
 * examined in all; when that bound or the per-side bound cut a re-match that
 * made trades, `rematchPending` asks the chain to go on in the next block.
 *
 * @example
 * const r = matchBlock(book, grid, [{ type: "place", order }], { height: 1, timestampMs, params });
 * for (const t of r.trades) settle(t);
 */
export function matchBlock(
  book: OrderBook,
  grid: GridState,
  ops: readonly MarketOp[],
  ctx: MatchContext,
  opts: MatchOptions = {},
): MatchResult {
  const r = matchBlockFills(book, grid, ops, ctx, opts);
  assignCertificateIds(r.height, r.interval, r.trades);
  return r;
}

/**
 * {@link matchBlock} without the certificate ids (every `certificateId` is
 * ""): the matching step alone, for benchmarks and tools. Consensus code
 * calls `matchBlock`.
 */
export function matchBlockFills(
  book: OrderBook,
  grid: GridState,
  ops: readonly MarketOp[],
  ctx: MatchContext,
  opts: MatchOptions = {},
): MatchResult {
  validateMarketParams(ctx.params);
  grid.setHalted(ctx.haltedLocations ?? []);
  const before = grid.interval, beforeMs = grid.intervalMs;
  const interval = grid.beginInterval(ctx.timestampMs, ctx.params.intervalMs);
  const run = new BlockRun(book, grid, ctx, interval);
  for (const o of book.popExpired(ctx.timestampMs)) run.release(o, "expired");
  if (ctx.rematch === true || interval !== before || ctx.params.intervalMs !== beforeMs) {
    run.rematch();
  }
  for (let i = 0; i < ops.length; i++) run.apply(ops[i]!, i);
  const result = run.finish(opts.shareChangedOrders === true);
  retainShapes(run, result, ops);
  return result;
}

/**
 * Keep one object of each kind a block's run allocates or reads alive until
 * the next block: the run itself (without its results), the last trade,
 * removal and changed order, and the last op (with its order: the input
 * objects' shapes), held by the book.
 *
 * Why: V8 reaches the hidden class ("map") of these objects only through
 * objects that have it (map transitions are weak). The match worker runs a
 * full collection between blocks (workers/match_idle_gc.ts), when none of
 * them is alive; their maps then die, every optimised function that embeds
 * one (tryFill, releaseAs, finish, ...) is deoptimised, and the next block
 * runs partly unoptimised: ~5 ms more per 10,000-order block after every
 * full collection (docs/performance.md, "Order matching", session 4).
 */
function retainShapes(run: BlockRun, r: MatchResult, ops: readonly MarketOp[]): void {
  run.dropResults();
  const kept = run.core.retained;
  kept[0] = run;
  if (r.trades.length > 0) kept[1] = r.trades[r.trades.length - 1];
  if (r.removed.length > 0) kept[2] = r.removed[r.removed.length - 1];
  if (r.changed.length > 0) kept[3] = r.changed[r.changed.length - 1];
  if (ops.length > 0) kept[4] = ops[ops.length - 1];
}

/** Distance classes by index, as {@link GridState.getDistanceClass} orders them. */
const DISTANCES: readonly DistanceClass[] = [
  "same_substation",
  "same_zone",
  "same_region",
  "cross_region",
];

/**
 * Orders an incoming order examines one by one at the head of the best
 * levels before the per-location scan of {@link BlockRun.match} (which needs
 * the headroom of every location of the level): when the first order fills
 * the taker, as it mostly does, no other headroom is computed. Small, so a
 * taker whose counter-orders are all blocked still skips levels as a whole.
 */
const TAKER_PROBE = 2;

/** Initial {@link BlockRun.carbonSource}: equal to no order's source (not even a bad null or undefined). */
const NO_SOURCE: unknown = {};

/** Marks of block runs: unique per run, so nodes need no reset between blocks. */
let lastRunMark = 0;

class BlockRun {
  trades: Trade[] = [];
  removed: OrderRemoval[] = [];
  rejected: OpRejection[] = [];
  /** Nodes placed or partially filled in this run (may since have left the book). */
  touched: BookNode[] = [];
  readonly mark = ++lastRunMark;
  readonly core: BookCore;
  readonly feeRates: number[];
  readonly peak: boolean;
  /** Per book location index: resolved location, and headroom cached for {@link flowMark}. */
  readonly resolved: (ResolvedLocation | null)[] = [];
  headroomMark = new Int32Array(16);
  /** A Float64Array: headroom can exceed the small-integer range, and must not be boxed per call. */
  headroomWh = new Float64Array(16);
  /** Changes whenever flows change or the taker changes; invalidates {@link headroomWh}. */
  flowMark = 0;
  /** Per book location index: mark of the last {@link walkWindowEnd} that saw it. */
  readonly locWalkMark: number[] = [];
  walkMark = 0;
  /** Scratch arrays of {@link match}. */
  readonly openLocs: number[] = [];
  readonly cursors: (BookNode | null)[] = [];
  /** Set by {@link rematch} when its bound cut it after trades. */
  rematchPending = false;
  /**
   * The taker's unfilled Wh and (buy) lock while it is matched: the taker
   * object itself is read only (an incoming order is copied only if it
   * rests; {@link replay} writes these back to the resting order).
   */
  takerRemainingWh = 0;
  takerLockedSatang = 0;
  /** `${height}-`: the trade ids' prefix. */
  readonly tradeIdPrefix: string;
  /**
   * The carbon rate of the last trade's source (a keyed lookup by a varying
   * string costs more than the compare; the params do not change in a run).
   */
  carbonSource: unknown = NO_SOURCE;
  carbonPerWh = 0;

  constructor(
    readonly book: OrderBook,
    readonly grid: GridState,
    readonly ctx: MatchContext,
    readonly interval: number,
  ) {
    this.core = book[BOOK_CORE];
    this.tradeIdPrefix = `${ctx.height}-`;
    const rates = computeFeeRates(ctx.params, ctx.timestampMs);
    this.feeRates = DISTANCES.map((d) => rates[d]);
    this.peak = isPeakHour(ctx.timestampMs, ctx.params.peakHours);
  }

  release(o: Order, reason: RemovalReason): void {
    this.releaseAs(o, reason, o.remainingWh, o.lockedSatang);
  }

  /** {@link release} with the order's unfilled Wh and lock given apart. */
  releaseAs(o: Order, reason: RemovalReason, remainingWh: number, lockedSatang: number): void {
    this.removed.push(new NewRemoval(o, reason, remainingWh, lockedSatang));
  }

  reject(i: number, orderId: string, e: unknown): void {
    if (!(e instanceof MarketError)) throw e;
    this.rejected.push({ opIndex: i, orderId, code: e.code, message: e.message });
  }

  apply(op: MarketOp, i: number): void {
    if (op.type === "cancel") {
      const node = this.core.node(op.orderId);
      if (!node) {
        const msg = `Cannot cancel order ${op.orderId}: not in the book`;
        return this.reject(i, op.orderId, new MarketError("ORDER_NOT_FOUND", msg, "orderId"));
      }
      if (node.order.owner !== op.owner) {
        const msg = `Cannot cancel order ${op.orderId}: owned by another account`;
        return this.reject(i, op.orderId, new MarketError("NOT_ORDER_OWNER", msg, "owner"));
      }
      this.core.unlink(node);
      return this.release(node.order, "cancelled");
    }
    // The op's order is only read; it is copied (with its fills) when it rests.
    const input = op.order;
    try {
      validateOrder(input, this.ctx.params, this.grid);
      if (this.book.has(input.id)) {
        throw new MarketError("DUPLICATE_ORDER", `Order ${input.id} is already in the book`, "id");
      }
    } catch (e) {
      this.reject(i, String(input.id), e);
      return this.release(input, "rejected");
    }
    if (input.expiresAtMs <= this.ctx.timestampMs) return this.release(input, "expired");
    this.takerRemainingWh = input.remainingWh;
    this.takerLockedSatang = input.lockedSatang;
    this.match(input);
    const remainingWh = this.takerRemainingWh, lockedSatang = this.takerLockedSatang;
    if (remainingWh === 0) return this.releaseAs(input, "filled", remainingWh, lockedSatang);
    const order = { ...input };
    order.remainingWh = remainingWh;
    order.lockedSatang = lockedSatang;
    const node = this.core.insertNode(order);
    node.touchedRun = this.mark;
    this.touched.push(node);
  }

  /**
   * True when energy can flow between book location `li` and the taker's
   * location; leaves the headroom (Wh) in `headroomWh[li]` (not returned: a
   * returned number above 2^30 would be boxed per call). Headroom is 0 when
   * halted, and Infinity for a location the grid does not know (only in a
   * book rebuilt from bad data): such orders are examined one by one, and
   * `tryFill` throws `UNKNOWN_LOCATION` where a plain scan would. Cached
   * until {@link flowMark} changes.
   */
  isOpen(li: number, takerLoc: ResolvedLocation, isBuy: boolean): boolean {
    if (li >= this.headroomMark.length || this.headroomMark[li] !== this.flowMark) {
      const loc = this.resolveBookLoc(li);
      const out = this.headroomWh;
      if (loc === null) out[li] = Infinity;
      else if (this.grid.isHalted(loc)) out[li] = 0;
      else if (isBuy) this.grid.headroomInto(loc, takerLoc, out, li);
      else this.grid.headroomInto(takerLoc, loc, out, li);
      this.headroomMark[li] = this.flowMark;
    }
    return this.headroomWh[li]! > 0;
  }

  /** The grid location of a book location index, null when the grid does not know it. */
  resolveBookLoc(li: number): ResolvedLocation | null {
    const r = this.resolved[li];
    if (r) return r;
    while (this.resolved.length <= li) {
      this.resolved.push(null);
      this.locWalkMark.push(0);
    }
    if (this.headroomMark.length <= li) {
      const size = Math.max(this.headroomMark.length * 2, li + 1);
      const marks = new Int32Array(size), wh = new Float64Array(size);
      marks.set(this.headroomMark);
      wh.set(this.headroomWh);
      this.headroomMark = marks;
      this.headroomWh = wh;
    }
    try {
      return this.resolved[li] = this.grid.resolveLocation(this.core.locNames[li]!);
    } catch (e) {
      if (e instanceof MarketError) return null;
      throw e;
    }
  }

  /**
   * Match an incoming order against the book (see the module comment).
   *
   * Fast paths, all equivalent to examining counter-orders one by one in
   * priority order (a skipped counter-order has no effect except on the
   * `maxScanPerOrder` count, and headroom only shrinks within a block):
   * - a counter-order's location is "blocked" when it is halted or no energy
   *   can flow between it and the taker (full substation or link, no path);
   *   this is cached per location until the next fill;
   * - the first {@link TAKER_PROBE} orders at the head of the best levels
   *   wholly inside the scan window are examined one by one first;
   * - a level whose orders are all blocked is skipped as a whole, its
   *   orders counted;
   * - a level that lies wholly inside the scan window visits only the
   *   orders at unblocked locations, merging their per-location FIFOs by
   *   seq, and counts all its orders;
   * - the level where the window ends is walked order by order, except
   *   for a prefix already walked, where only the orders at unblocked
   *   locations are visited (see {@link walkWindowEnd}).
   */
  match(taker: Order): void {
    const grid = this.grid;
    const takerLoc = grid.resolveLocation(taker.location);
    if (grid.isHalted(takerLoc) || grid.isSubstationFull(takerLoc)) return;
    const isBuy = taker.side === "buy";
    const limit = taker.priceSatangPerKwh;
    const maxScan = this.ctx.params.maxScanPerOrder;
    const levels = this.core.levels(isBuy ? "sell" : "buy");
    const open = this.openLocs;
    this.flowMark++;
    let scanned = 0, probe = TAKER_PROBE;
    for (let i = levels.length - 1; i >= 0; i--) {
      const level = levels[i]!;
      const price = level.priceSatangPerKwh;
      if (isBuy ? price > limit : price < limit) return;
      const count = level.count;
      /** First order of the level's FIFO not examined yet. */
      let from = level.head;
      if (probe > 0 && scanned + count <= maxScan) {
        // Probe: usually the first order fills the taker, and then no location needs a headroom.
        while (probe > 0 && from !== null) {
          probe--;
          const node = from;
          from = node.next;
          if (this.tryFill(taker, takerLoc, isBuy, node) && this.isTakerDone(taker, takerLoc)) {
            return;
          }
        }
        if (from === null) {
          scanned += count;
          continue;
        }
      }
      let openCount = 0, nOpen = 0;
      const locs = level.locs, counts = level.locCounts;
      for (let k = 0; k < locs.length; k++) {
        const li = locs[k]!, c = counts[li]!;
        if (c > 0 && this.isOpen(li, takerLoc, isBuy)) {
          openCount += c;
          open[nOpen++] = li;
        }
      }
      if (openCount === 0) {
        scanned += count;
        if (scanned > maxScan) return;
        continue;
      }
      if (scanned + count > maxScan) {
        // The window ends in this level: no level after it is examined.
        return this.walkWindowEnd(taker, takerLoc, isBuy, level, maxScan - scanned);
      }
      // The whole level is inside the window (`scanned` grows by `count` below).
      if (openCount === level.count) {
        // Nothing blocked: walk the level's FIFO.
        let node = from;
        while (node !== null) {
          const next = node.next;
          if (this.tryFill(taker, takerLoc, isBuy, node) && this.isTakerDone(taker, takerLoc)) {
            return;
          }
          node = next;
        }
        scanned += count;
        continue;
      }
      // Merge the open locations' FIFOs, from the first order not probed (seq order).
      // (The scratch arrays are overwritten, never shortened: no reallocation per level.)
      const heads = this.cursors, fromSeq = from!.seq;
      for (let k = 0; k < nOpen; k++) {
        let h = level.locHeads[open[k]!] ?? null;
        while (h !== null && h.seq < fromSeq) h = h.locNext;
        heads[k] = h;
      }
      if (this.fillMergedBySeq(taker, takerLoc, isBuy, nOpen, Infinity)) return;
      scanned += count;
    }
  }

  /**
   * Offers the taker the makers of `this.cursors[0 .. nOpen)` (per-location
   * FIFOs of one level) merged by seq, below `seqLimit`. True when the taker
   * is done.
   */
  fillMergedBySeq(
    taker: Order,
    takerLoc: ResolvedLocation,
    isBuy: boolean,
    nOpen: number,
    seqLimit: number,
  ): boolean {
    const heads = this.cursors;
    for (;;) {
      let best = -1, bestSeq = seqLimit;
      for (let k = 0; k < nOpen; k++) {
        const h = heads[k];
        if (h !== null && h!.seq < bestSeq) {
          bestSeq = h!.seq;
          best = k;
        }
      }
      if (best < 0) return false;
      const maker = heads[best]!;
      heads[best] = maker.locNext;
      if (this.tryFill(taker, takerLoc, isBuy, maker) && this.isTakerDone(taker, takerLoc)) {
        return true;
      }
    }
  }

  /**
   * Examine the first `budget` orders of a level's FIFO, the last level of
   * the scan window. The level remembers a prefix of its FIFO walked before
   * (length, last order, a superset of its locations; kept up to date as
   * orders leave it, see {@link Level.prefixLen}). When the whole prefix lies
   * in the window, only its orders at locations open for this taker are
   * visited (their per-location FIFOs merged by seq, as in {@link match}),
   * all of it counted; the walk then goes on after the prefix, extending it.
   * So a taker whose window starts with orders it cannot trade with (full
   * substations or links) does not load them one by one.
   */
  walkWindowEnd(
    taker: Order,
    takerLoc: ResolvedLocation,
    isBuy: boolean,
    level: Level,
    budget: number,
  ): void {
    const prefixLocs = level.prefixLocs;
    let node = level.head, walked = 0;
    /** True when the orders walked below extend the level's prefix. */
    let extend = true;
    if (level.dupSeq) {
      // Orders of equal seq: walk the FIFO without a prefix (see Level.dupSeq).
      extend = false;
    } else if (level.prefixValidFor !== level.prefixVersion || level.prefixLen === 0) {
      level.prefixValidFor = level.prefixVersion;
      level.prefixLen = 0;
      level.prefixEnd = null;
      level.prefixEndSeq = -1;
      prefixLocs.length = 0;
    } else if (level.prefixLen <= budget) {
      const end = level.prefixEnd!, endSeq = level.prefixEndSeq;
      // Orders after the prefix are not examined (so not removed) before the walk below.
      node = end.next;
      walked = level.prefixLen;
      // The head first, alone: it mostly fills the taker, and then no other headroom is needed.
      const head = level.head!, headSeq = head.seq;
      if (this.tryFill(taker, takerLoc, isBuy, head) && this.isTakerDone(taker, takerLoc)) return;
      const open = this.openLocs, heads = this.cursors, counts = level.locCounts;
      let nOpen = 0;
      for (let k = 0; k < prefixLocs.length; k++) {
        const li = prefixLocs[k]!;
        if (counts[li]! > 0 && this.isOpen(li, takerLoc, isBuy)) {
          // Past the head (the lowest seq of the level; seqs are unique here).
          let h = level.locHeads[li] ?? null;
          if (h !== null && h.seq <= headSeq) h = h.locNext;
          heads[nOpen] = h;
          open[nOpen++] = li;
        }
      }
      if (this.fillMergedBySeq(taker, takerLoc, isBuy, nOpen, endSeq + 1)) return;
    } else {
      // The window ends inside the prefix: nothing to extend.
      extend = false;
      let allBlocked = true;
      for (let k = 0; k < prefixLocs.length; k++) {
        if (this.isOpen(prefixLocs[k]!, takerLoc, isBuy)) {
          allBlocked = false;
          break;
        }
      }
      if (allBlocked) return;
    }
    const mark = ++this.walkMark;
    const seen = this.locWalkMark;
    if (extend) { for (let k = 0; k < prefixLocs.length; k++) seen[prefixLocs[k]!] = mark; }
    while (node !== null && walked < budget) {
      const next = node.next;
      walked++;
      if (extend) {
        level.prefixLen++;
        level.prefixEnd = node;
        level.prefixEndSeq = node.seq;
        const li = node.locIdx;
        if (seen[li] !== mark) {
          seen[li] = mark;
          prefixLocs.push(li);
        }
      }
      if (this.tryFill(taker, takerLoc, isBuy, node) && this.isTakerDone(taker, takerLoc)) return;
      node = next;
    }
  }

  /** True when the taker can trade no more: filled, or its substation is full. */
  isTakerDone(_taker: Order, takerLoc: ResolvedLocation): boolean {
    return this.takerRemainingWh === 0 || this.grid.isSubstationFull(takerLoc);
  }

  /** Fill the taker against one resting order if eligible; true when a trade was made. */
  tryFill(taker: Order, takerLoc: ResolvedLocation, isBuy: boolean, node: BookNode): boolean {
    const li = node.locIdx;
    if (this.headroomMark[li] === this.flowMark && this.headroomWh[li]! <= 0) return false;
    const maker = node.order;
    if (maker.owner === taker.owner) return false;
    const buy = isBuy ? taker : maker, sell = isBuy ? maker : taker;
    if (buy.source !== null && buy.source !== sell.source) return false;
    if (!this.isOpen(li, takerLoc, isBuy)) return false;
    const headroomWh = this.headroomWh[li]!;
    const grid = this.grid;
    const makerLoc = this.resolved[li] ?? grid.resolveLocation(maker.location);
    const sellerLoc = isBuy ? makerLoc : takerLoc, buyerLoc = isBuy ? takerLoc : makerLoc;
    const price = maker.priceSatangPerKwh;
    const d = sellerLoc.idx === buyerLoc.idx
      ? 0
      : sellerLoc.zoneIdx === buyerLoc.zoneIdx
      ? 1
      : sellerLoc.regionIdx === buyerLoc.regionIdx
      ? 2
      : 3;
    const feeRate = this.feeRates[d]!;
    const buyLockedSatang = isBuy ? this.takerLockedSatang : maker.lockedSatang;
    const affordableWh = floorDiv(buyLockedSatang * WH_PER_KWH, price + feeRate);
    const fillWh = Math.min(this.takerRemainingWh, maker.remainingWh, headroomWh, affordableWh);
    if (fillWh <= 0) return false;
    const valueSatang = computeValueSatang(fillWh, price);
    const gridFeeSatang = computeValueSatang(fillWh, feeRate);
    const paid = valueSatang + gridFeeSatang;
    grid.addFlow(sellerLoc, buyerLoc, fillWh);
    this.flowMark++;
    this.core.fill(node, fillWh, isBuy ? 0 : paid);
    this.takerRemainingWh -= fillWh;
    if (isBuy) this.takerLockedSatang -= paid;
    const source = sell.source!;
    if (source !== this.carbonSource) {
      this.carbonSource = source;
      this.carbonPerWh = this.ctx.params.carbonCreditsMicroPerWh[source];
    }
    const t = new NewTrade(
      this.tradeIdPrefix,
      this.trades.length,
      this.ctx.height,
      this.ctx.timestampMs,
      this.interval,
      buy,
      sell,
      maker.side,
      fillWh,
      price,
      valueSatang,
      DISTANCES[d]!,
      this.peak,
      feeRate,
      gridFeeSatang,
      grid.getFeeAuthority(sellerLoc, buyerLoc),
      this.carbonPerWh,
    );
    this.trades.push(t);
    if (maker.remainingWh === 0) {
      this.core.unlink(node);
      this.release(maker, "filled");
    } else if (node.touchedRun !== this.mark) {
      node.touchedRun = this.mark;
      this.touched.push(node);
    }
    return true;
  }

  /** Re-match the crossed part of the book (see {@link matchBlock}). */
  rematch(): void {
    const bids = this.core.levels("buy"), asks = this.core.levels("sell");
    const bestBid = bids[bids.length - 1], bestAsk = asks[asks.length - 1];
    if (!bestBid || !bestAsk || bestBid.priceSatangPerKwh < bestAsk.priceSatangPerKwh) return;
    const nodes: BookNode[] = [];
    let cut = !collectCrossed(bids, (p) => p >= bestAsk.priceSatangPerKwh, nodes);
    cut = !collectCrossed(asks, (p) => p <= bestBid.priceSatangPerKwh, nodes) || cut;
    nodes.sort((a, b) => a.seq - b.seq);
    const tradesBefore = this.trades.length;
    let budget = REMATCH_MAX_EXAMINED;
    for (const node of nodes) {
      if (node.removed) continue;
      if (budget <= 0) {
        cut = true;
        break;
      }
      budget -= this.replay(node, budget);
    }
    this.rematchPending = cut && this.trades.length > tradesBefore;
  }

  /**
   * Match a resting order against the counter-orders placed before it,
   * examining at most `budget` of them; returns how many it examined.
   */
  replay(node: BookNode, budget: number): number {
    const taker = node.order;
    const takerLoc = this.resolveBookLoc(node.locIdx);
    const grid = this.grid;
    if (takerLoc === null || grid.isHalted(takerLoc)) return 0;
    if (grid.isSubstationFull(takerLoc)) return 0;
    const isBuy = taker.side === "buy";
    const limit = taker.priceSatangPerKwh;
    const maxScan = Math.min(this.ctx.params.maxScanPerOrder, budget);
    const levels = this.core.levels(isBuy ? "sell" : "buy");
    const remainingBefore = taker.remainingWh;
    this.takerRemainingWh = remainingBefore;
    this.takerLockedSatang = taker.lockedSatang;
    this.flowMark++;
    let scanned = 0;
    try {
      scan: for (let i = levels.length - 1; i >= 0; i--) {
        const level = levels[i]!;
        const price = level.priceSatangPerKwh;
        if (isBuy ? price > limit : price < limit) break;
        let maker = level.head;
        // A level's FIFO is in seq order: past the taker's seq, nothing placed before it.
        while (maker !== null && maker.seq < node.seq) {
          const next = maker.next;
          if (scanned >= maxScan) break scan;
          scanned++;
          if (this.tryFill(taker, takerLoc, isBuy, maker) && this.isTakerDone(taker, takerLoc)) {
            break scan;
          }
          maker = next;
        }
      }
    } finally {
      // The fills so far, also when tryFill throws (UNKNOWN_LOCATION in a book of bad data).
      taker.remainingWh = this.takerRemainingWh;
      taker.lockedSatang = this.takerLockedSatang;
    }
    const filledWh = remainingBefore - taker.remainingWh;
    if (filledWh > 0) {
      node.level.totalWh -= filledWh;
      if (taker.remainingWh === 0) {
        this.core.unlink(node);
        this.release(taker, "filled");
      } else if (node.touchedRun !== this.mark) {
        node.touchedRun = this.mark;
        this.touched.push(node);
      }
    }
    return scanned;
  }

  /** Let go of the results (handed out by {@link finish}): see {@link retainShapes}. */
  dropResults(): void {
    this.trades = [];
    this.removed = [];
    this.rejected = [];
    this.touched = [];
  }

  /** The run's result; `changed` holds copies unless `shareOrders` (see {@link MatchOptions}). */
  finish(shareOrders: boolean): MatchResult {
    const changed: Order[] = [];
    let sorted = true, lastSeq = -Infinity;
    const touched = this.touched;
    // Indexed loops here: finish runs once per block, unoptimised, where
    // for-of allocates an iterator result per element.
    for (let i = 0; i < touched.length; i++) {
      const node = touched[i]!;
      if (node.removed) continue;
      const o = node.order;
      changed.push(shareOrders ? o : { ...o });
      if (o.seq < lastSeq) sorted = false;
      lastSeq = o.seq;
    }
    // Usually already in seq order (a stable sort would then change nothing).
    if (!sorted) changed.sort((a, b) => a.seq - b.seq);
    return {
      height: this.ctx.height,
      interval: this.interval,
      trades: this.trades,
      removed: this.removed,
      changed,
      rejected: this.rejected,
      gridFlows: this.grid.snapshot(),
      rematchPending: this.rematchPending,
    };
  }
}

/**
 * Append the nodes of the crossed levels of one side (best level first,
 * FIFO order) to `out`, at most {@link REMATCH_MAX_ORDERS_PER_SIDE}; false
 * when that bound cut the walk.
 */
function collectCrossed(
  levels: readonly Level[],
  crossed: (priceSatangPerKwh: number) => boolean,
  out: BookNode[],
): boolean {
  let n = 0;
  for (let i = levels.length - 1; i >= 0; i--) {
    const level = levels[i]!;
    if (!crossed(level.priceSatangPerKwh)) return true;
    for (let node = level.head; node !== null; node = node.next) {
      if (n === REMATCH_MAX_ORDERS_PER_SIDE) return false;
      out.push(node);
      n++;
    }
  }
  return true;
}

/**
 * Bring a replica (book + grid) to the state a {@link matchBlock} result
 * describes, without matching again: remove `removed`, upsert `changed`,
 * restore the grid flows. Used by the thread that did not run the match.
 */
export function applyMatchResult(book: OrderBook, grid: GridState, r: MatchResult): void {
  for (const rm of r.removed) book.remove(rm.orderId);
  for (const o of r.changed) {
    book.remove(o.id);
    book.insert({ ...o });
  }
  grid.restore(r.gridFlows);
}
