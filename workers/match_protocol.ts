/**
 * Message protocol of the match worker, and the request handler that both
 * the worker and the same-thread matcher run (so both behave identically).
 *
 * The worker keeps its own replica of the order book and grid flows. The
 * main thread loads it once (`load`, e.g. from chain state after a restart or
 * after a reorg), then sends each block's ops (`match`); the worker's replica
 * advances with every match. A block that is then not committed is undone
 * with `rollback` (see replica_journal.ts), which puts the replica back at
 * the block's parent. After an error or a timeout the replica is unknown:
 * `load` again.
 *
 * Ops, loaded orders and results travel packed (match_codec.ts): send the
 * buffers of {@link getRequestTransferables} / {@link getResponseTransferables}
 * as the message's transfer list.
 */
import type {
  GridFlowSnapshot,
  GridTopology,
  MarketOp,
  MatchContext,
  Order,
} from "../node/market/mod.ts";
import { GridState, MarketError, matchBlock, OrderBook } from "../node/market/mod.ts";
import { shareConstantStrings } from "../node/market/order.ts";
import { BOOK_CORE } from "../node/market/book_core.ts";
import {
  decodeOps,
  decodeOrders,
  encodeResult,
  getTransferables,
  type WireOps,
  type WireOrders,
  type WireResult,
} from "./match_codec.ts";
import { ReplicaJournal, RollbackError } from "./replica_journal.ts";

/** Requests to the match worker; `id` pairs a response with its request. */
export type MatchWorkerRequest =
  /** Replace the replica: topology, resting orders (packed), and the current interval's flows. */
  | {
    type: "load";
    id: number;
    topology: GridTopology;
    orders: WireOrders;
    gridFlows: GridFlowSnapshot | null;
  }
  /** Run `matchBlock` on the replica with the block's ops (packed, see `encodeOps`). */
  | { type: "match"; id: number; ops: WireOps; ctx: MatchContext }
  /** Undo the match request `matchId`, the last one: the replica goes back to that block's parent. */
  | { type: "rollback"; id: number; matchId: number }
  /** Drop the replica. */
  | { type: "reset"; id: number };

/**
 * Responses from the match worker. Error codes: `NOT_LOADED`, `NO_JOURNAL`,
 * `NOT_REVERSIBLE`, `ROLLBACK_MISMATCH`, `INTERNAL` or a market code; after
 * any error the replica is dropped.
 */
export type MatchWorkerResponse =
  | { type: "loaded"; id: number; orders: number }
  | { type: "matched"; id: number; result: WireResult }
  | { type: "rolledBack"; id: number; orders: number }
  | { type: "reset"; id: number }
  | { type: "error"; id: number; code: string; message: string };

/** Buffers to transfer (not clone) with a request. */
export function getRequestTransferables(req: MatchWorkerRequest): ArrayBuffer[] {
  if (req.type === "match") return getTransferables(req.ops.columns);
  if (req.type === "load") return getTransferables(req.orders.columns);
  return [];
}

/** Buffers to transfer (not clone) with a response. */
export function getResponseTransferables(res: MatchWorkerResponse): ArrayBuffer[] {
  if (res.type === "matched" && "columns" in res.result) {
    return getTransferables(res.result.columns);
  }
  return [];
}

/**
 * One copy per distinct string: a structured clone gives every order its own
 * copy of its owner and location strings (~120 bytes per order), although a
 * few thousand owners and a few dozen substations cover every order.
 */
export class StringPool {
  #strings = new Map<string, string>();

  intern(s: string): string {
    const known = this.#strings.get(s);
    if (known !== undefined) return known;
    this.#strings.set(s, s);
    return s;
  }

  /**
   * Points the order's owner and location at the pooled copies, and its side
   * and source at the string constants (`shareConstantStrings`): equal
   * strings, so the order is unchanged field by field. Mutates `o`: only
   * for the session's own copies (a request is decoded afresh).
   * Malformed orders are left alone (matching rejects them as usual).
   */
  shareStrings(o: Order): void {
    if (typeof o?.owner !== "string" || typeof o.location !== "string") return;
    o.owner = this.intern(o.owner);
    o.location = this.intern(o.location);
    shareConstantStrings(o);
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
  readonly #journal = new ReplicaJournal();
  /** Ops of the largest block matched lately (see {@link prepareForNextBlock}). */
  #blockOps = 0;

  /** Handle one request; never throws (errors become `error` responses). */
  handle(req: MatchWorkerRequest): MatchWorkerResponse {
    try {
      switch (req.type) {
        case "load": {
          // Drop the old replica first: it can be collected while the new one is built.
          this.#drop();
          const grid = new GridState(req.topology);
          if (req.gridFlows) grid.restore(req.gridFlows);
          // fromOrders copies each order, taking the shared strings along.
          const orders = decodeOrders(req.orders);
          for (let i = 0; i < orders.length; i++) this.#strings.shareStrings(orders[i]!);
          const book = OrderBook.fromOrders(orders);
          this.#journal.reset(book, orders);
          this.#book = book;
          this.#grid = grid;
          return { type: "loaded", id: req.id, orders: book.size };
        }
        case "match": {
          const book = this.#book, grid = this.#grid;
          if (!book || !grid) {
            return { type: "error", id: req.id, code: "NOT_LOADED", message: "Match before load" };
          }
          this.#journal.beginMatch(book);
          const gridBefore = grid.snapshot(), sizeBefore = book.size;
          const ops = this.#shareOpStrings(decodeOps(req.ops));
          // Decays, so that one huge block does not keep the reserve up for good.
          this.#blockOps = Math.max(ops.length, this.#blockOps - (this.#blockOps >> 4));
          // The result is encoded below, before the book changes again: no copies of placed
          // orders. (The journal keeps it but reads only the ids of `changed`.)
          const result = matchBlock(book, grid, ops, req.ctx, { shareChangedOrders: true });
          const placedIds: unknown[] = [];
          for (const op of ops) if (op?.type === "place") placedIds.push(op.order?.id);
          this.#journal.recordMatch(req.id, gridBefore, sizeBefore, placedIds, result);
          return { type: "matched", id: req.id, result: encodeResult(result) };
        }
        case "rollback": {
          const book = this.#book, grid = this.#grid;
          if (!book || !grid) {
            return {
              type: "error",
              id: req.id,
              code: "NOT_LOADED",
              message: "Rollback before load",
            };
          }
          this.#grid = this.#journal.rollBack(book, grid, req.matchId);
          return { type: "rolledBack", id: req.id, orders: book.size };
        }
        case "reset":
          this.#drop();
          return { type: "reset", id: req.id };
      }
    } catch (e) {
      this.#drop();
      return {
        type: "error",
        id: req.id,
        code: e instanceof MarketError || e instanceof RollbackError ? e.code : "INTERNAL",
        message: e instanceof Error ? e.message : String(e),
      };
    }
  }

  /**
   * The replica's resting orders (copies, by seq) and grid flows, or null
   * when there is none: for tests and diagnostics, not part of the protocol.
   */
  inspect(): { orders: Order[]; gridFlows: GridFlowSnapshot } | null {
    if (!this.#book || !this.#grid) return null;
    return { orders: this.#book.snapshot(), gridFlows: this.#grid.snapshot() };
  }

  /**
   * Idle work between blocks: grow the replica's id index and expiry heap
   * now rather than during the next match, when a block like the largest
   * lately could make them grow, and drop the entries that orders which left
   * the book leave in them (see `BookCore.reserveForBlock`).
   */
  prepareForNextBlock(): void {
    this.#book?.[BOOK_CORE].reserveForBlock(this.#blockOps);
  }

  #drop(): void {
    this.#book = null;
    this.#grid = null;
    this.#strings.clear();
    this.#journal.reset(null);
  }

  /** Place ops' orders take the shared strings (the book keeps a copy of each placed order). */
  #shareOpStrings(ops: MarketOp[]): MarketOp[] {
    for (const op of ops) if (op?.type === "place") this.#strings.shareStrings(op.order);
    return ops;
  }
}
