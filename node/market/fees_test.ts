import assert from "node:assert/strict";
import {
  computeBuyLockSatang,
  computeFeeRates,
  computePeakFeeRate,
  getBangkokHour,
  isPeakHour,
} from "./fees.ts";
import { DEFAULT_MARKET_PARAMS } from "./params.ts";
import { ceilDiv, computeValueSatang, floorDiv } from "./units.ts";

const p = DEFAULT_MARKET_PARAMS;

Deno.test("peak hours: 18:30 Bangkok (11:30 UTC) is peak, 17:59 is not, 22:00 is not", () => {
  assert.equal(getBangkokHour(Date.UTC(2026, 0, 15, 11, 30)), 18);
  assert.equal(isPeakHour(Date.UTC(2026, 0, 15, 11, 30), p.peakHours), true);
  assert.equal(isPeakHour(Date.UTC(2026, 0, 15, 10, 59, 59, 999), p.peakHours), false);
  assert.equal(isPeakHour(Date.UTC(2026, 0, 15, 15, 0), p.peakHours), false);
  assert.equal(isPeakHour(Date.UTC(2026, 0, 15, 14, 59), p.peakHours), true);
  assert.equal(computeFeeRates(p, Date.UTC(2026, 0, 15, 11, 30)).same_zone, 38); // ceil(25 x 1.5)
  assert.equal(computeFeeRates(p, Date.UTC(2026, 0, 15, 10, 59)).same_zone, 25);
});

Deno.test("peak hours spanning midnight", () => {
  const wrap = { startHour: 22, endHour: 6 };
  assert.equal(isPeakHour(Date.UTC(2026, 0, 15, 16, 0), wrap), true); // 23:00 BKK
  assert.equal(isPeakHour(Date.UTC(2026, 0, 15, 22, 0), wrap), true); // 05:00 BKK
  assert.equal(isPeakHour(Date.UTC(2026, 0, 15, 23, 0), wrap), false); // 06:00 BKK
});

Deno.test("rounding: value floors, peak rate and lock round up, exact near 2^53", () => {
  assert.equal(computeValueSatang(1, 5000), 5);
  assert.equal(computeValueSatang(999, 1), 0);
  assert.equal(computePeakFeeRate(33, 15_000), 50);
  assert.equal(computeBuyLockSatang(1000, 5000, p), 5150);
  assert.equal(computeBuyLockSatang(1, 1, p), 1);
  const n = 8_999_999_999_999_999 - 1; // below 2^53, n % 1000 = 998
  assert.equal(floorDiv(n, 1000), 8_999_999_999_999);
  assert.equal(ceilDiv(n, 1000), 9_000_000_000_000);
});
