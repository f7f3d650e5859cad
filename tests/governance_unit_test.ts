import assert from "node:assert/strict";
import { ChainError } from "../node/chain/errors.ts";
import type { ChainParams } from "../node/chain/params.ts";
import {
  computeParamsWithChange,
  computeParamValue,
  computeTally,
  computeTallyOutcome,
  DEFAULT_GOVERNANCE_PARAMS,
  EMERGENCY_SIGNATURE_WINDOW_MS,
  formatScaledDecimal,
  getHaltedScopes,
  getPendingEmergencyActions,
  isUnderScope,
  parseScaledDecimal,
  processEmergencySignature,
} from "../node/governance/mod.ts";
import { MemoryState, StateOverlay } from "../node/chain/state.ts";

const gov = { quorumBps: 3340, thresholdBps: 5000, vetoBps: 3340 };
const tally = (yes: number, no: number, abstain: number, veto: number, total = 100) => ({
  yesSatang: yes,
  noSatang: no,
  abstainSatang: abstain,
  vetoSatang: veto,
  totalStakeSatang: total,
  voters: 1,
});

Deno.test("tally: quorum, veto, threshold in that order", () => {
  assert.equal(computeTallyOutcome(tally(60, 40, 0, 0), gov).outcome, "passed");
  assert.equal(computeTallyOutcome(tally(50, 50, 0, 0), gov).outcome, "rejected");
  assert.equal(computeTallyOutcome(tally(20, 0, 0, 0), gov).outcome, "rejected"); // no quorum
  assert.match(computeTallyOutcome(tally(20, 0, 0, 0), gov).reason, /no quorum/);
  assert.equal(computeTallyOutcome(tally(34, 0, 0, 0), gov).outcome, "passed"); // 34% >= 33.4%
  assert.equal(computeTallyOutcome(tally(60, 0, 0, 40), gov).outcome, "vetoed");
  assert.equal(computeTallyOutcome(tally(0, 0, 100, 0), gov).outcome, "rejected"); // all abstain
  assert.equal(computeTallyOutcome(tally(0, 0, 0, 0, 0), gov).outcome, "rejected");
});

Deno.test("tally: weights are stakes at tally time, independent of vote order", () => {
  const stakes: Record<string, number> = { a: 10, b: 30, c: 0 };
  const t1 = computeTally({ a: "yes", b: "no", c: "veto" }, (x) => stakes[x]!, 40);
  const t2 = computeTally({ c: "veto", b: "no", a: "yes" }, (x) => stakes[x]!, 40);
  assert.deepEqual(t1, t2);
  assert.equal(t1.yesSatang, 10);
  assert.equal(t1.noSatang, 30);
  assert.equal(t1.vetoSatang, 0);
  assert.equal(t1.voters, 3);
});

Deno.test("scaled decimals are exact", () => {
  assert.equal(parseScaledDecimal("0.7", 3), 700);
  assert.equal(parseScaledDecimal("1.5", 4), 15_000);
  assert.equal(parseScaledDecimal("0.0001", 3), null);
  assert.equal(parseScaledDecimal("-1", 3), null);
  assert.equal(parseScaledDecimal("abc", 0), null);
  assert.equal(formatScaledDecimal(700, 3), "0.7");
  assert.equal(formatScaledDecimal(15_000, 4), "1.5");
});

const params = {
  energy: { minTradeWh: 100, maxTradeWh: 10_000_000 },
  thaiMarket: { peakHours: { startHour: 18, endHour: 22, pricingMultiplierBps: 15_000 } },
  carbonCreditsMicroPerWh: { solar: 500, wind: 600, hydro: 400, biomass: 300, geothermal: 700 },
  fees: { minTxFeeSatang: 1 },
  consensus: {
    blockTimeMs: 2000,
    maxBlockTransactions: 5000,
    unbondingBlocks: 100,
    maxFutureDriftMs: 5000,
  },
  governance: { ...DEFAULT_GOVERNANCE_PARAMS },
} as unknown as ChainParams;

Deno.test("governable parameters: conversion, range and cross checks", () => {
  const { param, value } = computeParamValue("carbon_credits.solar", "0.7");
  assert.equal(value, 700);
  const next = computeParamsWithChange(params, param, value);
  assert.equal(next.carbonCreditsMicroPerWh.solar, 700);
  assert.equal(params.carbonCreditsMicroPerWh.solar, 500, "input not modified");
  assert.equal(computeParamValue("energy.min_trade_amount", "0.5").value, 500);
  assert.equal(computeParamValue("thai_market.peak_hours.pricing_multiplier", "2").value, 20_000);
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as ChainError).code;
    }
    return "none";
  };
  assert.equal(code(() => computeParamValue("carbon_credits.coal", "1")), "UNKNOWN_PARAMETER");
  assert.equal(code(() => computeParamValue("carbon_credits.solar", "11")), "BAD_PARAMETER_VALUE");
  assert.equal(code(() => computeParamValue("carbon_credits.solar", "x")), "BAD_PARAMETER_VALUE");
  assert.equal(code(() => computeParamValue("carbon_credits.solar", true)), "BAD_PARAMETER_VALUE");
  const min = computeParamValue("energy.min_trade_amount", "20000");
  assert.equal(
    code(() => computeParamsWithChange(params, min.param, min.value)),
    "BAD_PARAMETER_VALUE",
  );
});

Deno.test("emergency signatures: applied once enough distinct authorities sign", () => {
  const state = new StateOverlay(new MemoryState());
  const declare = {
    action: "declare" as const,
    scope: "BKK-01",
    kind: "halt" as const,
    capKw: null,
    reason: "",
  };
  const at = (height: number) => ({ height, timestampMs: 1_000_000 + height * 1000 });
  assert.equal(processEmergencySignature(state, "EGAT", declare, at(5), 2), "pending");
  assert.deepEqual(getHaltedScopes(state), []);
  assert.throws(
    () => processEmergencySignature(state, "EGAT", declare, at(6), 2),
    /already signed/,
  );
  assert.equal(processEmergencySignature(state, "MEA", declare, at(6), 2), "applied");
  assert.deepEqual(getHaltedScopes(state), ["BKK-01"]);
  assert.ok(isUnderScope("BKK-01-SUB001", "BKK-01"));
  assert.ok(!isUnderScope("BKK-010-SUB001", "BKK-01"));
  const lift = { action: "lift" as const, scope: "BKK-01", kind: null, capKw: null, reason: "" };
  assert.equal(processEmergencySignature(state, "MEA", lift, at(7), 1), "applied");
  assert.deepEqual(getHaltedScopes(state), []);
  assert.throws(() => processEmergencySignature(state, "MEA", lift, at(8), 1), /No grid emergency/);
});

Deno.test("emergency signatures: a declaration lapses an hour (block time) after its first signature", () => {
  const state = new StateOverlay(new MemoryState());
  const declare = {
    action: "declare" as const,
    scope: "BKK-01",
    kind: "halt" as const,
    capKw: null,
    reason: "",
  };
  const t0 = 1_700_000_000_000;
  assert.equal(
    processEmergencySignature(state, "EGAT", declare, { height: 10, timestampMs: t0 }, 2),
    "pending",
  );
  assert.equal(getPendingEmergencyActions(state, t0 + EMERGENCY_SIGNATURE_WINDOW_MS).length, 1);
  assert.equal(getPendingEmergencyActions(state, t0 + EMERGENCY_SIGNATURE_WINDOW_MS + 1).length, 0);
  // MEA signs after the window: the old signature no longer counts, MEA's opens a new one.
  const late = { height: 2_000, timestampMs: t0 + EMERGENCY_SIGNATURE_WINDOW_MS + 1 };
  assert.equal(processEmergencySignature(state, "MEA", declare, late, 2), "pending");
  assert.deepEqual(getHaltedScopes(state), []);
  const open = getPendingEmergencyActions(state);
  assert.equal(open.length, 1);
  assert.deepEqual(open[0]!.signers, ["MEA"]);
  assert.equal(open[0]!.firstHeight, 2_000);
  // Within the new window EGAT's second signature completes it.
  assert.equal(
    processEmergencySignature(state, "EGAT", declare, { ...late, height: 2_001 }, 2),
    "applied",
  );
  assert.deepEqual(getHaltedScopes(state), ["BKK-01"]);
  assert.deepEqual(getPendingEmergencyActions(state), []);
});
