/**
 * Constructors of the matcher's per-fill result records (internal, not
 * exported from mod.ts).
 *
 * `new TradeRecord(...)` and `new RemovalRecord(...)` make plain objects:
 * prototype `Object.prototype`, own fields in the order of the {@link Trade}
 * and {@link OrderRemoval} interfaces, so they are indistinguishable from
 * object literals (JSON, structured clone, `assert.deepStrictEqual`).
 *
 * Why not literals: V8 gives every object literal an "allocation site" and,
 * because a block's trades and removals are still alive when a young
 * generation collection runs during the block, it soon allocates them
 * directly in the old generation ("pretenuring"). That made these two
 * literals ~45 % of the matching step's CPU profile (10,000-order block,
 * 5,000 trades; ~8 % with `--no-allocation-site-pretenuring`). A constructor
 * call has no allocation site, and its objects keep all their fields in-object.
 */
import type { OrderRemoval, RemovalReason } from "./matching.ts";
import type { Order, Side } from "./order.ts";
import type { DistanceClass } from "./params.ts";
import type { Trade } from "./trade.ts";

/**
 * Fields of a {@link Trade} in interface order, certificateId "". `idPrefix`
 * is `${height}-` (built once per block), so `id` is `${height}-${index}`.
 */
function TradeRecord(
  this: Trade,
  idPrefix: string,
  index: number,
  height: number,
  timestampMs: number,
  interval: number,
  buy: Order,
  sell: Order,
  makerSide: Side,
  amountWh: number,
  priceSatangPerKwh: number,
  valueSatang: number,
  distance: DistanceClass,
  peak: boolean,
  gridFeeSatangPerKwh: number,
  gridFeeSatang: number,
  feeAuthority: string,
  carbonMicroCreditsPerWh: number,
): void {
  const source = sell.source!;
  this.id = idPrefix + index;
  this.height = height;
  this.timestampMs = timestampMs;
  this.interval = interval;
  this.buyOrderId = buy.id;
  this.sellOrderId = sell.id;
  this.buyer = buy.owner;
  this.seller = sell.owner;
  this.makerSide = makerSide;
  this.amountWh = amountWh;
  this.priceSatangPerKwh = priceSatangPerKwh;
  this.valueSatang = valueSatang;
  this.distance = distance;
  this.peak = peak;
  this.gridFeeSatangPerKwh = gridFeeSatangPerKwh;
  this.gridFeeSatang = gridFeeSatang;
  this.feeAuthority = feeAuthority;
  this.source = source;
  this.carbonMicroCredits = amountWh * carbonMicroCreditsPerWh;
  this.sellerLocation = sell.location;
  this.buyerLocation = buy.location;
  this.certificateId = "";
}
TradeRecord.prototype = Object.prototype;

/** Removal record of an order with the given unfilled Wh and (buy) lock. */
function RemovalRecord(
  this: OrderRemoval,
  o: Order,
  reason: RemovalReason,
  remainingWh: number,
  lockedSatang: number,
): void {
  this.orderId = o.id;
  this.owner = o.owner;
  this.side = o.side;
  this.reason = reason;
  this.releasedSatang = o.side === "buy" ? lockedSatang : 0;
  this.releasedWh = o.side === "sell" ? remainingWh : 0;
}
RemovalRecord.prototype = Object.prototype;

/** `new NewTrade(...)`: a plain {@link Trade} object (see the module comment). */
export const NewTrade = TradeRecord as unknown as new (
  ...args: Parameters<typeof TradeRecord>
) => Trade;

/** `new NewRemoval(...)`: a plain {@link OrderRemoval} object (see the module comment). */
export const NewRemoval = RemovalRecord as unknown as new (
  ...args: Parameters<typeof RemovalRecord>
) => OrderRemoval;
