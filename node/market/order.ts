/**
 * Orders: the record kept in chain state for every resting order, and its validation.
 */
import type { EnergySource } from "../chain/params.ts";
import { ENERGY_SOURCES } from "../chain/params.ts";
import { MarketError } from "./errors.ts";
import { computeBuyLockSatang } from "./fees.ts";
import type { GridState } from "./grid_state.ts";
import type { MarketParams } from "./params.ts";
import { isIntIn, MAX_PRICE_SATANG_PER_KWH } from "./units.ts";

/** Buy or sell. */
export type Side = "buy" | "sell";

/** Largest money lock of one order, satang (keeps lock x 1000 below 2^53). */
export const MAX_LOCK_SATANG = 9_000_000_000_000;

/**
 * A limit order. Plain data (structured-clone and JSON safe); the order book
 * mutates `remainingWh` and `lockedSatang` as the order fills.
 */
export interface Order {
  /** Unique id, e.g. the hash of the transaction that placed it. */
  id: string;
  /** Account id of the owner. */
  owner: string;
  side: Side;
  /** Original size, Wh. */
  amountWh: number;
  /** Still unfilled, Wh. For a sell this is also the energy still locked. */
  remainingWh: number;
  /** Limit price, satang per kWh (REST `price_per_kwh: 5000` = 50.00 THB/kWh). */
  priceSatangPerKwh: number;
  /** Sell: the source offered (required). Buy: the source wanted, or null for any. */
  source: EnergySource | null;
  /** Substation, `REGION-ZONE-SUBSTATION`. */
  location: string;
  /** Global placement sequence number; earlier wins at equal price. Assigned by the chain. */
  seq: number;
  /** The order is removed (and its lock released) at the first block with timestamp >= this. */
  expiresAtMs: number;
  /** Buy: money still locked, satang (see `computeBuyLockSatang`). Sell: 0. */
  lockedSatang: number;
}

/** What a client submits; the chain adds seq, remainingWh and the lock. */
export interface NewOrderInput {
  id: string;
  owner: string;
  side: Side;
  amountWh: number;
  priceSatangPerKwh: number;
  source: EnergySource | null;
  location: string;
  expiresAtMs: number;
}

/**
 * Build the order record for a new order: remaining = amount; a buy locks
 * {@link computeBuyLockSatang}; a sell locks `amountWh` of energy (the chain
 * moves that from the seller's energy balance), and 0 satang.
 */
export function createOrder(input: NewOrderInput, seq: number, params: MarketParams): Order {
  return {
    ...input,
    remainingWh: input.amountWh,
    seq,
    lockedSatang: input.side === "buy"
      ? computeBuyLockSatang(input.amountWh, input.priceSatangPerKwh, params)
      : 0,
  };
}

/** The fields of an {@link Order} in the order {@link createOrder} gives them. */
export const ORDER_KEYS = [
  "id",
  "owner",
  "side",
  "amountWh",
  "priceSatangPerKwh",
  "source",
  "location",
  "expiresAtMs",
  "remainingWh",
  "seq",
  "lockedSatang",
] as const;

/**
 * A copy of `o` with {@link createOrder}'s fields, in its key order (built by
 * {@link NewOrder}): the shape the match codec packs.
 */
export function copyOrder(o: Order): Order {
  return new NewOrder(
    o.id,
    o.owner,
    o.side,
    o.amountWh,
    o.priceSatangPerKwh,
    o.source,
    o.location,
    o.expiresAtMs,
    o.remainingWh,
    o.seq,
    o.lockedSatang,
  );
}

/** Fields of an {@link Order} in {@link ORDER_KEYS} order. */
function OrderRecord(
  this: Order,
  id: string,
  owner: string,
  side: Side,
  amountWh: number,
  priceSatangPerKwh: number,
  source: EnergySource | null,
  location: string,
  expiresAtMs: number,
  remainingWh: number,
  seq: number,
  lockedSatang: number,
): void {
  this.id = id;
  this.owner = owner;
  this.side = side;
  this.amountWh = amountWh;
  this.priceSatangPerKwh = priceSatangPerKwh;
  this.source = source;
  this.location = location;
  this.expiresAtMs = expiresAtMs;
  this.remainingWh = remainingWh;
  this.seq = seq;
  this.lockedSatang = lockedSatang;
}
OrderRecord.prototype = Object.prototype;

/**
 * `new NewOrder(...)`: a plain {@link Order} object (prototype
 * `Object.prototype`, own fields in {@link ORDER_KEYS} order, all in-object),
 * indistinguishable from the object literal {@link createOrder} makes. For
 * the orders the match codec decodes: all their fields sit inside the
 * object (a structured clone, which the codec replaced, kept most of them
 * in a separate array, one more memory load per field the matcher reads).
 *
 * Why not a literal: V8 gives every object literal an "allocation site", and
 * the ~100k orders of a replica load all survive, so it soon allocates that
 * literal's objects directly in the old generation ("pretenuring"). Every
 * block's decoded orders then went there too: ~2 ms more matching per
 * 10,000-order block (paired runs; see match_records.ts for the same effect
 * on trades). A constructor call has no allocation site.
 */
export const NewOrder = OrderRecord as unknown as new (
  ...args: Parameters<typeof OrderRecord>
) => Order;

/**
 * Points the order's side and energy source at this module's string
 * constants when they equal one (mutates `o`; other values are left for
 * validation to reject). Equal strings, so the order is unchanged field by
 * field.
 *
 * Why: V8 keeps one shared copy of every string constant in the code, and
 * compares two such strings by address. A string decoded from a message is
 * a copy of its own, and every `side === "buy"` the matcher asks of it
 * became a builtin call comparing characters: ~10 % of a 10,000-order block
 * (paired measurement, docs/performance.md).
 */
export function shareConstantStrings(o: Order): void {
  const side = o.side;
  if (side === "buy") o.side = "buy";
  else if (side === "sell") o.side = "sell";
  const source = o.source;
  if (source !== null) {
    for (let i = 0; i < ENERGY_SOURCES.length; i++) {
      if (source === ENERGY_SOURCES[i]) {
        o.source = ENERGY_SOURCES[i]!;
        break;
      }
    }
  }
}

/** Throws the `BAD_ORDER` error of {@link validateOrder} (a function, not a per-call closure). */
function badOrder(order: Order, field: string, msg: string): never {
  throw new MarketError("BAD_ORDER", `Invalid order ${JSON.stringify(order.id)}: ${msg}`, field);
}

/**
 * Check an order before it enters the book. Throws `MarketError` with code
 * `BAD_ORDER` (field named), `BAD_LOCATION` or `UNKNOWN_LOCATION`.
 */
export function validateOrder(order: Order, params: MarketParams, grid: GridState): void {
  if (typeof order.id !== "string" || order.id === "") {
    badOrder(order, "id", "id must be a non-empty string");
  }
  if (typeof order.owner !== "string" || order.owner === "") {
    badOrder(order, "owner", "owner must be a non-empty string");
  }
  if (order.side !== "buy" && order.side !== "sell") {
    badOrder(order, "side", `side must be "buy" or "sell", got ${JSON.stringify(order.side)}`);
  }
  if (!isIntIn(order.amountWh, params.minOrderWh, params.maxOrderWh)) {
    badOrder(
      order,
      "amountWh",
      `amountWh must be an integer in [${params.minOrderWh}, ${params.maxOrderWh}], got ${order.amountWh}`,
    );
  }
  if (!isIntIn(order.remainingWh, 1, order.amountWh)) {
    badOrder(
      order,
      "remainingWh",
      `remainingWh must be an integer in [1, amountWh], got ${order.remainingWh}`,
    );
  }
  if (!isIntIn(order.priceSatangPerKwh, 1, MAX_PRICE_SATANG_PER_KWH)) {
    badOrder(
      order,
      "priceSatangPerKwh",
      `priceSatangPerKwh must be an integer in [1, ${MAX_PRICE_SATANG_PER_KWH}], got ${order.priceSatangPerKwh}`,
    );
  }
  const knownSource = (ENERGY_SOURCES as readonly unknown[]).includes(order.source);
  if (order.side === "sell" ? !knownSource : order.source !== null && !knownSource) {
    badOrder(order, "source", `unknown energy source ${JSON.stringify(order.source)}`);
  }
  if (!isIntIn(order.seq, 0, Number.MAX_SAFE_INTEGER)) {
    badOrder(order, "seq", "seq must be an integer >= 0");
  }
  if (!isIntIn(order.expiresAtMs, 0, Number.MAX_SAFE_INTEGER)) {
    badOrder(order, "expiresAtMs", "expiresAtMs must be an integer >= 0");
  }
  const maxLock = order.side === "buy" ? MAX_LOCK_SATANG : 0;
  if (!isIntIn(order.lockedSatang, 0, maxLock)) {
    badOrder(order, "lockedSatang", `lockedSatang must be an integer in [0, ${maxLock}]`);
  }
  grid.resolveLocation(order.location);
}
