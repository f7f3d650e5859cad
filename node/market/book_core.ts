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
  /** Position in the book's expiry heap, -1 when not in it. */
  heapIdx = -1;
  /** Mark of the last block run that changed this order (see matching.ts). */
  touchedRun = 0;
  /** Next node whose id has the same {@link hashOrderId} (chain in the id index). */
  sameHashNext: BookNode | null = null;
  constructor(
    readonly order: Order,
    readonly level: Level,
    /** Index of the order's location in the book's location table. */
    readonly locIdx: number,
    readonly seq: number,
    readonly expiresAtMs: number,
    readonly idHash: number,
  ) {}
}

/**
 * 30-bit FNV-1a over the UTF-16 code units of an order id: the key of the
 * book's id index. A small integer key hashes inline, whereas V8 hashes a
 * fresh string key through a runtime call costing several hundred ns.
 */
export function hashOrderId(id: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h & 0x3fffffff;
}

/** One price level of one side. */
export class Level {
  head: BookNode | null = null;
  tail: BookNode | null = null;
  count = 0;
  totalWh = 0;
  /** Resting orders of this level per book location index (-1: location never seen here). */
  readonly locCounts: number[] = [];
  /** Per book location index: first and last node of that location in this level (seq order). */
  readonly locHeads: (BookNode | null)[] = [];
  readonly locTails: (BookNode | null)[] = [];
  /** Book location indices seen in this level (their counts may have dropped to 0). */
  readonly locs: number[] = [];
  /** Bumped whenever the FIFO changes other than by appending at the tail. */
  prefixVersion = 0;
  /**
   * A FIFO prefix the matcher walked (see matching.ts): its length, last
   * node and locations, valid while `prefixVersion === prefixValidFor`.
   */
  prefixLen = 0;
  prefixEnd: BookNode | null = null;
  prefixLocs: number[] = [];
  prefixValidFor = -1;
  constructor(readonly priceSatangPerKwh: number) {}
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
}
