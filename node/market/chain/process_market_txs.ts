/**
 * Transaction processors of the energy market: place an order (taking its
 * lock), cancel one, and mint energy from a meter reading. Orders are queued
 * in the block's scratch space and matched once per block by the end-block
 * hook (market_end_block.ts). Pure.
 */
import { addChecked } from "../../chain/amounts.ts";
import { ChainError } from "../../chain/errors.ts";
import type { EnergySource } from "../../chain/params.ts";
import { stateKey, type StateOverlay } from "../../chain/state.ts";
import type { BlockContext } from "../../chain/transition.ts";
import type { Tx } from "../../chain/transaction.ts";
import { getAuthorities, getMeter, isRegisteredParticipant } from "../../governance/authorities.ts";
import { getPricingRegulation } from "../../governance/proposal_actions.ts";
import { MarketError } from "../errors.ts";
import type { MarketOp } from "../matching.ts";
import { createOrder, type Order, validateOrder } from "../order.ts";
import {
  getGridTopology,
  getMarketParams,
  getMarketTotals,
  getTopologyIndex,
  type SourceBalances,
} from "./market_state.ts";

const MARKET_OPS = "market/ops";

/** The block's market operations so far, in transaction order. */
export function getBlockMarketOps(ctx: BlockContext): MarketOp[] {
  let ops = ctx.scratch.get(MARKET_OPS) as MarketOp[] | undefined;
  if (!ops) ctx.scratch.set(MARKET_OPS, ops = []);
  return ops;
}

function toChainError(e: unknown, fieldPrefix = "body.payload"): never {
  if (e instanceof MarketError) {
    const field = (e as { field?: string }).field;
    throw new ChainError(e.code, e.message, field ? `${fieldPrefix}.${field}` : fieldPrefix);
  }
  throw e;
}

/** Places a buy or sell limit order: checks it, locks money or energy, queues it for matching. */
export function processEnergyOrder(state: StateOverlay, tx: Tx, ctx: BlockContext): void {
  if (tx.body.kind !== "energy_order") {
    throw new Error("processEnergyOrder called with " + tx.body.kind);
  }
  const p = tx.body.payload;
  if (!isRegisteredParticipant(state, tx.sender)) {
    throw new ChainError(
      "NOT_REGISTERED",
      `${tx.sender} is not a registered participant; MEA or PEA must register it before it can trade`,
      "body.from",
    );
  }
  const topology = getGridTopology(state);
  if (!topology) {
    throw new ChainError("NO_GRID", "The chain has no grid topology", "body.payload.location");
  }
  const params = getMarketParams(state);
  if (p.amountWh < params.minOrderWh || p.amountWh > params.maxOrderWh) {
    throw new ChainError(
      "BAD_AMOUNT",
      `amountWh ${p.amountWh} is outside ${params.minOrderWh}..${params.maxOrderWh} Wh (energy.min_trade_amount..max_trade_amount)`,
      "body.payload.amountWh",
    );
  }
  if (p.orderExpiresAtMs <= ctx.timestampMs) {
    throw new ChainError(
      "ORDER_EXPIRED",
      `Order expired at ${p.orderExpiresAtMs}`,
      "body.payload.orderExpiresAtMs",
    );
  }
  const regulation = getPricingRegulation(state);
  if (
    regulation?.priceFloorSatangPerKwh != null &&
    p.priceSatangPerKwh < regulation.priceFloorSatangPerKwh
  ) {
    throw new ChainError(
      "PRICE_BELOW_FLOOR",
      `Price ${p.priceSatangPerKwh} satang/kWh is below the regulated floor ${regulation.priceFloorSatangPerKwh}`,
      "body.payload.priceSatangPerKwh",
    );
  }
  if (
    regulation?.priceCeilingSatangPerKwh != null &&
    p.priceSatangPerKwh > regulation.priceCeilingSatangPerKwh
  ) {
    throw new ChainError(
      "PRICE_ABOVE_CEILING",
      `Price ${p.priceSatangPerKwh} satang/kWh is above the regulated ceiling ${regulation.priceCeilingSatangPerKwh}`,
      "body.payload.priceSatangPerKwh",
    );
  }
  if (p.side === "sell" && p.source === null) {
    throw new ChainError(
      "BAD_ORDER",
      "A sell order must name its energy source",
      "body.payload.source",
    );
  }
  const seqKey = stateKey.orderSeq();
  const seq = (state.get(seqKey) as number | undefined) ?? 0;
  let order: Order;
  try {
    order = createOrder(
      {
        id: tx.id,
        owner: tx.sender,
        side: p.side,
        amountWh: p.amountWh,
        priceSatangPerKwh: p.priceSatangPerKwh,
        source: p.source,
        location: p.location,
        expiresAtMs: p.orderExpiresAtMs,
      },
      seq,
      params,
    );
    validateOrder(order, params, getTopologyIndex(topology));
  } catch (e) {
    toChainError(e);
  }
  const account = state.getAccount(tx.sender);
  if (order.side === "buy") {
    if (account.balanceSatang < order.lockedSatang) {
      throw new ChainError(
        "INSUFFICIENT_BALANCE",
        `A buy of ${order.amountWh} Wh at ${order.priceSatangPerKwh} satang/kWh locks ${order.lockedSatang} satang (price + worst-case grid fee); balance is ${account.balanceSatang}`,
        "body.payload.amountWh",
      );
    }
    state.setAccount(tx.sender, {
      ...account,
      balanceSatang: account.balanceSatang - order.lockedSatang,
      lockedSatang: addChecked(account.lockedSatang, order.lockedSatang, "body.payload.amountWh"),
    });
  } else {
    const source = order.source as EnergySource;
    const sources = (state.get(stateKey.sourceEnergy(tx.sender)) as SourceBalances | undefined) ??
      {};
    const metered = sources[source] ?? 0;
    if (account.energyWh < order.amountWh || metered < order.amountWh) {
      throw new ChainError(
        "INSUFFICIENT_ENERGY",
        `Selling ${order.amountWh} Wh of ${source} needs that much metered ${source} energy; the account has ${metered} Wh of it (${account.energyWh} Wh in all)`,
        "body.payload.amountWh",
      );
    }
    state.set(stateKey.sourceEnergy(tx.sender), { ...sources, [source]: metered - order.amountWh });
    state.setAccount(tx.sender, {
      ...account,
      energyWh: account.energyWh - order.amountWh,
      lockedWh: addChecked(account.lockedWh, order.amountWh, "body.payload.amountWh"),
    });
  }
  state.set(seqKey, seq + 1);
  getBlockMarketOps(ctx).push({ type: "place", order });
}

/** Cancels the sender's resting order (or one placed earlier in this block). */
export function processCancelOrder(state: StateOverlay, tx: Tx, ctx: BlockContext): void {
  if (tx.body.kind !== "cancel_order") {
    throw new Error("processCancelOrder called with " + tx.body.kind);
  }
  const { orderId } = tx.body.payload;
  const ops = getBlockMarketOps(ctx);
  const resting = state.get(stateKey.order(orderId)) as Order | undefined;
  const pending = ops.find((op) => op.type === "place" && op.order.id === orderId);
  const owner = resting?.owner ?? (pending?.type === "place" ? pending.order.owner : undefined);
  if (owner === undefined) {
    throw new ChainError("ORDER_NOT_FOUND", `No open order ${orderId}`, "body.payload.orderId");
  }
  if (owner !== tx.sender) {
    throw new ChainError(
      "NOT_ORDER_OWNER",
      `Order ${orderId} belongs to ${owner}`,
      "body.payload.orderId",
    );
  }
  if (ops.some((op) => op.type === "cancel" && op.orderId === orderId)) {
    throw new ChainError(
      "ORDER_NOT_FOUND",
      `Order ${orderId} is already being cancelled`,
      "body.payload.orderId",
    );
  }
  ops.push({ type: "cancel", orderId, owner });
}

interface MeterReadingRecord {
  totalWh: number;
  readAtMs: number;
  height: number;
}

/**
 * Mints energy from a smart meter's cumulative counter: the owner gets the
 * increase since the last reading, as energy of the meter's source. Signed by
 * the authority that registered the meter. Readings must increase in both
 * counter and time; a repeated or backdated reading is rejected.
 */
export function processMeterReading(state: StateOverlay, tx: Tx, ctx: BlockContext): void {
  if (tx.body.kind !== "meter_reading") {
    throw new Error("processMeterReading called with " + tx.body.kind);
  }
  const { meterId, totalWh, readAtMs, location } = tx.body.payload;
  const meter = getMeter(state, meterId);
  if (!meter) {
    throw new ChainError(
      "UNKNOWN_METER",
      `Meter ${meterId} is not registered`,
      "body.payload.meterId",
    );
  }
  const registrar = getAuthorities(state).find((a) => a.name === meter.registeredBy);
  const meterKey = (meter as { publicKey?: string }).publicKey;
  if (tx.body.from !== meterKey && tx.sender !== registrar?.address) {
    throw new ChainError(
      "NOT_METER_SIGNER",
      `Readings of meter ${meterId} must be signed by the meter or by ${meter.registeredBy}, which registered it`,
      "body.from",
    );
  }
  if (location !== meter.location) {
    throw new ChainError(
      "METER_LOCATION_MISMATCH",
      `Meter ${meterId} is registered at ${meter.location}; it cannot report from ${location}`,
      "body.payload.location",
    );
  }
  if (readAtMs > ctx.timestampMs) {
    throw new ChainError(
      "READING_IN_FUTURE",
      `Reading time ${readAtMs} is after the block time`,
      "body.payload.readAtMs",
    );
  }
  const key = stateKey.meterReading(meterId);
  const last = state.get(key) as MeterReadingRecord | undefined;
  if (last && (totalWh <= last.totalWh || readAtMs <= last.readAtMs)) {
    throw new ChainError(
      "STALE_READING",
      `Reading ${totalWh} Wh at ${readAtMs} does not advance the last reading ${last.totalWh} Wh at ${last.readAtMs}`,
      "body.payload.totalWh",
    );
  }
  const producedWh = totalWh - (last?.totalWh ?? 0);
  if (producedWh <= 0) {
    throw new ChainError(
      "STALE_READING",
      "A first reading must be above 0 Wh",
      "body.payload.totalWh",
    );
  }
  state.set(key, { totalWh, readAtMs, height: ctx.height } satisfies MeterReadingRecord);
  const owner = state.getAccount(meter.owner);
  state.setAccount(meter.owner, {
    ...owner,
    energyWh: addChecked(owner.energyWh, producedWh, "body.payload.totalWh"),
  });
  const sourcesKey = stateKey.sourceEnergy(meter.owner);
  const sources = (state.get(sourcesKey) as SourceBalances | undefined) ?? {};
  state.set(sourcesKey, {
    ...sources,
    [meter.source]: addChecked(sources[meter.source] ?? 0, producedWh, "body.payload.totalWh"),
  });
  const totals = getMarketTotals(state);
  state.set(stateKey.marketTotals(), {
    ...totals,
    mintedWhBySource: {
      ...totals.mintedWhBySource,
      [meter.source]: (totals.mintedWhBySource[meter.source] ?? 0) + producedWh,
    },
  });
}
