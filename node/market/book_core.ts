/**
 * Internal node and level records of the order book, shared with the
 * matcher's hot loop (not exported from mod.ts). The matcher walks these
 * directly instead of going through id lookups.
 */
import type { Order } from "./order.ts";

/** Key of the internal view on an {@link OrderBook} (see `getBookCore`). */
export const BOOK_CORE: unique symbol = Symbol("gtx.market.bookCore");

/** One resting order in its price level's FIFO (doubly linked, seq order). */
export class BookNode {
  prev: BookNode | null = null;
  next: BookNode | null = null;
  /** Neighbours in the level's FIFO of the same location. */
  locPrev: BookNode | null = null;
  locNext: BookNode | null = null;
  removed = false;
  /**
   * Small integer naming this node in the book's expiry heap, which holds
   * slots and keeps their keys in typed arrays (so sifting never loads a
   * node). Reused by a later node once this one left the book and its heap
   * entry is gone.
   */
  slot = -1;
  /** Mark of the last block run that changed this order (see matching.ts). */
  touchedRun = 0;
  constructor(
    readonly order: Order,
    readonly level: Level,
    /** Index of the order's location in the book's location table. */
    readonly locIdx: number,
    readonly seq: number,
    /** {@link hashOrderId} of the order id (key of the book's id index). */
    readonly idHash: number,
  ) {}
}

/**
 * 30-bit hash of an order id: the key of the book's id index. FNV-1a style
 * over pairs of UTF-16 code units (two per multiply) of the id's first and
 * last 8 code units and its length (all of a shorter id), then a murmur3
 * finaliser so that every bit of the input reaches every bit of the hash.
 * A small integer key hashes inline, whereas V8 hashes a fresh string key
 * through a runtime call costing several hundred ns.
 *
 * Why not every character: a chain's order ids are transaction hashes (64
 * hex characters), so 16 of them already carry 64 random bits, and reading
 * all 64 was ~85 ns per id, ~10 % of a 10,000-order block. Ids that differ
 * only in their middle collide; the index stays correct (it compares ids),
 * only slower for them.
 */
export function hashOrderId(id: string): number {
  const n = id.length;
  let h = Math.imul(0x811c9dc5 ^ n, 0x01000193);
  if (n <= 16) {
    let i = 0;
    for (; i + 1 < n; i += 2) {
      h = Math.imul(h ^ (id.charCodeAt(i) | (id.charCodeAt(i + 1) << 16)), 0x01000193);
    }
    if (i < n) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  } else {
    for (let i = 0; i < 8; i += 2) {
      h = Math.imul(h ^ (id.charCodeAt(i) | (id.charCodeAt(i + 1) << 16)), 0x01000193);
    }
    for (let i = n - 8; i < n; i += 2) {
      h = Math.imul(h ^ (id.charCodeAt(i) | (id.charCodeAt(i + 1) << 16)), 0x01000193);
    }
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) & 0x3fffffff;
}

/** One price level of one side. */
export class Level {
  head: BookNode | null = null;
  tail: BookNode | null = null;
  /**
   * At least the seq of `tail` (not lowered when the tail leaves): an order
   * with a higher seq appends without loading the tail node, a cache miss
   * per insert in a large book. Likewise `locTailSeqs` per location.
   */
  tailSeq = -1;
  count = 0;
  totalWh = 0;
  /** Resting orders of this level per book location index (-1: location never seen here). */
  readonly locCounts: number[] = [];
  /** Per book location index: first and last node of that location in this level (seq order). */
  readonly locHeads: (BookNode | null)[] = [];
  readonly locTails: (BookNode | null)[] = [];
  /** Per book location index: at least the seq of `locTails[li]` (see {@link tailSeq}). */
  readonly locTailSeqs: number[] = [];
  /** Book location indices seen in this level (their counts may have dropped to 0). */
  readonly locs: number[] = [];
  /** Bumped whenever an order enters the FIFO other than at the tail. */
  prefixVersion = 0;
  /**
   * A FIFO prefix the matcher walked (see matching.ts): its length, last
   * node and that node's seq, and every location it held (a superset of
   * those it holds now), valid while `prefixVersion === prefixValidFor`.
   * An order leaving the level from inside the prefix shortens it (and
   * moves `prefixEnd` back when it was the last), so fills keep it valid.
   */
  prefixLen = 0;
  prefixEnd: BookNode | null = null;
  prefixEndSeq = -1;
  /**
   * True once two of the level's orders may share a seq (not in a chain's
   * book, whose seqs are unique): the matcher then keeps no prefix, which
   * it tells apart from the rest of the FIFO by seq.
   */
  dupSeq = false;
  readonly prefixLocs: number[] = [];
  prefixValidFor = -1;
  constructor(public priceSatangPerKwh: number) {}

  /**
   * Make an empty level (dropped from its side) a fresh level at another
   * price: the book reuses dropped levels instead of allocating new ones
   * (~1,400 levels empty and refill per 10,000-order block of the benchmark).
   */
  reset(priceSatangPerKwh: number): void {
    this.priceSatangPerKwh = priceSatangPerKwh;
    this.head = this.tail = null;
    this.tailSeq = -1;
    this.count = 0;
    this.totalWh = 0;
    const locs = this.locs;
    for (let k = 0; k < locs.length; k++) {
      const li = locs[k]!;
      this.locCounts[li] = -1;
      this.locHeads[li] = null;
      this.locTails[li] = null;
      this.locTailSeqs[li] = -1;
    }
    locs.length = 0;
    this.prefixVersion++;
    this.prefixLen = 0;
    this.prefixEnd = null;
    this.prefixEndSeq = -1;
    this.dupSeq = false;
    this.prefixLocs.length = 0;
    this.prefixValidFor = -1;
  }
}

/** What the matcher needs from the book besides its public methods. */
export interface BookCore {
  /** Levels of a side, best price LAST. */
  levels(side: "buy" | "sell"): readonly Level[];
  /** Location strings by book location index. */
  readonly locNames: readonly string[];
  /** Insert a validated order known not to be in the book; returns its node. */
  insertNode(order: Order): BookNode;
  /** Record a fill on a resting node. */
  fill(node: BookNode, amountWh: number, paidSatang: number): void;
  /** Remove a resting node. */
  unlink(node: BookNode): void;
  /** The node of a resting order id. */
  node(id: string): BookNode | undefined;
  /**
   * Between blocks: grow the id index and the expiry heap's arrays now when
   * the book growing by twice `blockOrders` (the orders of a block), or by
   * an eighth, would make them grow, so that they do not during the next
   * match. Growing rehashes the whole id index and touches its fresh pages:
   * ~20 ms at 500k orders, more than the rest of a 10,000-order block.
   * Also drops the expiry heap's dead entries (orders that left the book
   * before expiring) and rebuilds it (~1 ms at 100k orders), and rebuilds the
   * id index without its stale entries once they are a sixteenth of the book
   * (3-4 ms at 100k).
   * Changes no result: only the order of orders with equal seqs (in
   * `snapshot`, and among equal expiry times) follows the index's size and
   * the heap's shape, and a chain's book has unique seqs.
   */
  reserveForBlock(blockOrders: number): void;
  /** Objects the matcher keeps alive between blocks (see `retainShapes` in matching.ts). */
  readonly retained: unknown[];
}
