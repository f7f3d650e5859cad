/**
 * End of every block: run the market (expiry, then the block's orders in
 * transaction order, see ../matching.ts) and settle what it did: trades pay
 * sellers and grid authorities from buyers' locks and move energy, removed
 * orders release what is left of their locks, resting orders and grid flows
 * are written back to state. Pure: with a matcher service (the match worker,
 * whose replica the node keeps at the parent state) or without one (the book
 * is rebuilt from state), the result is the same.
 */
import { addChecked } from "../../chain/amounts.ts";
import type { EnergySource } from "../../chain/params.ts";
import { stateKey, type StateOverlay } from "../../chain/state.ts";
import { ORDER_KEY_PREFIX } from "../../chain/state.ts";
import type { BlockContext } from "../../chain/transition.ts";
import { getAuthorities } from "../../governance/authorities.ts";
import { getCappedScopes, getHaltedScopes } from "../../governance/emergencies.ts";
import { GridState } from "../grid_state.ts";
import { type MarketOp, matchBlock, type MatchContext, type MatchResult } from "../matching.ts";
import type { Order } from "../order.ts";
import type { GridTopology } from "../location.ts";
import { OrderBook } from "../order_book.ts";
import type { Trade } from "../trade.ts";
import {
  getGridFlows,
  getGridTopology,
  getMarketParams,
  getMarketTotals,
  type MarketTotals,
  type SourceBalances,
} from "./market_state.ts";
import { getBlockMarketOps } from "./process_market_txs.ts";

/** What the node lends as `ctx.services.market`: matching on a replica at the parent state. */
export interface MarketMatchService {
  /** Matches on a replica of the parent state's book, with `topology` (caps applied). */
  match(ops: MarketOp[], ctx: MatchContext, topology: GridTopology): Promise<MatchResult>;
}

/** A reader that can list keys by prefix (MemoryState, StateOverlay over it). */
interface PrefixScan {
  entriesWithPrefix(prefix: string): Iterable<[string, unknown]>;
}

/**
 * Grid emergencies (halts, caps) the previous block matched under, and
 * whether its re-match was cut by its bound (`market/conditions`; absent =
 * none and not pending).
 */
export interface MarketConditions {
  halted: string[];
  caps: { scope: string; capKw: number }[];
  rematchPending: boolean;
}

const NO_CONDITIONS: MarketConditions = { halted: [], caps: [], rematchPending: false };

function sameEmergencies(a: MarketConditions, b: MarketConditions): boolean {
  return JSON.stringify([a.halted, a.caps]) === JSON.stringify([b.halted, b.caps]);
}

/** The end-block hook (registered in ./register.ts). */
export async function processMarketEndBlock(state: StateOverlay, ctx: BlockContext): Promise<void> {
  const topology = getGridTopology(state);
  if (!topology) return;
  const ops = getBlockMarketOps(ctx);
  const previous = (state.get(stateKey.marketConditions()) as MarketConditions | undefined) ??
    NO_CONDITIONS;
  const now: MarketConditions = {
    halted: getHaltedScopes(state),
    caps: getCappedScopes(state),
    rematchPending: false,
  };
  const mctx: MatchContext = {
    height: ctx.height,
    timestampMs: ctx.timestampMs,
    params: getMarketParams(state),
    haltedLocations: now.halted,
    // A halt or cap declared, changed or lifted: crossed resting orders get another chance.
    rematch: previous.rematchPending || !sameEmergencies(previous, now),
  };
  const service = ctx.services.market as MarketMatchService | undefined;
  let result: MatchResult;
  if (service) {
    result = await service.match(ops, mctx, topology);
  } else {
    const orders: Order[] = [];
    for (const [, v] of (state as unknown as PrefixScan).entriesWithPrefix(ORDER_KEY_PREFIX)) {
      orders.push(v as Order);
    }
    const grid = new GridState(topology);
    const flows = getGridFlows(state);
    if (flows) grid.restore(flows);
    result = matchBlock(OrderBook.fromOrders(orders), grid, ops, mctx);
  }
  applyMatchResult(state, result, ctx, ops);
  now.rematchPending = result.rematchPending;
  if (JSON.stringify(now) !== JSON.stringify(previous)) {
    if (sameEmergencies(now, NO_CONDITIONS) && !now.rematchPending) {
      state.delete(stateKey.marketConditions());
    } else state.set(stateKey.marketConditions(), now);
  }
}

/** Writes a block's match result into state. */
export function applyMatchResult(
  state: StateOverlay,
  r: MatchResult,
  ctx: BlockContext,
  ops: readonly MarketOp[],
): void {
  const authorities = getAuthorities(state);
  const addressOf = new Map(
    authorities.filter((a) => a.status === "active").map((a) => [a.name, a.address]),
  );
  const totals: MarketTotals = structuredClone(getMarketTotals(state));
  r.trades.forEach((t, i) => {
    settleTrade(state, t, addressOf.get(t.feeAuthority), totals);
    state.set(stateKey.trade(ctx.height, i), t);
  });
  for (const removal of r.removed) {
    const account = state.getAccount(removal.owner);
    state.setAccount(removal.owner, {
      ...account,
      balanceSatang: addChecked(account.balanceSatang, removal.releasedSatang, "market"),
      lockedSatang: account.lockedSatang - removal.releasedSatang,
      energyWh: addChecked(account.energyWh, removal.releasedWh, "market"),
      lockedWh: account.lockedWh - removal.releasedWh,
    });
    if (removal.releasedWh > 0) {
      const order = (state.get(stateKey.order(removal.orderId)) as Order | undefined) ??
        ops.find((op): op is Extract<MarketOp, { type: "place" }> =>
          op.type === "place" && op.order.id === removal.orderId
        )?.order;
      const source = (order?.source ?? null) as EnergySource | null;
      if (source !== null) returnSourceEnergy(state, removal.owner, source, removal.releasedWh);
    }
    state.delete(stateKey.order(removal.orderId));
  }
  for (const order of r.changed) state.set(stateKey.order(order.id), order);
  if (r.trades.length > 0) state.set(stateKey.marketTotals(), totals);
  const before = state.get(stateKey.gridFlows());
  if (JSON.stringify(before) !== JSON.stringify(r.gridFlows)) {
    state.set(stateKey.gridFlows(), r.gridFlows);
  }
}

function returnSourceEnergy(
  state: StateOverlay,
  owner: string,
  source: EnergySource,
  wh: number,
): void {
  const key = stateKey.sourceEnergy(owner);
  const sources = (state.get(key) as SourceBalances | undefined) ?? {};
  state.set(key, { ...sources, [source]: (sources[source] ?? 0) + wh });
}

function settleTrade(
  state: StateOverlay,
  t: Trade,
  feeAuthorityAddress: string | undefined,
  totals: MarketTotals,
): void {
  const paid = t.valueSatang + t.gridFeeSatang;
  const buyer = state.getAccount(t.buyer);
  state.setAccount(t.buyer, {
    ...buyer,
    lockedSatang: buyer.lockedSatang - paid,
    energyWh: addChecked(buyer.energyWh, t.amountWh, "market"),
  });
  const seller = state.getAccount(t.seller);
  state.setAccount(t.seller, {
    ...seller,
    lockedWh: seller.lockedWh - t.amountWh,
    balanceSatang: addChecked(seller.balanceSatang, t.valueSatang, "market"),
    carbonMicroCredits: addChecked(seller.carbonMicroCredits, t.carbonMicroCredits, "market"),
  });
  if (t.gridFeeSatang > 0) {
    if (feeAuthorityAddress !== undefined) {
      const authority = state.getAccount(feeAuthorityAddress);
      state.setAccount(feeAuthorityAddress, {
        ...authority,
        balanceSatang: addChecked(authority.balanceSatang, t.gridFeeSatang, "market"),
      });
    } else {
      totals.unclaimedFeesSatang += t.gridFeeSatang;
    }
  }
  totals.tradesCount += 1;
  totals.tradedWh += t.amountWh;
  totals.tradedValueSatang += t.valueSatang;
  totals.gridFeesSatang += t.gridFeeSatang;
  totals.carbonMicroCredits += t.carbonMicroCredits;
  totals.tradedWhBySource[t.source] = (totals.tradedWhBySource[t.source] ?? 0) + t.amountWh;
  totals.lastPriceSatangPerKwh = t.priceSatangPerKwh;
}
