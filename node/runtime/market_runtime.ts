/**
 * The node's side of the energy market: the match worker and its book
 * replica (kept at the head block; when a matched block is not committed,
 * rolled back to its parent; reloaded from state otherwise), and
 * in-memory indexes of open orders for the API. Consensus results never
 * depend on this object: without it the market hook rebuilds the book from
 * state and computes the same thing.
 */
import { type MemoryState, ORDER_KEY_PREFIX, type StateChange } from "../chain/state.ts";
import type { MarketMatchService } from "../market/chain/market_end_block.ts";
import { getGridFlows, getGridTopology } from "../market/chain/market_state.ts";
import type { MarketOp, MatchContext } from "../market/matching.ts";
import type { Order } from "../market/order.ts";
import type { GridTopology } from "../market/location.ts";
import { InlineMatcher, type Matcher, WorkerMatcher } from "../../workers/match_client.ts";
import { TRADE_KEY_PREFIX } from "../chain/state.ts";
import type { Trade } from "../market/trade.ts";
import type { MarketMetrics } from "../metrics/market_metrics.ts";

export class MarketRuntime {
  readonly matcher: Matcher;
  /** Hash of the block whose state the matcher's replica reflects; null = unknown. */
  private replicaAt: string | null = null;
  /** Topology the replica was loaded with (caps of grid emergencies applied). */
  private loadedTopology: GridTopology | null = null;
  /** Whether the replica was advanced by a match since the last commit/discard. */
  private advanced = false;
  /**
   * Parent of the last block matched and not committed: the replica is that
   * block ahead of it and can be rolled back instead of reloaded.
   */
  private matchedOn: string | null = null;
  /** Replica reloads (every open order sent), rollbacks, and rollbacks that failed (then reloaded). */
  readonly replicaStats = { loads: 0, rollbacks: 0, rollbackFailures: 0 };
  private readonly metrics: MarketMetrics | undefined;
  /** Open orders by id (the committed state's `order/*`). */
  readonly orders = new Map<string, Order>();

  constructor(
    private readonly state: MemoryState,
    opts: { useWorker: boolean; metrics?: MarketMetrics },
  ) {
    this.metrics = opts.metrics;
    this.matcher = opts.useWorker ? new WorkerMatcher({ timeoutMs: 30_000 }) : new InlineMatcher();
    this.rebuild();
  }

  /** Re-reads open orders from the committed state (after it was reloaded); the replica reloads lazily. */
  rebuild(): void {
    this.orders.clear();
    for (const [k, v] of this.state.entriesWithPrefix(ORDER_KEY_PREFIX)) {
      this.orders.set(k.slice(ORDER_KEY_PREFIX.length), v as Order);
    }
    this.replicaAt = null;
    this.matchedOn = null;
    this.advanced = false;
  }

  /**
   * The match service for a block built or checked on top of `parentHash`
   * (whose state is the committed state): reloads the replica first if it is
   * not at that block. After the block, call `committed` or `discarded`.
   */
  async serviceFor(parentHash: string): Promise<MarketMatchService | undefined> {
    const topology = getGridTopology(this.state);
    if (!topology) return undefined;
    if (this.replicaAt !== parentHash && this.matchedOn === parentHash) {
      await this.rollBack(parentHash);
    }
    if (this.replicaAt !== parentHash) await this.load(topology, parentHash);
    return {
      match: async (ops: MarketOp[], ctx: MatchContext, blockTopology: GridTopology) => {
        // A cap emergency declared in this block changes the topology the block matches on.
        if (blockTopology !== this.loadedTopology) await this.load(blockTopology, parentHash);
        this.replicaAt = null; // the replica is now ahead of the committed state
        this.matchedOn = parentHash;
        this.advanced = true;
        const end = this.metrics?.matchingSeconds.startTimer();
        return await this.matcher.match(ops, ctx).finally(() => end?.());
      },
    };
  }

  private async load(topology: GridTopology, at: string): Promise<void> {
    this.replicaStats.loads++;
    await this.matcher.load(topology, this.orders.values(), getGridFlows(this.state));
    this.loadedTopology = topology;
    this.replicaAt = at;
  }

  /**
   * Undo the last match (its block was not committed) so that the replica is
   * at `parentHash` again; on any failure the replica stays unknown (the
   * caller reloads).
   */
  private async rollBack(parentHash: string): Promise<void> {
    this.matchedOn = null;
    try {
      await this.matcher.rollback();
      this.replicaStats.rollbacks++;
      this.replicaAt = parentHash;
    } catch {
      this.replicaStats.rollbackFailures++;
      this.replicaAt = null;
    }
  }

  /** The block `hash`, the last one built or checked, was committed with `changes`. */
  committed(hash: string, changes: readonly StateChange[]): void {
    for (const [k, v] of changes) {
      if (k.startsWith(TRADE_KEY_PREFIX) && v !== null) {
        this.metrics?.tradesTotal.inc();
        this.metrics?.tradedWh.inc((v as Trade).amountWh);
      }
      if (!k.startsWith(ORDER_KEY_PREFIX)) continue;
      const id = k.slice(ORDER_KEY_PREFIX.length);
      if (v === null) this.orders.delete(id);
      else this.orders.set(id, v as Order);
    }
    if (this.advanced) this.replicaAt = hash;
    this.advanced = false;
    this.matchedOn = null;
    this.updateOrderGauges();
  }

  /**
   * The block that was matched was not committed: the replica is ahead of
   * the committed state. The next `serviceFor` at the block's parent rolls
   * it back (one small request) instead of reloading every open order.
   */
  discarded(): void {
    this.replicaAt = null;
    this.advanced = false;
  }

  private updateOrderGauges(): void {
    if (!this.metrics) return;
    let buys = 0;
    for (const o of this.orders.values()) if (o.side === "buy") buys++;
    this.metrics.openOrders.set({ side: "buy" }, buys);
    this.metrics.openOrders.set({ side: "sell" }, this.orders.size - buys);
  }

  close(): void {
    this.matcher.close();
  }
}
