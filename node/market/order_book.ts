/**
 * The order book: per side, price levels in a sorted array (binary search,
 * best level at the end so it pops in O(1)), a FIFO doubly linked list per
 * level (O(1) removal), per-level counts by location (so the matcher can
 * skip a level whose orders all sit behind a full or halted substation), an
 * id index, and an expiry heap.
 *
 * The id index is an open-addressing table (linear probing) of
 * `hashOrderId(id) + 1` and the node's slot, side by side in one Int32Array:
 * a lookup of an absent id reads one typed-array cache line and no node. An
 * order leaving the book leaves its entry behind (stale: its slot is empty
 * or holds a later order), and the table is rebuilt without them when they
 * fill it or, in the match worker, between blocks (reserveForBlock). The
 * expiry heap is all typed arrays: node slots (see `BookNode.slot`) and their
 * keys (expiresAtMs, seq) by heap position, so sifting loads no node; an
 * order filled or cancelled leaves a dead entry instead of a sift (see the
 * heap's methods below).
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

/** Dropped levels kept per side for reuse (bounds the pool's memory). */
const MAX_FREE_LEVELS = 1024;

class BookSide {
  /** Sorted so the best price is last: asks descending, bids ascending. */
  readonly levels: Level[] = [];
  /** Dropped (empty) levels, reused by {@link level}. */
  readonly #free: Level[] = [];
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

  /** The level at `price`, created (or taken from the pool) when absent. */
  level(price: number): Level {
    const levels = this.levels;
    const last = levels[levels.length - 1];
    // New best price (common for crossing-free inserts at the top): append.
    if (
      last === undefined ||
      (this.ascending ? last.priceSatangPerKwh < price : last.priceSatangPerKwh > price)
    ) {
      const l = this.#newLevel(price);
      levels.push(l);
      return l;
    }
    if (last.priceSatangPerKwh === price) return last;
    const i = this.search(price);
    const found = levels[i];
    if (found !== undefined && found.priceSatangPerKwh === price) return found;
    const l = this.#newLevel(price);
    levels.splice(i, 0, l);
    return l;
  }

  #newLevel(price: number): Level {
    const l = this.#free.pop();
    if (l === undefined) return new Level(price);
    l.reset(price);
    return l;
  }

  dropLevel(l: Level): void {
    const last = this.levels.length - 1;
    if (this.levels[last] === l) this.levels.pop();
    else this.levels.splice(this.search(l.priceSatangPerKwh), 1);
    if (this.#free.length < MAX_FREE_LEVELS) this.#free.push(l);
  }
}

/** Note that a level may hold two orders of equal seq (see `Level.dupSeq`). */
function markDupSeq(level: Level): void {
  level.dupSeq = true;
  level.prefixVersion++;
}

/** Initial slots of the id index (a power of two). */
const MIN_ID_SLOTS = 1024;
/** Fibonacci hashing multiplier: spreads hashOrderId over the high bits. */
const SLOT_MULTIPLIER = 0x9e3779b1;

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
  /**
   * Id index: entry i at [2i, 2i + 1] holds hashOrderId(id) + 1 (0: empty)
   * and the node's slot (see `BookNode.slot`): key and node in one cache
   * line, and no pointer stores (no write barrier) when entries move.
   */
  #idTable = new Int32Array(2 * MIN_ID_SLOTS);
  #idSlots = MIN_ID_SLOTS;
  /**
   * Entries of the id index whose node left the book (see {@link #unlink}):
   * they stay until the index is rebuilt, and lookups pass over them.
   */
  #idStale = 0;
  /** The id table before the last rebuild, reused by the next one of the same size (no fresh pages). */
  #idSpare: Int32Array<ArrayBuffer> | null = null;
  /**
   * Filter of the id index: one bit per value of `hashOrderId & #filterMask`
   * (8 bits per table slot), set for every key put in the table since its
   * last rebuild. A clear bit proves an id absent without probing the
   * table: the probe of each new order's id (the duplicate check) was a
   * cache miss into the multi-megabyte table, whereas the filter (1/8 of
   * the table's size) mostly stays cached; 0.5-1 ms of a 10,000-order block
   * at 100k orders. Stale entries leave their bits set: false positives
   * only, at most ~6 % (the table is at most half full).
   */
  #filter = new Int32Array(MIN_ID_SLOTS / 4);
  #filterMask = 8 * MIN_ID_SLOTS - 1;
  /**
   * Per node slot: the id-index key of the resting order in it, 0 when empty
   * (so telling a stale entry needs no node), and the mark of the last
   * rebuild or snapshot that met its entry (an order is listed once).
   */
  #slotKeys = new Int32Array(1024);
  #slotSeen = new Int32Array(1024);
  #seenMark = 0;
  #slotShift = 32 - Math.log2(MIN_ID_SLOTS);
  #size = 0;
  #lastId = "";
  #lastHash = hashOrderId("");
  readonly #locIndex = new Map<string, number>();
  readonly #locNames: string[] = [];
  /** Expiry heap: node slots by heap position, `#heapLen` of them. */
  #heap = new Int32Array(1024);
  #heapLen = 0;
  /** Keys of the expiry heap by heap position: expiresAtMs and seq of the node in `#heap[i]`. */
  #heapExp = new Float64Array(1024);
  #heapSeq = new Float64Array(1024);
  /** Entries of the expiry heap whose node left the book (see {@link #unlink}). */
  #heapDead = 0;
  /** By node slot: the node, null once it left the book. */
  #slotNodes: (BookNode | null)[] = [];
  /** Slots of nodes that left the book, reused first. */
  #freeSlots: number[] = [];
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
      reserveForBlock: (blockOrders) => {
        if (this.#heapDead > 0) this.#compactHeap();
        this.#reserve(this.#size + Math.max(this.#size >> 3, 2 * blockOrders));
      },
      retained: [],
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
    book.#reserve(sorted.length);
    for (let i = 0; i < sorted.length; i++) book.insert({ ...sorted[i]! });
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
    const hash = this.#hash(id);
    const bit = hash & this.#filterMask;
    if ((this.#filter[bit >>> 5]! & (1 << (bit & 31))) === 0) return undefined;
    const key = hash + 1;
    const table = this.#idTable, mask = this.#idSlots - 1;
    for (let i = Math.imul(key, SLOT_MULTIPLIER) >>> this.#slotShift;; i = (i + 1) & mask) {
      const k = table[2 * i]!;
      if (k === 0) return undefined;
      if (k === key) {
        // A stale entry's slot is empty, or holds a later order (another id).
        const n = this.#slotNodes[table[2 * i + 1]!] ?? null;
        if (n !== null && n.order.id === id) return n;
      }
    }
  }

  /** Put a node in the id index (its id is not there), growing the table at half full. */
  #indexAdd(node: BookNode): void {
    if ((this.#size + this.#idStale + 1) * 2 > this.#idSlots) this.#indexGrow();
    const key = node.idHash + 1;
    const table = this.#idTable, mask = this.#idSlots - 1;
    let i = Math.imul(key, SLOT_MULTIPLIER) >>> this.#slotShift;
    while (table[2 * i] !== 0) i = (i + 1) & mask;
    table[2 * i] = key;
    table[2 * i + 1] = node.slot;
    this.#slotKeys[node.slot] = key;
    this.#filterAdd(node.idHash);
  }

  #filterAdd(hash: number): void {
    const bit = hash & this.#filterMask;
    this.#filter[bit >>> 5]! |= 1 << (bit & 31);
  }

  /** Room for one more entry: drop the stale entries, and double the table if that is not enough. */
  #indexGrow(): void {
    this.#indexResize((this.#size + 1) * 2 > this.#idSlots ? this.#idSlots * 2 : this.#idSlots);
  }

  /** Room for `orders` resting orders without regrowing the id index or the heap's key arrays. */
  #reserve(orders: number): void {
    let slots = this.#idSlots;
    while (orders * 2 > slots) slots *= 2;
    // Stale entries are dropped once they are a sixteenth of the book (each costs a probe step).
    if (slots > this.#idSlots || this.#idStale > (this.#size >> 4)) this.#indexResize(slots);
    const heapRoom = this.#heapExp.length;
    if (orders > heapRoom) this.#heapResize(Math.max(orders, 2 * heapRoom));
  }

  /** Room for `n` slots in the heap's typed arrays and `#slotKeys`. */
  #heapResize(n: number): void {
    const heap = new Int32Array(n);
    const exp = new Float64Array(n), seq = new Float64Array(n);
    const keys = new Int32Array(n);
    heap.set(this.#heap);
    exp.set(this.#heapExp);
    seq.set(this.#heapSeq);
    keys.set(this.#slotKeys);
    this.#slotKeys = keys;
    this.#heap = heap;
    this.#heapExp = exp;
    this.#heapSeq = seq;
  }

  /**
   * Rehash the live entries of the id index into `slots` slots (a power of
   * two, more than twice the size), in table order; stale ones are dropped.
   */
  #indexResize(slots: number): void {
    const old = this.#idTable, oldSlots = this.#idSlots;
    const mask = slots - 1;
    let table = this.#idSpare;
    if (table !== null && table.length === 2 * slots) table.fill(0);
    else table = new Int32Array(2 * slots);
    const shift = 32 - Math.log2(slots);
    const mark = this.#nextSeenMark();
    if (this.#filter.length === slots / 4) this.#filter.fill(0);
    else this.#filter = new Int32Array(slots / 4);
    this.#filterMask = 8 * slots - 1;
    for (let j = 0; j < oldSlots; j++) {
      const key = old[2 * j]!;
      if (key === 0 || !this.#isLiveEntry(key, old[2 * j + 1]!, mark)) continue;
      this.#filterAdd(key - 1);
      let i = Math.imul(key, SLOT_MULTIPLIER) >>> shift;
      while (table[2 * i] !== 0) i = (i + 1) & mask;
      table[2 * i] = key;
      table[2 * i + 1] = old[2 * j + 1]!;
    }
    this.#idSpare = oldSlots === slots ? old : null;
    this.#idTable = table;
    this.#idSlots = slots;
    this.#slotShift = shift;
    this.#idStale = 0;
  }

  /** A fresh mark for {@link #isLiveEntry} (one pass over the table). */
  #nextSeenMark(): number {
    if (this.#slotSeen.length < this.#slotKeys.length) {
      this.#slotSeen = new Int32Array(this.#slotKeys.length);
    }
    return ++this.#seenMark;
  }

  /**
   * True for the one entry of a resting order met first in this pass (`mark`):
   * its slot holds a node with that key. A stale entry's slot is empty or holds
   * a later order; that order's own entry may have the same key (the same id
   * re-placed), and then the two are equal and one is enough.
   */
  #isLiveEntry(key: number, slot: number, mark: number): boolean {
    if (this.#slotKeys[slot] !== key || this.#slotSeen[slot] === mark) return false;
    this.#slotSeen[slot] = mark;
    return true;
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
    const seq = order.seq;
    const node = new BookNode(order, level, locIdx, seq, idHash);
    const tail = level.tail;
    if (tail === null || level.tailSeq <= seq) {
      // Append (the usual case: seq grows): the tail's seq and next need not be read.
      if (seq === level.tailSeq) markDupSeq(level);
      node.prev = tail;
      if (tail !== null) tail.next = node;
      else level.head = node;
      level.tail = node;
      level.tailSeq = seq;
    } else {
      let after: BookNode | null = tail;
      while (after !== null && after.seq > seq) after = after.prev;
      if (after !== null && after.seq === seq) markDupSeq(level);
      node.prev = after;
      node.next = after ? after.next : level.head;
      if (node.next) {
        node.next.prev = node;
        level.prefixVersion++;
      } else {
        level.tail = node;
        level.tailSeq = seq;
      }
      if (after) after.next = node;
      else level.head = node;
    }
    level.count++;
    level.totalWh += order.remainingWh;
    const counts = level.locCounts;
    while (counts.length <= locIdx) {
      counts.push(-1);
      level.locHeads.push(null);
      level.locTails.push(null);
      level.locTailSeqs.push(-1);
    }
    if (counts[locIdx] === -1) {
      counts[locIdx] = 0;
      level.locs.push(locIdx);
    }
    counts[locIdx]!++;
    const locTail = level.locTails[locIdx] ?? null;
    if (locTail === null || level.locTailSeqs[locIdx]! <= seq) {
      node.locPrev = locTail;
      if (locTail !== null) locTail.locNext = node;
      else level.locHeads[locIdx] = node;
      level.locTails[locIdx] = node;
      level.locTailSeqs[locIdx] = seq;
    } else {
      let locAfter: BookNode | null = locTail;
      while (locAfter !== null && locAfter.seq > seq) locAfter = locAfter.locPrev;
      node.locPrev = locAfter;
      node.locNext = locAfter ? locAfter.locNext : level.locHeads[locIdx] ?? null;
      if (node.locNext) node.locNext.locPrev = node;
      else {
        level.locTails[locIdx] = node;
        level.locTailSeqs[locIdx] = seq;
      }
      if (locAfter) locAfter.locNext = node;
      else level.locHeads[locIdx] = node;
    }
    // The heap gives the node its slot, which the id index stores.
    this.#heapPush(node, order.expiresAtMs);
    this.#indexAdd(node);
    this.#size++;
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
    const table = this.#idTable, slots = this.#idSlots;
    const mark = this.#nextSeenMark();
    // In id-table order, as before the sort (a stable sort: equal seqs keep it).
    for (let i = 0; i < slots; i++) {
      const key = table[2 * i]!, slot = table[2 * i + 1]!;
      if (key !== 0 && this.#isLiveEntry(key, slot, mark)) {
        out.push({ ...this.#slotNodes[slot]!.order });
      }
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
    while (this.#heapLen > 0 && this.#heapExp[0]! <= nowMs) {
      const node = this.#slotNodes[this.#heap[0]!] ?? null;
      if (node !== null) {
        this.#unlink(node);
        out.push(node.order);
      }
      this.#heapPopDead();
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
    if (level.prefixValidFor === level.prefixVersion && node.seq <= level.prefixEndSeq) {
      // It leaves the matcher's remembered prefix (see Level.prefixLen).
      level.prefixLen--;
      if (node === level.prefixEnd) {
        level.prefixEnd = node.prev;
        level.prefixEndSeq = node.prev === null ? -1 : node.prev.seq;
      }
    }
    level.totalWh -= node.order.remainingWh;
    const li = node.locIdx;
    level.locCounts[li]!--;
    if (node.locPrev) node.locPrev.locNext = node.locNext;
    else level.locHeads[li] = node.locNext;
    if (node.locNext) node.locNext.locPrev = node.locPrev;
    else level.locTails[li] = node.locPrev;
    node.removed = true;
    this.#size--;
    // Its id-index entry stays, stale (see #idStale): removing it cost a random table line.
    this.#slotKeys[node.slot] = 0;
    this.#idStale++;
    if (level.count === 0) (node.order.side === "buy" ? this.#buy : this.#sell).dropLevel(level);
    // Its heap entry stays, dead, until it reaches the top or the heap is compacted.
    this.#slotNodes[node.slot] = null;
    this.#heapDead++;
  }

  // Expiry heap ordered by (expiresAtMs, seq). An order that leaves the book
  // before it expires leaves its entry behind, dead (its slot's node is
  // null): removing it at once cost a sift of random heap lines per fill.
  // Dead entries are dropped when they reach the top, and all at once by the
  // compaction the match worker runs between blocks (reserveForBlock).

  #heapPush(n: BookNode, expiresAtMs: number): void {
    // Without the idle compaction (reserveForBlock), dead entries cost O(1) each, amortised.
    if (this.#heapDead > this.#size + 1024) this.#compactHeap();
    const i = this.#heapLen++;
    // Each heap entry (live or dead) holds its own slot: one bound for the slots and these arrays.
    if (i === this.#heap.length) this.#heapResize(i * 2);
    const slot = this.#freeSlots.length > 0 ? this.#freeSlots.pop()! : this.#slotNodes.length;
    if (slot === this.#slotNodes.length) this.#slotNodes.push(n);
    else this.#slotNodes[slot] = n;
    n.slot = slot;
    this.#siftUp(i, slot, expiresAtMs, n.seq);
  }

  /** Remove the top entry of the heap, a dead one, and free its slot. */
  #heapPopDead(): void {
    this.#freeSlots.push(this.#heap[0]!);
    this.#heapDead--;
    const len = --this.#heapLen;
    if (len > 0) this.#siftDown(0, this.#heap[len]!, this.#heapExp[len]!, this.#heapSeq[len]!);
  }

  /** Drop the dead entries (freeing their slots) and rebuild the heap from the live ones. */
  #compactHeap(): void {
    const h = this.#heap, exp = this.#heapExp, seq = this.#heapSeq, nodes = this.#slotNodes;
    const len = this.#heapLen;
    let j = 0;
    for (let i = 0; i < len; i++) {
      const slot = h[i]!;
      if (nodes[slot] === null) {
        this.#freeSlots.push(slot);
        continue;
      }
      h[j] = slot;
      exp[j] = exp[i]!;
      seq[j] = seq[i]!;
      j++;
    }
    this.#heapLen = j;
    this.#heapDead = 0;
    for (let i = (j >> 1) - 1; i >= 0; i--) this.#siftDown(i, h[i]!, exp[i]!, seq[i]!);
  }

  /** Place `slot` (keys e, s) at `i` or above, moving larger parents down. */
  #siftUp(i: number, slot: number, e: number, s: number): void {
    const h = this.#heap, exp = this.#heapExp, seq = this.#heapSeq;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = exp[p]!;
      if (!(e < pe || (e === pe && s < seq[p]!))) break;
      const parent = h[p]!;
      h[i] = parent;
      exp[i] = pe;
      seq[i] = seq[p]!;
      i = p;
    }
    h[i] = slot;
    exp[i] = e;
    seq[i] = s;
  }

  /** Place `slot` (keys e, s) at `i` or below, moving smaller children up. */
  #siftDown(i: number, slot: number, e: number, s: number): void {
    const h = this.#heap, exp = this.#heapExp, seq = this.#heapSeq;
    const len = this.#heapLen;
    for (;;) {
      const l = 2 * i + 1, r = l + 1;
      if (l >= len) break;
      let ci = l;
      let ce = exp[l]!, cs = seq[l]!;
      if (r < len) {
        const re = exp[r]!, rs = seq[r]!;
        if (re < ce || (re === ce && rs < cs)) {
          ci = r;
          ce = re;
          cs = rs;
        }
      }
      if (!(ce < e || (ce === e && cs < s))) break;
      const c = h[ci]!;
      h[i] = c;
      exp[i] = ce;
      seq[i] = cs;
      i = ci;
    }
    h[i] = slot;
    exp[i] = e;
    seq[i] = s;
  }
}
