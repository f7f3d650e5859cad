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
  removed = false;
  /** Mark of the last block run that changed this order (see matching.ts). */
  touchedRun = 0;
  constructor(
    readonly order: Order,
    readonly level: Level,
    /** Index of the order's location in the book's location table. */
    readonly locIdx: number,
    readonly seq: number,
    readonly expiresAtMs: number,
  ) {}
}

/** One price level of one side. */
export class Level {
  head: BookNode | null = null;
  tail: BookNode | null = null;
  count = 0;
  totalWh = 0;
  /** Resting orders of this level per book location index (-1: location never seen here). */
  readonly locCounts: number[] = [];
  /** Book location indices seen in this level (their counts may have dropped to 0). */
  readonly locs: number[] = [];
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
