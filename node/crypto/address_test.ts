import assert from "node:assert/strict";
import { bech32 } from "@scure/base";
import {
  ADDRESS_PREFIX,
  addressFromBytes,
  addressFromPublicKey,
  isValidAddress,
  parseAddress,
} from "./address.ts";
import { getPublicKey } from "./ed25519.ts";
import { CryptoError } from "./errors.ts";
import { fromHex } from "./hex.ts";
import { sha256 } from "./sha256.ts";

const isBadAddress = (e: unknown) => e instanceof CryptoError && e.code === "BAD_ADDRESS";
// RFC 8032 §7.1 TEST 1 secret key, as a fixed key for a fixed address.
const PUB = getPublicKey(
  fromHex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"),
);
const BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

Deno.test("address round trip: gtx1 prefix, 20 bytes of sha256(publicKey)", () => {
  const addr = addressFromPublicKey(PUB);
  assert.ok(addr.startsWith(`${ADDRESS_PREFIX}1`));
  assert.equal(addr.length, 42);
  assert.equal(addr, addr.toLowerCase());
  assert.deepEqual(parseAddress(addr), sha256(PUB).subarray(0, 20));
  assert.equal(addressFromBytes(parseAddress(addr)), addr);
  assert.equal(isValidAddress(addr), true);
  assert.deepEqual(parseAddress(addr.toUpperCase()), parseAddress(addr));
});

Deno.test("every one-character typo is rejected with BAD_ADDRESS (checksum)", () => {
  const addr = addressFromPublicKey(PUB);
  for (let i = 4; i < addr.length; i++) {
    for (const c of BECH32_CHARSET) {
      if (c === addr[i]) continue;
      const typo = addr.slice(0, i) + c + addr.slice(i + 1);
      assert.equal(isValidAddress(typo), false, typo);
    }
  }
  const typo = addr.slice(0, 10) + (addr[10] === "q" ? "p" : "q") + addr.slice(11);
  assert.throws(() => parseAddress(typo), isBadAddress);
  assert.throws(() => parseAddress(typo), /checksum mismatch \(mistyped\?\)/);
});

Deno.test("wrong prefix, mixed case, bad characters and wrong length are rejected clearly", () => {
  const addr = addressFromPublicKey(PUB);
  const data20 = sha256(PUB).subarray(0, 20);
  const other = bech32.encode("cosmos", bech32.toWords(data20));
  assert.throws(() => parseAddress(other), isBadAddress);
  assert.throws(() => parseAddress(other), /wrong prefix "cosmos", expected "gtx"/);
  const mixed = addr.slice(0, 8) + addr.slice(8).toUpperCase();
  assert.throws(() => parseAddress(mixed), /mixed upper and lower case/);
  assert.throws(() => parseAddress(addr.slice(0, 10) + "b" + addr.slice(11)), /"b" is not allowed/);
  const short = bech32.encode("gtx", bech32.toWords(data20.subarray(0, 19)));
  assert.throws(() => parseAddress(short), /wrong length/);
  for (const bad of ["", "gtx", "gtx1", "1qqqq", "gtx1qqqqqq", addr + "q".repeat(60)]) {
    assert.throws(() => parseAddress(bad), isBadAddress, bad);
  }
  assert.equal(isValidAddress(42 as unknown as string), false);
});

Deno.test("addressFromPublicKey rejects a key of the wrong length", () => {
  assert.throws(
    () => addressFromPublicKey(new Uint8Array(33)),
    (e) => e instanceof CryptoError && e.code === "BAD_KEY",
  );
});
