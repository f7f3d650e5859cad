/**
 * The order book: per side, price levels in a sorted array (binary search,
 * best level at the end so it pops in O(1)), a FIFO doubly linked list per
 * level (O(1) removal), an id index, and an expiry heap.
 */
import { MarketError } from "./errors.ts";
import type { Order, Side } from "./order.ts";

interface Node {
  order: Order;
  prev: Node | null;
  next: Node | null;
  level: Level;
  removed: boolean;
}

interface Level {
  priceSatangPerKwh: number;
  head: Node | null;
  tail: Node | null;
  count: number;
  totalWh: number;
}

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
  constructor(readonly side: Side) {}

  /** Index where `price` is or would be inserted. */
  search(price: number): number {
    const asc = this.side === "buy";
    let lo = 0, hi = this.levels.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const p = this.levels[mid]!.priceSatangPerKwh;
      if (asc ? p < price : p > price) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  level(price: number): Level {
    let l = this.byPrice.get(price);
    if (!l) {
      l = { priceSatangPerKwh: price, head: null, tail: null, count: 0, totalWh: 0 };
      this.byPrice.set(price, l);
      this.levels.splice(this.search(price), 0, l);
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

interface ExpiryEntry {
  expiresAtMs: number;
  seq: number;
  node: Node;
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
  readonly #sides = { buy: new BookSide("buy"), sell: new BookSide("sell") };
  readonly #byId = new Map<string, Node>();
  #heap: ExpiryEntry[] = [];

  /** Rebuild a book from orders (any order; sorted by seq before insertion). */
  static fromOrders(orders: readonly Order[]): OrderBook {
    const book = new OrderBook();
    for (const o of [...orders].sort((a, b) => a.seq - b.seq)) book.insert({ ...o });
    return book;
  }

  /** Number of resting orders. */
  get size(): number {
    return this.#byId.size;
  }

  /** True when an order with this id rests in the book. */
  has(id: string): boolean {
    return this.#byId.has(id);
  }

  /** The resting order with this id (the live object; do not mutate outside the matcher). */
  get(id: string): Order | undefined {
    return this.#byId.get(id)?.order;
  }

  /**
   * Add an order at the tail of its price level (placed in seq order if an
   * order with a higher seq already rests there). Throws `DUPLICATE_ORDER`.
   * The book keeps the object given.
   */
  insert(order: Order): void {
    if (this.#byId.has(order.id)) {
      throw new MarketError("DUPLICATE_ORDER", `Order ${order.id} is already in the book`, "id");
    }
    const level = this.#sides[order.side].level(order.priceSatangPerKwh);
    const node: Node = { order, prev: null, next: null, level, removed: false };
    let after = level.tail;
    while (after !== null && after.order.seq > order.seq) after = after.prev;
    node.prev = after;
    node.next = after ? after.next : level.head;
    if (node.next) node.next.prev = node;
    else level.tail = node;
    if (after) after.next = node;
    else level.head = node;
    level.count++;
    level.totalWh += order.remainingWh;
    this.#byId.set(order.id, node);
    this.#heapPush({ expiresAtMs: order.expiresAtMs, seq: order.seq, node });
  }

  /** Remove an order by id; returns it, or undefined when absent. */
  remove(id: string): Order | undefined {
    const node = this.#byId.get(id);
    if (!node) return undefined;
    this.#unlink(node);
    return node.order;
  }

  /** Record a fill of `amountWh` on a resting order (and `paidSatang` off a buy's lock). */
  applyFill(order: Order, amountWh: number, paidSatang: number): void {
    const node = this.#byId.get(order.id)!;
    order.remainingWh -= amountWh;
    order.lockedSatang -= paidSatang;
    node.level.totalWh -= amountWh;
  }

  /** Best resting order of a side (lowest ask / highest bid, earliest first). */
  best(side: Side): Order | undefined {
    const levels = this.#sides[side].levels;
    return levels[levels.length - 1]?.head?.order;
  }

  /**
   * Visit resting orders of a side in priority order until `visit` returns
   * false. `visit` may remove (or fill) only the order it is visiting.
   */
  scan(side: Side, visit: (order: Order) => boolean): void {
    const levels = this.#sides[side].levels;
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
    for (const n of this.#byId.values()) out.push({ ...n.order });
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** Aggregated depth, best price first, at most `levels` levels. */
  depth(side: Side, levels: number): DepthLevel[] {
    const ls = this.#sides[side].levels;
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
    while (this.#heap.length > 0 && this.#heap[0]!.expiresAtMs <= nowMs) {
      const e = this.#heapPop();
      if (e.node.removed) continue;
      this.#unlink(e.node);
      out.push(e.node.order);
    }
    return out;
  }

  #unlink(node: Node): void {
    const level = node.level;
    if (node.prev) node.prev.next = node.next;
    else level.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else level.tail = node.prev;
    level.count--;
    level.totalWh -= node.order.remainingWh;
    node.removed = true;
    this.#byId.delete(node.order.id);
    if (level.count === 0) this.#sides[node.order.side].dropLevel(level);
    if (this.#heap.length > 2 * this.#byId.size + 1024) this.#rebuildHeap();
  }

  #rebuildHeap(): void {
    this.#heap = this.#heap.filter((e) => !e.node.removed);
    for (let i = (this.#heap.length >> 1) - 1; i >= 0; i--) this.#siftDown(i);
  }

  #less(a: ExpiryEntry, b: ExpiryEntry): boolean {
    return a.expiresAtMs < b.expiresAtMs || (a.expiresAtMs === b.expiresAtMs && a.seq < b.seq);
  }

  #heapPush(e: ExpiryEntry): void {
    const h = this.#heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  #heapPop(): ExpiryEntry {
    const h = this.#heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      this.#siftDown(0);
    }
    return top;
  }

  #siftDown(i: number): void {
    const h = this.#heap;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      let m = i;
      if (l < h.length && this.#less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.#less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
