/** Config (decimal kWh, multipliers, credits/kWh) -> the chain's integer ChainParams. */
import { type ChainParams, ENERGY_SOURCES, type EnergySource } from "../chain/params.ts";
import { ConfigError, formatConfigValue } from "./config_error.ts";
import { computeScaledInteger } from "./decimal.ts";
import type { NodeConfig } from "./node_config.ts";

/** Wh per kWh: trade amounts have 3 decimals in kWh. */
const KWH_DECIMALS = 3;
/** Basis points: multipliers have 4 decimals. */
const BPS_DECIMALS = 4;
/** credits/kWh -> micro-credits/Wh is x1000: 3 decimals. */
const CREDIT_DECIMALS = 3;

/**
 * Converts the config's decimal values to the integer units of
 * {@link ChainParams} exactly (via decimal text, never float multiplication):
 * 0.1 kWh -> 100 Wh, x1.5 -> 15_000 bps, 0.5 credits/kWh -> 500 micro-credits/Wh.
 *
 * @throws {ConfigError} if a value is not exactly representable (e.g. 0.0001 kWh)
 *
 * @example
 * chainParamsFromConfig(cfg).energy.minTradeWh; // 100 for min_trade_amount = 0.1
 */
export function chainParamsFromConfig(cfg: NodeConfig): ChainParams {
  const peak = cfg.thai_market.peak_hours;
  const gov = cfg.governance;
  const carbon = {} as Record<EnergySource, number>;
  for (const source of ENERGY_SOURCES) {
    carbon[source] = scaled(
      `genesis.carbon_credits.${source}`,
      cfg.genesis.carbon_credits[source],
      CREDIT_DECIMALS,
      "credits per kWh with at most 3 decimals",
    );
  }
  return {
    energy: {
      minTradeWh: scaled(
        "energy.min_trade_amount",
        cfg.energy.min_trade_amount,
        KWH_DECIMALS,
        "a whole number of Wh",
      ),
      maxTradeWh: scaled(
        "energy.max_trade_amount",
        cfg.energy.max_trade_amount,
        KWH_DECIMALS,
        "a whole number of Wh",
      ),
    },
    thaiMarket: {
      peakHours: {
        startHour: integer("thai_market.peak_hours.start_hour", peak.start_hour),
        endHour: integer("thai_market.peak_hours.end_hour", peak.end_hour),
        pricingMultiplierBps: scaled(
          "thai_market.peak_hours.pricing_multiplier",
          peak.pricing_multiplier,
          BPS_DECIMALS,
          "a multiplier with at most 4 decimals",
        ),
      },
    },
    carbonCreditsMicroPerWh: carbon,
    fees: {
      minTxFeeSatang: integer("consensus.min_tx_fee_satang", cfg.consensus.min_tx_fee_satang),
    },
    consensus: {
      blockTimeMs: integer("consensus.block_time_ms", cfg.consensus.block_time_ms),
      maxBlockTransactions: integer(
        "consensus.max_block_transactions",
        cfg.consensus.max_block_transactions,
      ),
      unbondingBlocks: integer("consensus.unbonding_blocks", cfg.consensus.unbonding_blocks),
      maxFutureDriftMs: integer("consensus.max_future_drift_ms", cfg.consensus.max_future_drift_ms),
      minValidatorStakeSatang: integer(
        "consensus.min_validator_stake_satang",
        cfg.consensus.min_validator_stake_satang,
      ),
      authorityVotingPowerBps: integer(
        "consensus.authority_voting_power_bps",
        cfg.consensus.authority_voting_power_bps,
      ),
      slashFractionBps: integer("consensus.slash_fraction_bps", cfg.consensus.slash_fraction_bps),
      powTargetFractionBps: integer(
        "consensus.pow_target_fraction_bps",
        cfg.consensus.pow_target_fraction_bps,
      ),
      powInitialDifficultyBits: integer(
        "consensus.pow_initial_difficulty_bits",
        cfg.consensus.pow_initial_difficulty_bits,
      ),
    },
    governance: {
      votingPeriodBlocks: integer("governance.voting_period_blocks", gov.voting_period_blocks),
      quorumBps: integer("governance.quorum_bps", gov.quorum_bps),
      thresholdBps: integer("governance.threshold_bps", gov.threshold_bps),
      vetoBps: integer("governance.veto_bps", gov.veto_bps),
      minDepositSatang: integer("governance.min_deposit_satang", gov.min_deposit_satang),
      executionDelayBlocks: integer(
        "governance.execution_delay_blocks",
        gov.execution_delay_blocks,
      ),
      emergencySignaturesRequired: integer(
        "governance.emergency_signatures_required",
        gov.emergency_signatures_required,
      ),
    },
    // Not in config.toml: genesis takes these defaults; governance changes them
    // (pricing-regulation proposals for the fee table).
    market: {
      intervalMs: 900_000,
      gridFeeSatangPerKwh: {
        same_substation: 10,
        same_zone: 25,
        same_region: 50,
        cross_region: 100,
      },
      maxScanPerOrder: 256,
    },
  };
}

function scaled(key: string, value: number, decimals: number, what: string): number {
  const result = computeScaledInteger(value, decimals);
  if (result === null || result < 0) throw notExact(key, value, `must be ${what}`);
  return result;
}

function integer(key: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw notExact(key, value, "must be a non-negative integer");
  }
  return value;
}

function notExact(key: string, value: unknown, rule: string): ConfigError {
  const message = `Cannot convert config to chain parameters: "${key}" ${rule}, got ${
    formatConfigValue(value)
  }`;
  return new ConfigError(message, { key, issues: [{ key, message }] });
}
