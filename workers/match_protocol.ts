/**
 * Message protocol of the match worker, and the request handler that both
 * the worker and the same-thread matcher run (so both behave identically).
 *
 * The worker keeps its own replica of the order book and grid flows. The
 * main thread loads it once (`load`, e.g. from chain state after a restart or
 * after a reorg), then sends each block's ops (`match`); the worker's replica
 * advances with every match. After an error or a timeout the replica is
 * unknown: `load` again.
 */
import type {
  GridFlowSnapshot,
  GridTopology,
  MarketOp,
  MatchContext,
  MatchResult,
  Order,
} from "../node/market/mod.ts";
import { GridState, MarketError, matchBlock, OrderBook } from "../node/market/mod.ts";
import { compactOrder } from "../node/market/order.ts";

/** Requests to the match worker; `id` pairs a response with its request. */
export type MatchWorkerRequest =
  /** Replace the replica: topology, resting orders, and the current interval's flows. */
  | {
    type: "load";
    id: number;
    topology: GridTopology;
    orders: Order[];
    gridFlows: GridFlowSnapshot | null;
  }
  /** Run `matchBlock` on the replica. */
  | { type: "match"; id: number; ops: MarketOp[]; ctx: MatchContext }
  /** Drop the replica. */
  | { type: "reset"; id: number };

/** Responses from the match worker. */
export type MatchWorkerResponse =
  | { type: "loaded"; id: number; orders: number }
  | { type: "matched"; id: number; result: MatchResult }
  | { type: "reset"; id: number }
  | { type: "error"; id: number; code: string; message: string };

/**
 * One copy per distinct string: a structured clone gives every order its own
 * copy of its owner and location strings (~120 bytes per order), although a
 * few thousand owners and a few dozen substations cover every order.
 */
class StringPool {
  #strings = new Map<string, string>();

  intern(s: string): string {
    const known = this.#strings.get(s);
    if (known !== undefined) return known;
    this.#strings.set(s, s);
    return s;
  }

  /**
   * Points the order's owner and location at the pooled copies (equal
   * strings, so the order is unchanged field by field). Mutates `o`: only
   * for the session's own copies (a request is a structured clone).
   * Malformed orders are left alone (matching rejects them as usual).
   */
  shareStrings(o: Order): void {
    if (typeof o?.owner !== "string" || typeof o.location !== "string") return;
    o.owner = this.intern(o.owner);
    o.location = this.intern(o.location);
  }

  clear(): void {
    this.#strings = new Map();
  }
}

/** The replica a worker (or the same-thread matcher) keeps, and its request handler. */
export class MatchSession {
  #book: OrderBook | null = null;
  #grid: GridState | null = null;
  #strings = new StringPool();

  /** Handle one request; never throws (errors become `error` responses). */
  handle(req: MatchWorkerRequest): MatchWorkerResponse {
    try {
      switch (req.type) {
        case "load": {
          // Drop the old replica first: it can be collected while the new one is built.
          this.#book = null;
          this.#grid = null;
          const grid = new GridState(req.topology);
          if (req.gridFlows) grid.restore(req.gridFlows);
          this.#strings.clear();
          // fromOrders copies each order, taking the shared strings and the compact layout along.
          const orders = req.orders;
          for (let i = 0; i < orders.length; i++) {
            this.#strings.shareStrings(orders[i]!);
            orders[i] = compactOrder(orders[i]!);
          }
          this.#book = OrderBook.fromOrders(orders);
          this.#grid = grid;
          return { type: "loaded", id: req.id, orders: this.#book.size };
        }
        case "match": {
          if (!this.#book || !this.#grid) {
            return { type: "error", id: req.id, code: "NOT_LOADED", message: "Match before load" };
          }
          return {
            type: "matched",
            id: req.id,
            result: matchBlock(this.#book, this.#grid, this.#shareOpStrings(req.ops), req.ctx),
          };
        }
        case "reset":
          this.#book = null;
          this.#grid = null;
          this.#strings.clear();
          return { type: "reset", id: req.id };
      }
    } catch (e) {
      this.#book = null;
      this.#grid = null;
      this.#strings.clear();
      return {
        type: "error",
        id: req.id,
        code: e instanceof MarketError ? e.code : "INTERNAL",
        message: e instanceof Error ? e.message : String(e),
      };
    }
  }

  /**
   * Place ops' orders take the shared strings and one compact object layout
   * (see `compactOrder`; the book keeps a copy of each placed order).
   */
  #shareOpStrings(ops: MarketOp[]): MarketOp[] {
    for (const op of ops) {
      if (op?.type !== "place") continue;
      this.#strings.shareStrings(op.order);
      op.order = compactOrder(op.order);
    }
    return ops;
  }
}
