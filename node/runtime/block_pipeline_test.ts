import assert from "node:assert/strict";
import { BUILD_BUDGET_FRACTION, computeBuildCap, MIN_BUILD_TXS } from "./block_pipeline.ts";
import fc from "fast-check";
import { decode, encode } from "cborg";
import { addressFromPublicKey } from "../crypto/address.ts";
import { getPublicKey, sign } from "../crypto/ed25519.ts";
import { toHex } from "../crypto/hex.ts";
import { sha256 } from "../crypto/sha256.ts";
import {
  isWireFormOf,
  parseTransaction,
  signTransaction,
  toSignedTxJson,
  type Tx,
  type TxBody,
} from "../chain/transaction.ts";
import { VerifiedTxCache } from "../mempool/verified_tx_cache.ts";
import { Mempool } from "../mempool/mempool.ts";

Deno.test("build cap: no estimate yet takes the chain's maximum", () => {
  assert.equal(computeBuildCap(20_000, 500, undefined), 20_000);
});

Deno.test("build cap: fits the build budget of the block time", () => {
  // 500 ms x 0.5 = 250 ms; at 50 µs per tx that is 5,000 transactions.
  assert.equal(BUILD_BUDGET_FRACTION, 0.5);
  assert.equal(computeBuildCap(20_000, 500, 50), 5_000);
  assert.equal(computeBuildCap(4_000, 500, 50), 4_000);
});

Deno.test("build cap: never below the floor, so a slow node still makes progress", () => {
  assert.equal(computeBuildCap(20_000, 500, 100_000), MIN_BUILD_TXS);
});

Deno.test("build cap: grows at most to twice the last block (never below the floor)", () => {
  // The estimate alone would allow 5,000; the last block had 500.
  assert.equal(computeBuildCap(20_000, 500, 50, 500), 1_000);
  assert.equal(computeBuildCap(20_000, 500, 50, 2_000), 4_000);
  assert.equal(computeBuildCap(20_000, 500, 50, 4_000), 5_000);
  assert.equal(computeBuildCap(20_000, 500, 50, 0), MIN_BUILD_TXS);
});

// --- Matching a proposed transaction to one already parsed (isWireFormOf) ---

function testKey(label: string) {
  const secret = sha256(new TextEncoder().encode(`pipeline test ${label}`));
  const publicKey = getPublicKey(secret);
  return {
    publicKeyHex: toHex(publicKey),
    address: addressFromPublicKey(publicKey),
    sign: (b: Uint8Array) => sign(b, secret),
  };
}
const alice = testKey("alice");
const bob = testKey("bob");

function signedTransfer(amountSatang: number, nonce = 0): Tx {
  return signTransaction({
    kind: "transfer",
    networkId: 7,
    from: alice.publicKeyHex,
    nonce,
    feeSatang: 10,
    expiresAtMs: 2_000,
    payload: { to: bob.address, amountSatang, amountWh: 0 },
  } as TxBody, alice.sign);
}

function signedOrder(): Tx {
  return signTransaction({
    kind: "energy_order",
    networkId: 7,
    from: alice.publicKeyHex,
    nonce: 1,
    feeSatang: 10,
    expiresAtMs: 2_000,
    payload: {
      side: "buy",
      amountWh: 500,
      priceSatangPerKwh: 400,
      source: null,
      location: "BKK-01-SUB001",
      orderExpiresAtMs: 9_000,
    },
  } as TxBody, alice.sign);
}

/** The wire form as a peer would send it: through CBOR, new objects. */
function wireOf(tx: Tx): Record<string, unknown> {
  return decode(encode(toSignedTxJson(tx))) as Record<string, unknown>;
}

Deno.test("isWireFormOf: the exact wire form matches, also after CBOR and in any key order", () => {
  for (const tx of [signedTransfer(100), signedOrder()]) {
    const sig = toHex(tx.signature);
    assert.equal(isWireFormOf(wireOf(tx), tx, sig), true);
    const body = tx.body as unknown as Record<string, unknown>;
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    assert.equal(isWireFormOf({ signature: sig, body: reordered }, tx, sig), true);
  }
});

Deno.test("isWireFormOf: the held signature with another body never matches (hostile proposer)", () => {
  const tx = signedTransfer(100);
  const sig = toHex(tx.signature);
  const other = signedTransfer(200);
  const w = () => wireOf(tx) as { body: Record<string, unknown>; signature: string };
  const cases: [string, unknown][] = [
    ["another body, same signature", { body: wireOf(other).body, signature: sig }],
    ["amount changed", {
      ...w(),
      body: { ...w().body, payload: { ...tx.body.payload, amountSatang: 101 } },
    }],
    ["nonce as a string", { ...w(), body: { ...w().body, nonce: "0" } }],
    ["-0 for 0", { ...w(), body: { ...w().body, nonce: -0 } }],
    ["extra body key", { ...w(), body: { ...w().body, memo: "x" } }],
    [
      "missing body key",
      (() => {
        const x = w();
        delete x.body.feeSatang;
        return x;
      })(),
    ],
    ["extra top-level key", { ...w(), extra: 1 }],
    ["uppercase signature", { ...w(), signature: sig.toUpperCase() }],
    ["signature as bytes", { ...w(), signature: tx.signature }],
    ["body as an array", { ...w(), body: [w().body] }],
    ["payload as a Map", {
      ...w(),
      body: { ...w().body, payload: new Map(Object.entries(tx.body.payload)) },
    }],
    ["null", null],
    ["a string", sig],
  ];
  for (const [name, input] of cases) {
    assert.equal(isWireFormOf(input, tx, sig), false, name);
  }
  const proto = w();
  Object.setPrototypeOf(proto.body, { extra: 1 });
  assert.equal(isWireFormOf(proto, tx, sig), false, "body with another prototype");
});

Deno.test("isWireFormOf: a match always parses to the same id and signature (property)", () => {
  const tx = signedOrder();
  const sig = toHex(tx.signature);
  const value = fc.oneof(
    fc.constant(null),
    fc.constant(-0),
    fc.integer(),
    fc.string(),
    fc.boolean(),
    fc.constant("buy"),
    fc.constant(500),
  );
  const paths = [
    "nonce",
    "feeSatang",
    "kind",
    "payload.side",
    "payload.amountWh",
    "payload.source",
  ];
  fc.assert(
    fc.property(fc.subarray(paths), fc.array(value, { minLength: 6, maxLength: 6 }), (ps, vs) => {
      const m = wireOf(tx) as { body: Record<string, Record<string, unknown>> };
      ps.forEach((p, i) => {
        const [a, b] = p.split(".");
        if (b === undefined) (m.body as Record<string, unknown>)[a!] = vs[i];
        else m.body[a!]![b] = vs[i];
      });
      if (!isWireFormOf(m, tx, sig)) return;
      const again = parseTransaction(m);
      assert.equal(again.id, tx.id);
      assert.equal(toHex(again.signature), sig);
    }),
    { numRuns: 500 },
  );
});

Deno.test("Mempool.getBySignatureHex: indexed on add, dropped on remove, first holder kept", () => {
  const m = new Mempool({ maxTransactions: 10 });
  const a = signedTransfer(100, 0);
  const b = signedTransfer(100, 1);
  m.add(a, { nonce: 0, balanceSatang: 10_000 });
  m.add(b, { nonce: 0, balanceSatang: 10_000 });
  assert.equal(m.getBySignatureHex(toHex(a.signature)), a);
  assert.equal(m.getBySignatureHex(toHex(b.signature)), b);
  m.remove(a.id);
  assert.equal(m.getBySignatureHex(toHex(a.signature)), undefined);
  assert.equal(m.getBySignatureHex(toHex(b.signature)), b);
  // Two (unsigned) transactions sharing one signature: the first keeps the slot.
  const unsigned = (n: number) =>
    parseTransaction({ body: { ...toSignedTxJson(a).body, nonce: n }, signature: "00".repeat(64) });
  const u1 = unsigned(5), u2 = unsigned(6);
  m.add(u1, { nonce: 0, balanceSatang: 10_000 });
  m.add(u2, { nonce: 0, balanceSatang: 10_000 });
  assert.equal(m.getBySignatureHex("00".repeat(64)), u1);
  m.remove(u2.id);
  assert.equal(m.getBySignatureHex("00".repeat(64)), u1);
});

Deno.test("VerifiedTxCache: bounded, oldest dropped first, first entry of a signature kept", () => {
  const c = new VerifiedTxCache(2);
  const [a, b, d] = [signedTransfer(1), signedTransfer(2), signedTransfer(3)];
  c.add("a", a);
  c.add("a", b);
  assert.equal(c.get("a"), a);
  c.add("b", b);
  c.add("d", d);
  assert.equal(c.size, 2);
  assert.equal(c.get("a"), undefined);
  assert.equal(c.get("d"), d);
});
