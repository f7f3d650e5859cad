/**
 * Differential check of the fast canonical encoder: `encodeCanonical` must
 * give exactly the bytes of cborg's RFC 8949 encoder (`encodeCanonicalReference`)
 * for every value, and so the state root must not change. Random values of
 * every JSON-like shape (unicode and lone-surrogate strings and keys, all
 * integer widths, floats, -0, bytes, nesting) and random chain states
 * (accounts, orders, trades, deletions) are compared old vs new.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { concatBytes, sha256 } from "../crypto/sha256.ts";
import { fromHex, toHex } from "../crypto/hex.ts";
import {
  domainTag,
  encodeCanonical,
  encodeCanonicalReference,
  tryEncodeCanonicalFast,
} from "./encoding.ts";
import type { StateChange } from "./state.ts";
import { computeStateRoot, encodeStateChanges } from "./state_root.ts";

const hex = (b: Uint8Array) => toHex(b);

/** Strings of every kind: ASCII, any code point, raw UTF-16 units (lone surrogates). */
const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary" }),
  fc.string({ unit: "binary", minLength: 20, maxLength: 400 }),
  fc.string({ minLength: 20, maxLength: 300 }),
);
const anyInteger = fc.oneof(
  fc.integer({ min: -30, max: 30 }),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.integer({ min: 0, max: 0x1_0001 }),
  fc.constantFrom(
    23,
    24,
    255,
    256,
    65_535,
    65_536,
    2 ** 32 - 1,
    2 ** 32,
    -24,
    -25,
    -256,
    -257,
    -(2 ** 32),
    -(2 ** 32) - 1,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
    -0,
  ),
);
/** Shapes only cborg handles: the fast path must step aside and the bytes still match. */
const oddScalar = fc.oneof(
  fc.double(),
  fc.constantFrom(2 ** 53, -(2 ** 53), 1e300, 0.5, NaN, Infinity, -Infinity),
  fc.bigInt({ min: -(2n ** 64n) + 1n, max: 2n ** 64n - 1n }),
  fc.constant(undefined),
);
const bytes = fc.uint8Array({ maxLength: 300 });

function values(withOdd: boolean) {
  const scalar = withOdd
    ? fc.oneof(anyString, anyInteger, fc.boolean(), fc.constant(null), bytes, oddScalar)
    : fc.oneof(anyString, anyInteger, fc.boolean(), fc.constant(null), bytes);
  return fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      scalar,
      fc.array(tie("value"), { maxLength: 6 }),
      fc.dictionary(anyString, tie("value"), { maxKeys: 8 }),
      fc.dictionary(
        fc.constantFrom("a", "b", "aa", "ab", "ba", "é", "z", "10", "2"),
        tie("value"),
        {
          maxKeys: 6,
        },
      ),
    ),
  })).value;
}

Deno.test("encodeCanonical equals cborg's RFC 8949 encoding for random plain values", () => {
  fc.assert(
    fc.property(values(false), (v) => {
      const fast = tryEncodeCanonicalFast(v);
      assert.ok(fast !== null, "the fast path handles plain values");
      assert.equal(hex(fast), hex(encodeCanonicalReference(v)));
    }),
    { numRuns: 3000 },
  );
});

Deno.test("encodeCanonical equals cborg for values with floats, bigints and undefined", () => {
  fc.assert(
    fc.property(values(true), (v) => {
      assert.equal(hex(encodeCanonical(v)), hex(encodeCanonicalReference(v)));
    }),
    { numRuns: 2000 },
  );
});

Deno.test("encodeCanonical hands non-plain objects to cborg, same bytes or same error", () => {
  class Point {
    constructor(readonly x: number, readonly y: number) {}
  }
  const cases: unknown[] = [
    new Map<unknown, unknown>([["b", 1], ["a", 2]]),
    new Point(1, 2),
    Object.assign(Object.create(null), { z: 1, a: 2 }),
    new Uint16Array([1, 2, 3]),
    [1, , 3],
    { a: undefined },
    { a: 1, toString: "x", constructor: 5 },
    new Uint8Array(new ArrayBuffer(16), 4, 8),
    JSON.parse('{"__proto__": 1, "b": 2}'),
    { ["é".normalize("NFD")]: 1, ["é"]: 2, e: 3 },
    // Lone surrogates both encode as U+FFFD (then the map has equal keys, as with cborg).
    Object.fromEntries([["\ud800", 1], ["\udc00", 2], ["\ufffd", 3]]),
  ];
  cases.forEach((v, i) => {
    assert.equal(hex(encodeCanonical(v)), hex(encodeCanonicalReference(v)), `case ${i}`);
  });
  // A getter that itself encodes (re-entry) still gets the right bytes.
  const reentrant = {
    b: 1,
    get a() {
      return hex(encodeCanonical({ z: [1, 2, 3], y: "inner" }));
    },
  };
  assert.equal(hex(encodeCanonical(reentrant)), hex(encodeCanonicalReference(reentrant)));
  const cycle: Record<string, unknown> = { a: 1 };
  cycle.self = cycle;
  assert.throws(() => encodeCanonicalReference(cycle));
  assert.throws(() => encodeCanonical(cycle));
});

Deno.test("encodeCanonical: long strings and buffer growth match cborg", () => {
  const big = {
    s: "x".repeat(70_000),
    u: "ก".repeat(30_000),
    b: new Uint8Array(200_000).fill(7),
    list: Array.from({ length: 20_000 }, (_, i) => [`account/${i}`, { n: i, neg: -i }]),
  };
  assert.equal(hex(encodeCanonical(big)), hex(encodeCanonicalReference(big)));
  // The shared buffer is not aliased by earlier results.
  const first = encodeCanonical({ a: 1 });
  encodeCanonical({ a: 2 });
  assert.equal(hex(first), "a1616101");
});

// --- random chain states: the state root, old vs new -----------------------

const address = fc.stringMatching(/^gtx1[0-9a-z]{38}$/);
const wh = fc.integer({ min: 0, max: 1e12 });
const account = fc.record({
  balanceSatang: fc.maxSafeNat(),
  energyWh: wh,
  stakeSatang: wh,
  nonce: fc.nat(),
  lockedSatang: wh,
  lockedWh: wh,
  carbonMicroCredits: wh,
  unbonding: fc.array(fc.tuple(fc.nat(), wh), { maxLength: 3 }),
});
const order = fc.record({
  id: fc.stringMatching(/^[0-9a-f]{64}$/),
  owner: address,
  side: fc.constantFrom("buy", "sell"),
  amountWh: wh,
  remainingWh: wh,
  priceSatangPerKwh: fc.nat({ max: 100_000 }),
  source: fc.constantFrom(null, "solar", "wind", "hydro"),
  location: fc.constantFrom("BKK-01-SUB1", "NBI-02-SUB3", "CNX-01-SUB9"),
  seq: fc.nat(),
  expiresAtMs: fc.integer({ min: 1.7e12, max: 1.9e12 }),
  lockedSatang: wh,
});
const change: fc.Arbitrary<StateChange> = fc.oneof(
  fc.tuple(address.map((a) => `account/${a}`), fc.oneof(account, fc.constant(null))),
  fc.tuple(fc.stringMatching(/^[0-9a-f]{64}$/).map((id) => `order/${id}`), order),
  fc.tuple(
    fc.nat({ max: 999_999 }).map((i) => `log/trade/000000000042/${String(i).padStart(6, "0")}`),
    fc.record({ buyOrderId: fc.string(), sellOrderId: fc.string(), amountWh: wh, fees: account }),
  ),
  fc.tuple(fc.string().map((k) => `x/${k}`), values(false)),
);

function referenceStateRoot(prev: string, height: number, changes: readonly StateChange[]) {
  const u64 = new Uint8Array(8);
  new DataView(u64.buffer).setBigUint64(0, BigInt(height));
  const encoded = encodeCanonicalReference(changes);
  return toHex(
    sha256(concatBytes(domainTag("GRIDTOKENX_STATE_V1"), fromHex(prev), u64, encoded)),
  );
}

Deno.test("computeStateRoot over random states equals the cborg reference root", () => {
  fc.assert(
    fc.property(
      fc.uniqueArray(change, { selector: (c) => c[0], maxLength: 40 }),
      fc.nat({ max: 2 ** 40 }),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      (list, height, prev) => {
        const changes = [...list].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        const prevHex = toHex(prev);
        assert.equal(
          computeStateRoot(prevHex, height, changes),
          referenceStateRoot(prevHex, height, changes),
        );
        // The redo log gets the very bytes the root hashed, encoded once.
        assert.equal(hex(encodeStateChanges(changes)), hex(encodeCanonicalReference(changes)));
        assert.equal(encodeStateChanges(changes), encodeStateChanges(changes));
      },
    ),
    { numRuns: 500 },
  );
});
