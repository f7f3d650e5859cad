import assert from "node:assert/strict";
import { CryptoError } from "./errors.ts";
import { fromHex, toHex } from "./hex.ts";

const isCode = (code: string) => (e: unknown) => e instanceof CryptoError && e.code === code;

Deno.test("toHex/fromHex round trip, lower-case output, either case accepted", () => {
  const bytes = new Uint8Array([0, 1, 0x7f, 0x80, 0xab, 0xff]);
  assert.equal(toHex(bytes), "00017f80abff");
  assert.deepEqual(fromHex("00017f80abff"), bytes);
  assert.deepEqual(fromHex("00017F80ABFF"), bytes);
  assert.deepEqual(fromHex(""), new Uint8Array(0));
});

Deno.test("fromHex rejects odd length and non-hex characters with BAD_HEX", () => {
  assert.throws(() => fromHex("abc"), isCode("BAD_HEX"));
  assert.throws(() => fromHex("zz"), isCode("BAD_HEX"));
  assert.throws(() => fromHex("0x00"), isCode("BAD_HEX"));
  assert.throws(() => fromHex("00 11"), isCode("BAD_HEX"));
  assert.throws(() => fromHex(5 as unknown as string), isCode("BAD_HEX"));
  assert.throws(() => fromHex("abc"), /odd length 3/);
  assert.throws(() => fromHex("0g"), /"g" is not a hex digit/);
});
