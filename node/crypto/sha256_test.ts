import assert from "node:assert/strict";
import { concatBytes, sha256, sha256Hex } from "./sha256.ts";
import { toHex } from "./hex.ts";
// FIPS 180-2 Appendix B (B.1, B.2, B.3) and the NIST CAVP example values, plus the empty string:
// https://csrc.nist.gov/projects/cryptographic-standards-and-guidelines/example-values
import vectors from "../../tests/vectors/crypto/sha256_fips180.json" with { type: "json" };

Deno.test("SHA-256 NIST vectors: empty, abc, 448-bit message, one million 'a'", () => {
  assert.equal(vectors.cases.length, 4);
  for (const v of vectors.cases) {
    const data = new TextEncoder().encode(v.text.repeat(v.repeat));
    assert.equal(sha256Hex(data), v.digest, v.name);
    assert.equal(toHex(sha256(data)), v.digest, v.name);
    assert.equal(sha256(data).length, 32);
  }
});

Deno.test("concatBytes joins in order and copies", () => {
  const a = new Uint8Array([1, 2]);
  const joined = concatBytes(a, new Uint8Array(0), new Uint8Array([3]));
  assert.deepEqual(joined, new Uint8Array([1, 2, 3]));
  joined[0] = 9;
  assert.equal(a[0], 1);
  assert.deepEqual(concatBytes(), new Uint8Array(0));
});
