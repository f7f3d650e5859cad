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
    /** Stake (satang) a stake transaction must reach for its sender to join the validator set. */
    minValidatorStakeSatang: number;
    /** All active authorities together vote with this share of the total validator stake, bps (<= 5000). */
    authorityVotingPowerBps: Bps;
    /** Share of a double-signer's bonded stake that evidence burns, bps. */
    slashFractionBps: Bps;
    /** Share of the block time that sealing a block (proof of work) should take, bps. */
    powTargetFractionBps: Bps;
    /** Proof-of-work difficulty (leading zero bits) of the first sealed block. */
    powInitialDifficultyBits: number;
  };
  /** On-chain governance (node/governance, docs/governance.md). */
  governance: GovernanceParams;
  /** Energy market (node/market, docs/energy-trading.md). */
  market: MarketChainParams;
}

/** How far a trade's energy travels; the grid fee grows with it. */
export type GridDistance = "same_substation" | "same_zone" | "same_region" | "cross_region";

/** Market parameters beyond `energy` and `thaiMarket`. */
export interface MarketChainParams {
  /** Delivery interval, ms: grid capacity is counted per interval (15 min = 900,000). */
  intervalMs: number;
  /** Grid (wheeling) fee off-peak, satang per kWh, by distance. */
  gridFeeSatangPerKwh: Record<GridDistance, number>;
  /** Most resting counter-orders one incoming order examines. */
  maxScanPerOrder: number;
}

/** Governance parameters; themselves changeable by `parameter-change` proposals. */
export interface GovernanceParams {
  /** Voting is open from the proposal's block S through block S + votingPeriodBlocks. */
  votingPeriodBlocks: number;
  /** Share of all bonded stake that must vote (any choice), basis points. */
  quorumBps: Bps;
  /** Share of yes among yes + no needed to pass, basis points (strictly more than). */
  thresholdBps: Bps;
  /** Share of veto among all votes that vetoes (strictly more than) and burns the deposit, bps. */
  vetoBps: Bps;
  /** Smallest proposal deposit, satang. */
  minDepositSatang: number;
  /** Blocks between the end of voting and the execution of a passed proposal (0 = same block). */
  executionDelayBlocks: number;
  /** Distinct authorities that must sign the same emergency declaration or lift. */
  emergencySignaturesRequired: number;
}
