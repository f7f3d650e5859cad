/**
 * The order book: per side, price levels in a sorted array (binary search,
 * best level at the end so it pops in O(1)), a FIFO doubly linked list per
 * level (O(1) removal), per-level counts by location (so the matcher can
 * skip a level whose orders all sit behind a full or halted substation), an
 * id index, and an expiry heap of the order nodes themselves.
 */
import { BOOK_CORE, type BookCore, BookNode, hashOrderId, Level } from "./book_core.ts";
import { MarketError } from "./errors.ts";
import type { Order, Side } from "./order.ts";

/** Aggregated depth at one price level. */
export interface DepthLevel {
  priceSatangPerKwh: number;
  /** Sum of remainingWh at this price. */
  amountWh: number;
  orders: number;
}

class BookSide {
  /** Sorted so the best price is last: asks descending, bids ascending. */
  readonly levels: Level[] = [];
  readonly byPrice = new Map<number, Level>();
  readonly ascending: boolean;
  constructor(side: Side) {
    this.ascending = side === "buy";
  }

  /** Index where `price` is or would be inserted. */
  search(price: number): number {
    const levels = this.levels, asc = this.ascending;
    let lo = 0, hi = levels.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const p = levels[mid]!.priceSatangPerKwh;
      if (asc ? p < price : p > price) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  level(price: number): Level {
    let l = this.byPrice.get(price);
    if (l === undefined) {
      l = new Level(price);
      this.byPrice.set(price, l);
      const levels = this.levels;
      const last = levels[levels.length - 1];
      // New best price (common for crossing-free inserts at the top): append.
      if (
        last === undefined ||
        (this.ascending ? last.priceSatangPerKwh < price : last.priceSatangPerKwh > price)
      ) {
        levels.push(l);
      } else {
        levels.splice(this.search(price), 0, l);
      }
    }
    return l;
  }

  dropLevel(l: Level): void {
    this.byPrice.delete(l.priceSatangPerKwh);
    const last = this.levels.length - 1;
    if (this.levels[last] === l) this.levels.pop();
    else this.levels.splice(this.search(l.priceSatangPerKwh), 1);
  }
}

function expiresBefore(a: BookNode, b: BookNode): boolean {
  return a.expiresAtMs < b.expiresAtMs || (a.expiresAtMs === b.expiresAtMs && a.seq < b.seq);
}

/**
 * Resting orders in price-time priority: better price first, then lower
 * `seq`. Deterministic: no dependence on Map iteration order.
 *
 * @example
 * const book = new OrderBook();
 * book.insert(order);
 * book.best("sell"); // lowest ask, earliest first
 */
export class OrderBook {
  readonly #buy = new BookSide("buy");
  readonly #sell = new BookSide("sell");
  /** Id index: hashOrderId(id) -> first node of a chain of nodes with that hash. */
  readonly #byHash = new Map<number, BookNode>();
  #size = 0;
  #lastId = "";
  #lastHash = hashOrderId("");
  readonly #locIndex = new Map<string, number>();
  readonly #locNames: string[] = [];
  #heap: BookNode[] = [];
  /** Internal view for the matcher (not part of the public API). */
  readonly [BOOK_CORE]: BookCore;

  constructor() {
    const levels = (side: Side): readonly Level[] =>
      side === "buy" ? this.#buy.levels : this.#sell.levels;
    this[BOOK_CORE] = {
      levels,
      locNames: this.#locNames,
      insertNode: (order) => this.#insertNode(order),
      fill: (node, amountWh, paidSatang) => {
        node.order.remainingWh -= amountWh;
        node.order.lockedSatang -= paidSatang;
        node.level.totalWh -= amountWh;
      },
      unlink: (node) => this.#unlink(node),
      node: (id) => this.#find(id),
    };
  }

  /** Rebuild a book from orders (any order; sorted by seq before insertion). */
  static fromOrders(orders: readonly Order[]): OrderBook {
    const book = new OrderBook();
    const sorted = [...orders];
    let inOrder = true;
    for (let i = 1; i < sorted.length && inOrder; i++) {
      inOrder = sorted[i - 1]!.seq <= sorted[i]!.seq;
    }
    if (!inOrder) sorted.sort((a, b) => a.seq - b.seq);
    for (const o of sorted) book.insert({ ...o });
    return book;
  }

  /** Number of resting orders. */
  get size(): number {
    return this.#size;
  }

  /** True when an order with this id rests in the book. */
  has(id: string): boolean {
    return this.#find(id) !== undefined;
  }

  /** The resting order with this id (the live object; do not mutate outside the matcher). */
  get(id: string): Order | undefined {
    return this.#find(id)?.order;
  }

  /** Hash of an id, memoised for the last id (has() then insert() hash once). */
  #hash(id: string): number {
    if (id !== this.#lastId) {
      this.#lastHash = hashOrderId(id);
      this.#lastId = id;
    }
    return this.#lastHash;
  }

  #find(id: string): BookNode | undefined {
    let n = this.#byHash.get(this.#hash(id)) ?? null;
    while (n !== null && n.order.id !== id) n = n.sameHashNext;
    return n ?? undefined;
  }

  /**
   * Add an order at the tail of its price level (placed in seq order if an
   * order with a higher seq already rests there). Throws `DUPLICATE_ORDER`.
   * The book keeps the object given.
   */
  insert(order: Order): void {
    if (this.has(order.id)) {
      throw new MarketError("DUPLICATE_ORDER", `Order ${order.id} is already in the book`, "id");
    }
    this.#insertNode(order);
  }

  #insertNode(order: Order): BookNode {
    const level = (order.side === "buy" ? this.#buy : this.#sell).level(order.priceSatangPerKwh);
    let locIdx = this.#locIndex.get(order.location);
    if (locIdx === undefined) {
      locIdx = this.#locNames.length;
      this.#locNames.push(order.location);
      this.#locIndex.set(order.location, locIdx);
    }
    const idHash = this.#hash(order.id);
    const node = new BookNode(order, level, locIdx, order.seq, order.expiresAtMs, idHash);
    let after = level.tail;
    while (after !== null && after.seq > node.seq) after = after.prev;
    node.prev = after;
    node.next = after ? after.next : level.head;
    if (node.next) {
      node.next.prev = node;
      level.prefixVersion++;
    } else {
      level.tail = node;
    }
    if (after) after.next = node;
    else level.head = node;
    level.count++;
    level.totalWh += order.remainingWh;
    const counts = level.locCounts;
    while (counts.length <= locIdx) {
      counts.push(-1);
      level.locHeads.push(null);
      level.locTails.push(null);
    }
    if (counts[locIdx] === -1) {
      counts[locIdx] = 0;
      level.locs.push(locIdx);
    }
    counts[locIdx]!++;
    let locAfter: BookNode | null = level.locTails[locIdx] ?? null;
    while (locAfter !== null && locAfter.seq > node.seq) locAfter = locAfter.locPrev;
    node.locPrev = locAfter;
    node.locNext = locAfter ? locAfter.locNext : level.locHeads[locIdx] ?? null;
    if (node.locNext) node.locNext.locPrev = node;
    else level.locTails[locIdx] = node;
    if (locAfter) locAfter.locNext = node;
    else level.locHeads[locIdx] = node;
    node.sameHashNext = this.#byHash.get(idHash) ?? null;
    this.#byHash.set(idHash, node);
    this.#size++;
    this.#heapPush(node);
    return node;
  }

  /** Remove an order by id; returns it, or undefined when absent. */
  remove(id: string): Order | undefined {
    const node = this.#find(id);
    if (!node) return undefined;
    this.#unlink(node);
    return node.order;
  }

  /** Record a fill of `amountWh` on a resting order (and `paidSatang` off a buy's lock). */
  applyFill(order: Order, amountWh: number, paidSatang: number): void {
    const node = this.#find(order.id)!;
    order.remainingWh -= amountWh;
    order.lockedSatang -= paidSatang;
    node.level.totalWh -= amountWh;
  }

  /** Best resting order of a side (lowest ask / highest bid, earliest first). */
  best(side: Side): Order | undefined {
    const levels = (side === "buy" ? this.#buy : this.#sell).levels;
    return levels[levels.length - 1]?.head?.order;
  }

  /**
   * Visit resting orders of a side in priority order until `visit` returns
   * false. `visit` may remove (or fill) only the order it is visiting.
   */
  scan(side: Side, visit: (order: Order) => boolean): void {
    const levels = (side === "buy" ? this.#buy : this.#sell).levels;
    for (let i = levels.length - 1; i >= 0; i--) {
      const level = levels[i]!;
      let node = level.head;
      while (node !== null) {
        const next = node.next;
        if (!visit(node.order)) return;
        node = next;
      }
    }
  }

  /** Orders of a side in priority order (copies). */
  list(side: Side): Order[] {
    const out: Order[] = [];
    this.scan(side, (o) => (out.push({ ...o }), true));
    return out;
  }

  /** All resting orders sorted by seq (copies): the book's canonical snapshot. */
  snapshot(): Order[] {
    const out: Order[] = [];
    for (const head of this.#byHash.values()) {
      for (let n: BookNode | null = head; n !== null; n = n.sameHashNext) out.push({ ...n.order });
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** Aggregated depth, best price first, at most `levels` levels. */
  depth(side: Side, levels: number): DepthLevel[] {
    const ls = (side === "buy" ? this.#buy : this.#sell).levels;
    const out: DepthLevel[] = [];
    for (let i = ls.length - 1; i >= 0 && out.length < levels; i--) {
      const l = ls[i]!;
      out.push({ priceSatangPerKwh: l.priceSatangPerKwh, amountWh: l.totalWh, orders: l.count });
    }
    return out;
  }

  /**
   * Remove and return every order with expiresAtMs <= nowMs, ordered by
   * (expiresAtMs, seq).
   */
  popExpired(nowMs: number): Order[] {
    const out: Order[] = [];
    const h = this.#heap;
    while (h.length > 0 && h[0]!.expiresAtMs <= nowMs) {
      const node = h[0]!;
      this.#unlink(node);
      out.push(node.order);
    }
    return out;
  }

  #unlink(node: BookNode): void {
    const level = node.level;
    if (node.prev) node.prev.next = node.next;
    else level.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else level.tail = node.prev;
    level.count--;
    level.prefixVersion++;
    level.totalWh -= node.order.remainingWh;
    const li = node.locIdx;
    level.locCounts[li]!--;
    if (node.locPrev) node.locPrev.locNext = node.locNext;
    else level.locHeads[li] = node.locNext;
    if (node.locNext) node.locNext.locPrev = node.locPrev;
    else level.locTails[li] = node.locPrev;
    node.removed = true;
    this.#size--;
    const head = this.#byHash.get(node.idHash)!;
    if (head === node) {
      if (node.sameHashNext === null) this.#byHash.delete(node.idHash);
      else this.#byHash.set(node.idHash, node.sameHashNext);
    } else {
      let p = head;
      while (p.sameHashNext !== node) p = p.sameHashNext!;
      p.sameHashNext = node.sameHashNext;
    }
    if (level.count === 0) (node.order.side === "buy" ? this.#buy : this.#sell).dropLevel(level);
    this.#heapRemove(node);
  }

  // Expiry heap ordered by (expiresAtMs, seq); every node knows its index,
  // so a removed order leaves the heap at once (no stale entries, no
  // periodic rebuild pauses).

  #heapPush(n: BookNode): void {
    this.#heap.push(n);
    this.#siftUp(this.#heap.length - 1, n);
  }

  #heapRemove(n: BookNode): void {
    const h = this.#heap;
    const i = n.heapIdx;
    const last = h.pop()!;
    n.heapIdx = -1;
    if (last === n) return;
    h[i] = last;
    last.heapIdx = i;
    if (i > 0 && expiresBefore(last, h[(i - 1) >> 1]!)) this.#siftUp(i, last);
    else this.#siftDown(i, last);
  }

  #siftUp(i: number, n: BookNode): void {
    const h = this.#heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!expiresBefore(n, parent)) break;
      h[i] = parent;
      parent.heapIdx = i;
      i = p;
    }
    h[i] = n;
    n.heapIdx = i;
  }

  #siftDown(i: number, n: BookNode): void {
    const h = this.#heap;
    const len = h.length;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      if (l >= len) break;
      let c = h[l]!;
      let ci = l;
      if (r < len && expiresBefore(h[r]!, c)) {
        c = h[r]!;
        ci = r;
      }
      if (!expiresBefore(c, n)) break;
      h[i] = c;
      c.heapIdx = i;
      i = ci;
    }
    h[i] = n;
    n.heapIdx = i;
  }
}
