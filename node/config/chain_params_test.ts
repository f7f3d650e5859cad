import assert from "node:assert/strict";
import { chainParamsFromConfig } from "./chain_params.ts";
import { ConfigError } from "./config_error.ts";
import { parseConfig } from "./parse_config.ts";

Deno.test("chainParamsFromConfig: default config converts to integers", () => {
  const params = chainParamsFromConfig(parseConfig("", "/x/config.toml"));
  assert.deepEqual(params, {
    energy: { minTradeWh: 100, maxTradeWh: 10_000_000 },
    thaiMarket: { peakHours: { startHour: 18, endHour: 22, pricingMultiplierBps: 15_000 } },
    carbonCreditsMicroPerWh: { solar: 500, wind: 600, hydro: 400, biomass: 300, geothermal: 700 },
    fees: { minTxFeeSatang: 1 },
    consensus: {
      blockTimeMs: 2000,
      maxBlockTransactions: 20_000,
      unbondingBlocks: 100,
      maxFutureDriftMs: 5000,
      minValidatorStakeSatang: 1_000_000_000,
      authorityVotingPowerBps: 2500,
      slashFractionBps: 500,
      powTargetFractionBps: 500,
      powInitialDifficultyBits: 12,
    },
    governance: {
      votingPeriodBlocks: 100,
      quorumBps: 3340,
      thresholdBps: 5000,
      vetoBps: 3340,
      minDepositSatang: 100_000,
      executionDelayBlocks: 1,
      emergencySignaturesRequired: 1,
    },
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
  });
});

Deno.test("chainParamsFromConfig: 0.001 kWh is 1 Wh; 0.0001 kWh is rejected", () => {
  const cfg = parseConfig(
    "[energy]\nmin_trade_amount = 0.001\nmax_trade_amount = 0.003\n" +
      "[thai_market.peak_hours]\npricing_multiplier = 2.0001\n" +
      "[genesis.carbon_credits]\nsolar = 0.001\nwind = 0\n",
    "/x/config.toml",
  );
  const params = chainParamsFromConfig(cfg);
  assert.equal(params.energy.minTradeWh, 1);
  assert.equal(params.energy.maxTradeWh, 3);
  assert.equal(params.thaiMarket.peakHours.pricingMultiplierBps, 20_001);
  assert.equal(params.carbonCreditsMicroPerWh.solar, 1);
  assert.equal(params.carbonCreditsMicroPerWh.wind, 0);

  // parseConfig rejects it first; a hand-built config is rejected by the conversion.
  assert.throws(
    () => parseConfig("[energy]\nmin_trade_amount = 0.0001\n", "/x/config.toml"),
    (e: unknown) => e instanceof ConfigError && e.key === "energy.min_trade_amount",
  );
  const hand = structuredClone(cfg);
  hand.energy.min_trade_amount = 0.0001;
  assert.throws(
    () => chainParamsFromConfig(hand),
    (e: unknown) =>
      e instanceof ConfigError && e.key === "energy.min_trade_amount" &&
      /"energy\.min_trade_amount" must be a whole number of Wh, got 0\.0001/.test(e.message),
  );
  const hand2 = structuredClone(cfg);
  hand2.thai_market.peak_hours.pricing_multiplier = 1.00001;
  assert.throws(
    () => chainParamsFromConfig(hand2),
    (e: unknown) =>
      e instanceof ConfigError && e.key === "thai_market.peak_hours.pricing_multiplier",
  );
});
