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
import { computeCertificateId, type Trade } from "./trade.ts";
import { computeValueSatang, floorDiv, WH_PER_KWH } from "./units.ts";

/** Block context of a match. */
export interface MatchContext {
  height: number;
  /** Block timestamp, ms since the Unix epoch (UTC). Drives expiry, interval and peak hours. */
  timestampMs: number;
  params: MarketParams;
  /** Halted regions / zones / substations (`BKK`, `BKK-01`, `BKK-01-SUB001`). */
  haltedLocations?: readonly string[];
}

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
}

/**
 * Run one block's market: set halts, enter the block's delivery interval
 * (flows reset on a new interval), expire orders with expiresAtMs <=
 * timestampMs, then apply `ops` in order. Mutates `book` and `grid`; never
 * throws for a bad op (it is rejected), only for bad `ctx.params`.
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
): MatchResult {
  validateMarketParams(ctx.params);
  grid.setHalted(ctx.haltedLocations ?? []);
  const interval = grid.beginInterval(ctx.timestampMs, ctx.params.intervalMs);
  const run = new BlockRun(book, grid, ctx, interval);
  for (const o of book.popExpired(ctx.timestampMs)) run.release(o, "expired");
  ops.forEach((op, i) => run.apply(op, i));
  return run.finish();
}

/** Distance classes by index, as {@link GridState.getDistanceClass} orders them. */
const DISTANCES: readonly DistanceClass[] = [
  "same_substation",
  "same_zone",
  "same_region",
  "cross_region",
];

/** Marks of block runs: unique per run, so nodes need no reset between blocks. */
let lastRunMark = 0;

class BlockRun {
  readonly trades: Trade[] = [];
  readonly removed: OrderRemoval[] = [];
  readonly rejected: OpRejection[] = [];
  /** Nodes placed or partially filled in this run (may since have left the book). */
  readonly touched: BookNode[] = [];
  readonly mark = ++lastRunMark;
  readonly core: BookCore;
  readonly feeRates: number[];
  readonly peak: boolean;
  /** Per book location index: resolved location, and headroom cached for {@link flowMark}. */
  readonly resolved: (ResolvedLocation | null)[] = [];
  readonly headroomMark: number[] = [];
  readonly headroomWh: number[] = [];
  /** Changes whenever flows change or the taker changes; invalidates {@link headroomWh}. */
  flowMark = 0;
  /** Per book location index: mark of the last {@link walkWindowEnd} that saw it. */
  readonly locWalkMark: number[] = [];
  walkMark = 0;
  /** Scratch arrays of {@link match}. */
  readonly openLocs: number[] = [];
  readonly cursors: (BookNode | null)[] = [];

  constructor(
    readonly book: OrderBook,
    readonly grid: GridState,
    readonly ctx: MatchContext,
    readonly interval: number,
  ) {
    this.core = book[BOOK_CORE];
    const rates = computeFeeRates(ctx.params, ctx.timestampMs);
    this.feeRates = DISTANCES.map((d) => rates[d]);
    this.peak = isPeakHour(ctx.timestampMs, ctx.params.peakHours);
  }

  release(o: Order, reason: RemovalReason): void {
    this.removed.push({
      orderId: o.id,
      owner: o.owner,
      side: o.side,
      reason,
      releasedSatang: o.side === "buy" ? o.lockedSatang : 0,
      releasedWh: o.side === "sell" ? o.remainingWh : 0,
    });
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
    const order = { ...op.order };
    try {
      validateOrder(order, this.ctx.params, this.grid);
      if (this.book.has(order.id)) {
        throw new MarketError("DUPLICATE_ORDER", `Order ${order.id} is already in the book`, "id");
      }
    } catch (e) {
      this.reject(i, String(order.id), e);
      return this.release(order, "rejected");
    }
    if (order.expiresAtMs <= this.ctx.timestampMs) return this.release(order, "expired");
    this.match(order);
    if (order.remainingWh === 0) return this.release(order, "filled");
    const node = this.core.insertNode(order);
    node.touchedRun = this.mark;
    this.touched.push(node);
  }

  /**
   * Headroom (Wh) from a resting order's location to/from the taker's; 0
   * when halted. Infinity for a location the grid does not know (only in a
   * book rebuilt from bad data): such orders are examined one by one, and
   * `tryFill` throws `UNKNOWN_LOCATION` where a plain scan would.
   */
  headroomOf(li: number, takerLoc: ResolvedLocation, isBuy: boolean): number {
    if (this.headroomMark[li] === this.flowMark) return this.headroomWh[li]!;
    const loc = this.resolveBookLoc(li);
    let h = Infinity;
    if (loc !== null) {
      h = this.grid.isHalted(loc)
        ? 0
        : isBuy
        ? this.grid.getHeadroomWh(loc, takerLoc)
        : this.grid.getHeadroomWh(takerLoc, loc);
    }
    this.headroomMark[li] = this.flowMark;
    this.headroomWh[li] = h;
    return h;
  }

  /** The grid location of a book location index, null when the grid does not know it. */
  resolveBookLoc(li: number): ResolvedLocation | null {
    const r = this.resolved[li];
    if (r) return r;
    while (this.resolved.length <= li) {
      this.resolved.push(null);
      this.locWalkMark.push(0);
      this.headroomMark.push(0);
      this.headroomWh.push(0);
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
   * - a level whose orders are all blocked is skipped as a whole, its
   *   orders counted;
   * - a level that lies wholly inside the scan window visits only the
   *   orders at unblocked locations, merging their per-location FIFOs by
   *   seq, and counts all its orders;
   * - the level where the window ends is walked order by order, except
   *   for a prefix already walked whose locations are all blocked (see
   *   {@link walkWindowEnd}).
   */
  match(taker: Order): void {
    const grid = this.grid;
    const takerLoc = grid.resolveLocation(taker.location);
    if (grid.isHalted(takerLoc) || grid.getSubstationHeadroomWh(takerLoc) === 0) return;
    const isBuy = taker.side === "buy";
    const limit = taker.priceSatangPerKwh;
    const maxScan = this.ctx.params.maxScanPerOrder;
    const levels = this.core.levels(isBuy ? "sell" : "buy");
    const open = this.openLocs;
    this.flowMark++;
    let scanned = 0;
    for (let i = levels.length - 1; i >= 0; i--) {
      const level = levels[i]!;
      const price = level.priceSatangPerKwh;
      if (isBuy ? price > limit : price < limit) return;
      const count = level.count;
      let openCount = 0;
      open.length = 0;
      const locs = level.locs, counts = level.locCounts;
      for (let k = 0; k < locs.length; k++) {
        const li = locs[k]!, c = counts[li]!;
        if (c > 0 && this.headroomOf(li, takerLoc, isBuy) > 0) {
          openCount += c;
          open.push(li);
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
      if (openCount === count) {
        // Nothing blocked: walk the level's FIFO.
        let node = level.head;
        while (node !== null) {
          const next = node.next;
          if (++scanned > maxScan) return;
          if (this.tryFill(taker, takerLoc, isBuy, node) && this.isTakerDone(taker, takerLoc)) {
            return;
          }
          node = next;
        }
        continue;
      }
      // The whole level is inside the window: merge the open locations' FIFOs.
      const heads = this.cursors;
      heads.length = 0;
      for (let k = 0; k < open.length; k++) heads.push(level.locHeads[open[k]!] ?? null);
      for (;;) {
        let best = -1, bestSeq = Infinity;
        for (let k = 0; k < heads.length; k++) {
          const h = heads[k];
          if (h !== null && h!.seq < bestSeq) {
            bestSeq = h!.seq;
            best = k;
          }
        }
        if (best < 0) break;
        const node = heads[best]!;
        heads[best] = node.locNext;
        if (this.tryFill(taker, takerLoc, isBuy, node) && this.isTakerDone(taker, takerLoc)) return;
      }
      scanned += count;
    }
  }

  /**
   * Examine the first `budget` orders of a level's FIFO, the last level of
   * the scan window. A prefix walked before (remembered on the level while
   * its FIFO is unchanged but for appends) is skipped at once when all its
   * locations are blocked for this taker; the walk then extends it.
   */
  walkWindowEnd(
    taker: Order,
    takerLoc: ResolvedLocation,
    isBuy: boolean,
    level: Level,
    budget: number,
  ): void {
    let node = level.head, walked = 0, last: BookNode | null = null;
    let locs: number[] = [];
    if (level.prefixValidFor === level.prefixVersion && level.prefixLen > 0) {
      let allBlocked = true;
      for (const li of level.prefixLocs) {
        if (this.headroomOf(li, takerLoc, isBuy) > 0) {
          allBlocked = false;
          break;
        }
      }
      if (allBlocked) {
        if (level.prefixLen >= budget) return;
        walked = level.prefixLen;
        last = level.prefixEnd!;
        node = last.next;
        locs = level.prefixLocs.slice();
      }
    }
    const mark = ++this.walkMark;
    const seen = this.locWalkMark;
    for (const li of locs) seen[li] = mark;
    const version = level.prefixVersion;
    while (node !== null && walked < budget) {
      const next = node.next;
      walked++;
      last = node;
      const li = node.locIdx;
      if (seen[li] !== mark) {
        seen[li] = mark;
        locs.push(li);
      }
      if (this.tryFill(taker, takerLoc, isBuy, node) && this.isTakerDone(taker, takerLoc)) break;
      node = next;
    }
    if (level.prefixVersion === version && walked > 0) {
      level.prefixLen = walked;
      level.prefixEnd = last;
      level.prefixLocs = locs;
      level.prefixValidFor = version;
    }
  }

  /** True when the taker can trade no more: filled, or its substation is full. */
  isTakerDone(taker: Order, takerLoc: ResolvedLocation): boolean {
    return taker.remainingWh === 0 || this.grid.getSubstationHeadroomWh(takerLoc) === 0;
  }

  /** Fill the taker against one resting order if eligible; true when a trade was made. */
  tryFill(taker: Order, takerLoc: ResolvedLocation, isBuy: boolean, node: BookNode): boolean {
    const li = node.locIdx;
    if (this.headroomMark[li] === this.flowMark && this.headroomWh[li]! <= 0) return false;
    const maker = node.order;
    if (maker.owner === taker.owner) return false;
    const buy = isBuy ? taker : maker, sell = isBuy ? maker : taker;
    if (buy.source !== null && buy.source !== sell.source) return false;
    const headroomWh = this.headroomOf(node.locIdx, takerLoc, isBuy);
    if (headroomWh <= 0) return false;
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
    const affordableWh = floorDiv(buy.lockedSatang * WH_PER_KWH, price + feeRate);
    const fillWh = Math.min(taker.remainingWh, maker.remainingWh, headroomWh, affordableWh);
    if (fillWh <= 0) return false;
    const valueSatang = computeValueSatang(fillWh, price);
    const gridFeeSatang = computeValueSatang(fillWh, feeRate);
    const paid = valueSatang + gridFeeSatang;
    grid.addFlow(sellerLoc, buyerLoc, fillWh);
    this.flowMark++;
    this.core.fill(node, fillWh, isBuy ? 0 : paid);
    taker.remainingWh -= fillWh;
    if (isBuy) taker.lockedSatang -= paid;
    const source = sell.source!;
    const t: Trade = {
      id: `${this.ctx.height}-${this.trades.length}`,
      height: this.ctx.height,
      timestampMs: this.ctx.timestampMs,
      interval: this.interval,
      buyOrderId: buy.id,
      sellOrderId: sell.id,
      buyer: buy.owner,
      seller: sell.owner,
      makerSide: maker.side,
      amountWh: fillWh,
      priceSatangPerKwh: price,
      valueSatang,
      distance: DISTANCES[d]!,
      peak: this.peak,
      gridFeeSatangPerKwh: feeRate,
      gridFeeSatang,
      feeAuthority: grid.getFeeAuthority(sellerLoc, buyerLoc),
      source,
      carbonMicroCredits: fillWh * this.ctx.params.carbonCreditsMicroPerWh[source],
      sellerLocation: sell.location,
      buyerLocation: buy.location,
      certificateId: "",
    };
    t.certificateId = computeCertificateId(t);
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

  finish(): MatchResult {
    const changed: Order[] = [];
    for (const node of this.touched) {
      if (!node.removed) changed.push({ ...node.order });
    }
    changed.sort((a, b) => a.seq - b.seq);
    return {
      height: this.ctx.height,
      interval: this.interval,
      trades: this.trades,
      removed: this.removed,
      changed,
      rejected: this.rejected,
      gridFlows: this.grid.snapshot(),
    };
  }
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
