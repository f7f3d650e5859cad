/**
 * Undo journal of the match worker's replica: after a block is matched, the
 * replica can be put back at the block's parent (the block was discarded:
 * another proposal won the round, a timeout, a failed check) without
 * reloading every resting order from the main thread.
 *
 * How, with the book's public methods only: the journal keeps every resting
 * order object of the parent state by id ({@link ReplicaJournal.live}; the
 * book keeps the objects it is given and the matcher changes only their
 * `remainingWh` and `lockedSatang`, in place), the grid flows before the
 * block, and the block's {@link MatchResult}. Undo:
 * - orders the block placed that still rest (in `changed`, not in the parent)
 *   are removed;
 * - every parent order the block touched (filled, removed or changed) is
 *   replaced by its pre-image: the parent object with the block's fills added
 *   back, `amountWh` of each trade to `remainingWh` and, for a buy,
 *   `valueSatang + gridFeeSatang` of each trade to `lockedSatang` (the
 *   settlement rule of a trade, see `Trade`). The book inserts by price, then
 *   seq, so the pre-image gets its original priority back;
 * - the grid flows before the block are restored into a fresh GridState.
 * A block that re-placed the id of a parent order after it left the book is
 * not undone (`NOT_REVERSIBLE`: the caller reloads instead).
 *
 * The kept result's `changed` orders are the book's live objects (the session
 * matches with `shareChangedOrders`): only their ids are read here.
 */
import type { GridFlowSnapshot, MatchResult, Order } from "../node/market/mod.ts";
import { GridState, type OrderBook } from "../node/market/mod.ts";

/** Why a rollback was refused; the replica must then be reloaded. */
export class RollbackError extends Error {
  override readonly name = "RollbackError";
  /** @param code `NO_JOURNAL`, `NOT_REVERSIBLE` or `ROLLBACK_MISMATCH` */
  constructor(
    readonly code: "NO_JOURNAL" | "NOT_REVERSIBLE" | "ROLLBACK_MISMATCH",
    message: string,
  ) {
    super(message);
  }
}

/** What was recorded about the last matched block. */
interface BlockEntry {
  /** Request id of the match (a rollback names the match it undoes). */
  matchId: number;
  gridBefore: GridFlowSnapshot;
  sizeBefore: number;
  result: MatchResult;
  reversible: boolean;
}

/** The replica's parent-state index and the undo entry of its last matched block. */
export class ReplicaJournal {
  /** Resting order objects of the parent state (the book's own objects), by id. */
  readonly live = new Map<string, Order>();
  #entry: BlockEntry | null = null;

  /** Start over from a freshly loaded book: index its objects, no undo entry. */
  reset(book: OrderBook | null, orders: readonly Order[] = []): void {
    this.live.clear();
    this.#entry = null;
    if (book === null) return;
    for (const o of orders) {
      const obj = book.get(o.id);
      if (obj !== undefined) this.live.set(o.id, obj);
    }
  }

  /**
   * Before matching a block on `book`: the previous block (if any) is now
   * the parent (a match is only sent at the head), so fold it into the index.
   */
  beginMatch(book: OrderBook): void {
    const e = this.#entry;
    if (e === null) return;
    this.#entry = null;
    for (const rm of e.result.removed) this.live.delete(rm.orderId);
    for (const o of e.result.changed) {
      const obj = book.get(o.id);
      if (obj !== undefined) this.live.set(o.id, obj);
    }
  }

  /**
   * Record the undo entry of a block just matched from `gridBefore` /
   * `sizeBefore` with `placedIds` (ids of its place ops).
   */
  recordMatch(
    matchId: number,
    gridBefore: GridFlowSnapshot,
    sizeBefore: number,
    placedIds: readonly unknown[],
    result: MatchResult,
  ): void {
    // A place op reusing a parent order's id was accepted only if that order had left the book first.
    let reversible = true;
    const rejected = new Set<string>();
    for (const r of result.rejected) rejected.add(r.orderId);
    for (const id of placedIds) {
      if (typeof id === "string" && this.live.has(id) && !rejected.has(id)) reversible = false;
    }
    this.#entry = { matchId, gridBefore, sizeBefore, result, reversible };
  }

  /**
   * Put `book` back at the parent of match `matchId`; returns the grid at
   * the parent (a new GridState on `topologyOf`'s topology). Throws
   * {@link RollbackError}; the book is then in an unknown state.
   */
  rollBack(book: OrderBook, topologyOf: GridState, matchId: number): GridState {
    const e = this.#entry;
    if (e === null || e.matchId !== matchId) {
      throw new RollbackError("NO_JOURNAL", `No undo entry for match request ${matchId}`);
    }
    if (!e.reversible) {
      throw new RollbackError(
        "NOT_REVERSIBLE",
        `Match request ${matchId} re-placed a parent order id`,
      );
    }
    this.#entry = null;
    const live = this.live, r = e.result;
    const filledWh = new Map<string, number>(), paidSatang = new Map<string, number>();
    for (const t of r.trades) {
      if (live.has(t.sellOrderId)) {
        filledWh.set(t.sellOrderId, (filledWh.get(t.sellOrderId) ?? 0) + t.amountWh);
      }
      if (live.has(t.buyOrderId)) {
        filledWh.set(t.buyOrderId, (filledWh.get(t.buyOrderId) ?? 0) + t.amountWh);
        paidSatang.set(
          t.buyOrderId,
          (paidSatang.get(t.buyOrderId) ?? 0) + t.valueSatang + t.gridFeeSatang,
        );
      }
    }
    const touched = new Set<string>(filledWh.keys());
    for (const rm of r.removed) if (live.has(rm.orderId)) touched.add(rm.orderId);
    for (const o of r.changed) {
      if (live.has(o.id)) touched.add(o.id);
      else book.remove(o.id); // placed by the block
    }
    for (const id of touched) {
      const now = live.get(id)!;
      const pre: Order = { ...now };
      pre.remainingWh += filledWh.get(id) ?? 0;
      pre.lockedSatang += paidSatang.get(id) ?? 0;
      if (pre.remainingWh > pre.amountWh) {
        throw new RollbackError(
          "ROLLBACK_MISMATCH",
          `Order ${id}: pre-image has remainingWh ${pre.remainingWh} > amountWh ${pre.amountWh}`,
        );
      }
      book.remove(id);
      book.insert(pre);
      live.set(id, pre);
    }
    if (book.size !== e.sizeBefore) {
      throw new RollbackError(
        "ROLLBACK_MISMATCH",
        `Book has ${book.size} orders after rollback, had ${e.sizeBefore} before the block`,
      );
    }
    const grid = new GridState(topologyOf.topology);
    grid.restore(e.gridBefore);
    return grid;
  }
}
