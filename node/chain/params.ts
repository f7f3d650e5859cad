/**
 * Chain parameters: consensus state from genesis on, so that nodes cannot
 * diverge by editing their config files. Every value is an integer with its
 * unit in the name; config floats (0.1 kWh, x1.5, 0.5 credits/kWh) are
 * converted once, at genesis, by `node/config`.
 */

/** Energy sources the chain knows; carbon credit rates are keyed by these. */
export const ENERGY_SOURCES = ["solar", "wind", "hydro", "biomass", "geothermal"] as const;
export type EnergySource = typeof ENERGY_SOURCES[number];

/** Parts per 10,000 (basis points): 15_000 bps = x1.5. */
export type Bps = number;

export interface ChainParams {
  energy: {
    /** Smallest order accepted, in Wh (config `energy.min_trade_amount` kWh x 1000). */
    minTradeWh: number;
    /** Largest order accepted, in Wh. */
    maxTradeWh: number;
  };
  thaiMarket: {
    peakHours: {
      /** First peak hour, 0..23, Asia/Bangkok (UTC+7, no daylight saving). */
      startHour: number;
      /** First hour after the peak, 1..24. */
      endHour: number;
      /** Grid fee multiplier during peak hours, basis points (15_000 = x1.5). */
      pricingMultiplierBps: Bps;
    };
  };
  /** Carbon credits credited to the seller, in micro-credits per Wh
   * (= milli-credits per kWh): solar 0.5 credits/kWh = 500. */
  carbonCreditsMicroPerWh: Record<EnergySource, number>;
  fees: {
    /** Minimum transaction fee, satang. */
    minTxFeeSatang: number;
  };
  consensus: {
    /** Target time between blocks, ms. */
    blockTimeMs: number;
    /** Most transactions one block may carry. */
    maxBlockTransactions: number;
    /** Blocks an unstake waits before the stake returns to the balance. */
    unbondingBlocks: number;
    /** A block's timestamp may be at most this far ahead of the validator's clock. */
    maxFutureDriftMs: number;
  };
}
