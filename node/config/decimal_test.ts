import assert from "node:assert/strict";
import fc from "fast-check";
import { computeScaledInteger, isExactDecimal } from "./decimal.ts";

Deno.test("computeScaledInteger: exact kWh, multiplier and credit conversions", () => {
  assert.equal(computeScaledInteger(0.1, 3), 100);
  assert.equal(computeScaledInteger(0.001, 3), 1);
  assert.equal(computeScaledInteger(10000, 3), 10_000_000);
  assert.equal(computeScaledInteger(1.5, 4), 15_000);
  assert.equal(computeScaledInteger(1.2345, 4), 12_345);
  assert.equal(computeScaledInteger(0.5, 3), 500);
  assert.equal(computeScaledInteger(0.7, 3), 700);
  assert.equal(computeScaledInteger(0, 3), 0);
  assert.equal(computeScaledInteger(-0.25, 2), -25);
  assert.equal(computeScaledInteger(1.5e21, 0), null); // beyond safe integers
  assert.equal(computeScaledInteger(2e-3, 3), 2); // String(0.002) = "0.002"
  assert.equal(computeScaledInteger(1e-7, 7), 1); // String(1e-7) = "1e-7"
});

Deno.test("computeScaledInteger: rejects values that are not exact", () => {
  assert.equal(computeScaledInteger(0.0001, 3), null);
  assert.equal(computeScaledInteger(0.1 + 0.2, 3), null); // 0.30000000000000004
  assert.equal(computeScaledInteger(1.23456, 4), null);
  assert.equal(computeScaledInteger(Number.NaN, 3), null);
  assert.equal(computeScaledInteger(Infinity, 3), null);
  assert.equal(isExactDecimal(0.1, 3), true);
  assert.equal(isExactDecimal(0.1, 0), false);
});

Deno.test("computeScaledInteger: k / 10^d round-trips to k (property)", () => {
  fc.assert(
    fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 4 }), (k, d) => {
      assert.equal(computeScaledInteger(k / 10 ** d, d), k === 0 ? 0 : k);
    }),
  );
});
