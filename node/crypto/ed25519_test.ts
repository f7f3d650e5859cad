import assert from "node:assert/strict";
import fc from "fast-check";
import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import {
  createWebCryptoSigner,
  generateSecretKey,
  getPublicKey,
  InlineVerifier,
  isAcceptablePublicKey,
  isCanonicalSignature,
  NobleVerifier,
  sign,
  type SignatureVerifier,
  SMALL_ORDER_ENCODINGS,
  verifyNoble,
  verifyWebCrypto,
} from "./ed25519.ts";
import { CryptoError } from "./errors.ts";
import { fromHex, toHex } from "./hex.ts";
import { concatBytes } from "./sha256.ts";
// RFC 8032 §7.1 test vectors (TEST 1, 2, 3, 1024, SHA(abc)):
// https://www.rfc-editor.org/rfc/rfc8032#section-7.1
import rfc8032 from "../../tests/vectors/crypto/rfc8032_ed25519.json" with { type: "json" };
// Edge cases of our verification rule (torsion, non-canonical encodings), built by this project
// from the RFC 8032 TEST 3 key; each case says how. Shared by every SignatureVerifier.
import edgeCases from "../../tests/vectors/crypto/ed25519_edge_cases.json" with { type: "json" };
import { verifierCases } from "../../tests/vectors/crypto/verify_cases.ts";

const L = ed.Point.CURVE().n;
const B = ed.Point.BASE;
/** A point of order 8 (canonical encoding, from the torsion subgroup). */
const T8 = ed.Point.fromHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a");
const IDENTITY = fromHex("0100000000000000000000000000000000000000000000000000000000000000");
const utf8 = (s: string) => new TextEncoder().encode(s);

function leToBigInt(bytes: Uint8Array): bigint {
  return BigInt("0x" + (toHex(Uint8Array.from(bytes).reverse()) || "0"));
}
function bigIntToLe32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}
function challenge(rBytes: Uint8Array, pub: Uint8Array, msg: Uint8Array): bigint {
  return leToBigInt(sha512(concatBytes(rBytes, pub, msg))) % L;
}
function secretScalar(secret: Uint8Array): bigint {
  return ed.utils.getExtendedPublicKey(secret).scalar;
}

/** Both verifiers give `expected`; a mismatch names the case. */
async function assertBoth(
  sig: Uint8Array,
  msg: Uint8Array,
  pub: Uint8Array,
  expected: boolean,
  label: string,
): Promise<void> {
  assert.equal(verifyNoble(sig, msg, pub), expected, `verifyNoble: ${label}`);
  assert.equal(await verifyWebCrypto(sig, msg, pub), expected, `verifyWebCrypto: ${label}`);
}

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const out = Uint8Array.from(bytes);
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

Deno.test("RFC 8032 §7.1 vectors: public key, exact signature, both verifiers accept", async () => {
  assert.equal(rfc8032.cases.length, 5);
  for (const v of rfc8032.cases) {
    const secret = fromHex(v.secretKey);
    const msg = fromHex(v.message);
    assert.equal(toHex(getPublicKey(secret)), v.publicKey, v.name);
    assert.equal(toHex(sign(msg, secret)), v.signature, v.name);
    await assertBoth(fromHex(v.signature), msg, fromHex(v.publicKey), true, v.name);
  }
});

Deno.test("WebCrypto signer: the RFC 8032 signatures, and the same as sign() on random keys and messages", async () => {
  for (const v of rfc8032.cases) {
    const signAsync = createWebCryptoSigner(fromHex(v.secretKey));
    assert.equal(toHex(await signAsync(fromHex(v.message))), v.signature, v.name);
  }
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ maxLength: 2048 }),
      async (secret, msg) => {
        assert.equal(toHex(await createWebCryptoSigner(secret)(msg)), toHex(sign(msg, secret)));
      },
    ),
    { numRuns: 200 },
  );
  assert.throws(() => createWebCryptoSigner(new Uint8Array(31)), CryptoError);
});

Deno.test("RFC 8032 vectors: flipping any bit of signature or public key, or a message bit, rejects", async () => {
  for (const v of rfc8032.cases) {
    const sig = fromHex(v.signature);
    const msg = fromHex(v.message);
    const pub = fromHex(v.publicKey);
    for (let bit = 0; bit < 512; bit++) {
      await assertBoth(flipBit(sig, bit), msg, pub, false, `${v.name} sig bit ${bit}`);
    }
    for (let bit = 0; bit < 256; bit++) {
      await assertBoth(sig, msg, flipBit(pub, bit), false, `${v.name} pub bit ${bit}`);
    }
    for (let bit = 0; bit < Math.min(msg.length * 8, 64); bit++) {
      await assertBoth(sig, flipBit(msg, bit), pub, false, `${v.name} msg bit ${bit}`);
    }
    await assertBoth(sig, concatBytes(msg, new Uint8Array([0])), pub, false, `${v.name} msg+00`);
  }
});

Deno.test("SMALL_ORDER_ENCODINGS are exactly the canonical encodings of the 8 torsion points", () => {
  const torsion = new Set<string>();
  let p = ed.Point.ZERO;
  for (let i = 0; i < 8; i++) {
    torsion.add(p.toHex());
    p = p.add(T8);
  }
  assert.equal(torsion.size, 8);
  assert.deepEqual(new Set(SMALL_ORDER_ENCODINGS.map(toHex)), torsion);
});

Deno.test("small-order public keys are rejected by both, even when the equation holds", async () => {
  const msg = utf8("small order");
  for (const pub of SMALL_ORDER_ENCODINGS) {
    assert.equal(isAcceptablePublicKey(pub), false, toHex(pub));
    // R = identity, S = 0: [0]B == I + [k]A holds whenever [k]A = I; find such a message.
    const sig = concatBytes(IDENTITY, new Uint8Array(32));
    const A = ed.Point.fromBytes(pub);
    let m: Uint8Array = msg;
    for (let i = 0; i < 64; i++) {
      m = concatBytes(msg, new Uint8Array([i]));
      const k = challenge(IDENTITY, pub, m);
      if (A.multiply(k, false).is0()) break;
    }
    assert.ok(A.multiply(challenge(IDENTITY, pub, m), false).is0(), "found a satisfying message");
    await assertBoth(sig, m, pub, false, `small-order key ${toHex(pub)}`);
  }
});

Deno.test("non-canonical S (S + L, S = L, high bit) is rejected by both", async () => {
  const v = rfc8032.cases[1]!;
  const sig = fromHex(v.signature);
  const msg = fromHex(v.message);
  const pub = fromHex(v.publicKey);
  const s = leToBigInt(sig.subarray(32));
  const withS = (x: bigint) => concatBytes(sig.subarray(0, 32), bigIntToLe32(x));
  assert.equal(isCanonicalSignature(withS(s)), true);
  assert.equal(isCanonicalSignature(withS(s + L)), false);
  await assertBoth(withS(s + L), msg, pub, false, "S + L");
  await assertBoth(withS(L), msg, pub, false, "S = L");
  await assertBoth(withS(s + (1n << 255n)), msg, pub, false, "S high bit");
  await assertBoth(withS(L - 1n), msg, pub, false, "S = L - 1 (canonical, wrong)");
});

Deno.test("non-canonical public key encodings (y >= p, x = 0 with sign bit) are rejected by both", async () => {
  const sigIdentityZero = concatBytes(IDENTITY, new Uint8Array(32));
  const msg = utf8("edge");
  const cases = {
    "y = p + 1 (identity)": "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "y = p (order 4)": "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "y = 1 with sign bit (identity)":
      "0100000000000000000000000000000000000000000000000000000000000080",
    "y = p - 1 with sign bit": "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "y = 2^255 - 1": "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  };
  for (const [label, hex] of Object.entries(cases)) {
    const pub = fromHex(hex);
    assert.equal(isAcceptablePublicKey(pub), false, label);
    await assertBoth(sigIdentityZero, msg, pub, false, label);
  }
  // Canonical boundary: y = p - 1 without sign bit is canonical (and small order).
  const edge = fromHex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  assert.equal(isAcceptablePublicKey(edge), false);
  assert.ok(SMALL_ORDER_ENCODINGS.some((e) => toHex(e) === toHex(edge)));
});

Deno.test("non-canonical R encodings are rejected by both, even when the equation holds", async () => {
  // R encodes the identity non-canonically; S = k·a makes [S]B == I + [k]A hold.
  const secret = fromHex(rfc8032.cases[0]!.secretKey);
  const pub = getPublicKey(secret);
  const a = secretScalar(secret);
  const msg = utf8("non-canonical R");
  const nonCanonicalIdentities = [
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p + 1
    "0100000000000000000000000000000000000000000000000000000000000080", // y = 1, x = -0
  ];
  for (const hex of nonCanonicalIdentities) {
    const rBytes = fromHex(hex);
    const k = challenge(rBytes, pub, msg);
    const sig = concatBytes(rBytes, bigIntToLe32((k * a) % L));
    assert.ok(
      B.multiply((k * a) % L, false).equals(
        ed.Point.ZERO.add(ed.Point.fromBytes(pub).multiply(k, false)),
      ),
    );
    assert.equal(isCanonicalSignature(sig), false, hex);
    await assertBoth(sig, msg, pub, false, `R = ${hex}`);
  }
  // Control: the same construction with the canonical identity encoding is accepted by both.
  const k = challenge(IDENTITY, pub, msg);
  await assertBoth(concatBytes(IDENTITY, bigIntToLe32((k * a) % L)), msg, pub, true, "R = I");
});

Deno.test("torsion components: cofactorless rule, both agree (noble's cofactored verify would not)", async () => {
  const secret = fromHex(rfc8032.cases[2]!.secretKey);
  const a = secretScalar(secret);
  const A = B.multiply(a);
  let accepted = 0;
  let rejected = 0;
  // Mixed-order public key A + T8, signature made with a: valid iff 8 | k.
  const mixedPub = A.add(T8).toBytes();
  assert.equal(isAcceptablePublicKey(mixedPub), true);
  for (let i = 0; i < 40; i++) {
    const msg = utf8(`mixed A ${i}`);
    const r = 1000n + BigInt(i);
    const rBytes = B.multiply(r).toBytes();
    const k = challenge(rBytes, mixedPub, msg);
    const sig = concatBytes(rBytes, bigIntToLe32((r + k * a) % L));
    assert.equal(ed.verify(sig, msg, mixedPub, { zip215: false }), true, "cofactored accepts");
    const expected = k % 8n === 0n;
    expected ? accepted++ : rejected++;
    await assertBoth(sig, msg, mixedPub, expected, `mixed A, k mod 8 = ${k % 8n}`);
  }
  assert.ok(accepted > 0 && rejected > 0, `both outcomes covered (${accepted}/${rejected})`);
  // Mixed-order R = rB + T8 with an honest key: never valid cofactorless.
  const pub = A.toBytes();
  for (let i = 0; i < 8; i++) {
    const msg = utf8(`mixed R ${i}`);
    const r = 5000n + BigInt(i);
    const rBytes = B.multiply(r).add(T8).toBytes();
    const k = challenge(rBytes, pub, msg);
    const sig = concatBytes(rBytes, bigIntToLe32((r + k * a) % L));
    assert.equal(ed.verify(sig, msg, pub, { zip215: false }), true, "cofactored accepts");
    await assertBoth(sig, msg, pub, false, `mixed R ${i}`);
  }
});

Deno.test("edge-case vector file: both verifiers give the expected verdict", async () => {
  assert.ok(edgeCases.cases.length >= 20);
  assert.ok(edgeCases.cases.some((c) => c.valid) && edgeCases.cases.some((c) => !c.valid));
  for (const c of edgeCases.cases) {
    const [sig, msg, pub] = [fromHex(c.signature), fromHex(c.message), fromHex(c.publicKey)];
    await assertBoth(sig, msg, pub, c.valid, c.name);
  }
});

Deno.test("malformed inputs return false, never throw", async () => {
  const v = rfc8032.cases[1]!;
  const sig = fromHex(v.signature);
  const msg = fromHex(v.message);
  const pub = fromHex(v.publicKey);
  const bad: [Uint8Array, Uint8Array, Uint8Array, string][] = [
    [sig.subarray(0, 63), msg, pub, "short sig"],
    [concatBytes(sig, new Uint8Array(1)), msg, pub, "long sig"],
    [sig, msg, pub.subarray(0, 31), "short pub"],
    [sig, msg, new Uint8Array(0), "empty pub"],
    [sig, msg, fromHex("02" + "00".repeat(31)), "pub off curve"],
    [concatBytes(fromHex("02" + "00".repeat(31)), sig.subarray(32)), msg, pub, "R off curve"],
    [null as unknown as Uint8Array, msg, pub, "null sig"],
    [sig, "text" as unknown as Uint8Array, pub, "string msg"],
  ];
  for (const [s, m, p, label] of bad) {
    await assertBoth(s, m, p, false, label);
  }
});

Deno.test("getPublicKey/sign reject a secret of the wrong length with BAD_KEY", () => {
  assert.throws(
    () => getPublicKey(new Uint8Array(31)),
    (e) => e instanceof CryptoError && e.code === "BAD_KEY",
  );
  assert.throws(
    () => sign(new Uint8Array(1), new Uint8Array(64)),
    (e) => e instanceof CryptoError && e.code === "BAD_KEY",
  );
  assert.equal(generateSecretKey().length, 32);
  assert.notDeepEqual(generateSecretKey(), generateSecretKey());
});

Deno.test("property: valid signatures accepted by both; single-byte mutations judged identically", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.uint8Array({ maxLength: 200 }),
      fc.constantFrom("sig", "msg", "pub"),
      fc.nat(),
      fc.integer({ min: 1, max: 255 }),
      async (secret, msg, target, index, xor) => {
        const pub = getPublicKey(secret);
        const sig = sign(msg, secret);
        assert.equal(verifyNoble(sig, msg, pub), true);
        assert.equal(await verifyWebCrypto(sig, msg, pub), true);
        const parts = {
          sig: Uint8Array.from(sig),
          msg: Uint8Array.from(msg),
          pub: Uint8Array.from(pub),
        };
        const part = parts[target];
        if (part.length === 0) return;
        part[index % part.length]! ^= xor;
        const noble = verifyNoble(parts.sig, parts.msg, parts.pub);
        const web = await verifyWebCrypto(parts.sig, parts.msg, parts.pub);
        assert.equal(noble, web);
        assert.equal(noble, false);
      },
    ),
    { numRuns: 200 },
  );
});

for (
  const [name, make] of [
    ["InlineVerifier", () => new InlineVerifier()],
    ["NobleVerifier", () => new NobleVerifier()],
  ] as [string, () => SignatureVerifier][]
) {
  Deno.test(`${name}.verifyBatch gives one answer per item, in order`, async () => {
    const verifier = make();
    const { items, expected } = verifierCases();
    assert.deepEqual(await verifier.verifyBatch(items), expected);
    assert.deepEqual(await verifier.verifyBatch([]), []);
    verifier.close?.();
  });
}
