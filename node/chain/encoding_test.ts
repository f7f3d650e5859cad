import assert from "node:assert/strict";
import { decodeCanonical, encodeCanonical } from "./encoding.ts";
import { ChainError } from "./errors.ts";

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

Deno.test("encodeCanonical: shortest integers, map keys sorted by encoded bytes", () => {
  assert.deepEqual(encodeCanonical(23), hex("17"));
  assert.deepEqual(encodeCanonical(24), hex("1818"));
  assert.deepEqual(encodeCanonical(256), hex("190100"));
  // Keys sort by encoded bytes: shorter first, then bytewise ("b" < "aa").
  assert.deepEqual(encodeCanonical({ aa: 1, b: 2 }), hex("a2616202626161" + "01"));
  assert.deepEqual(encodeCanonical({ b: 2, aa: 1 }), encodeCanonical({ aa: 1, b: 2 }));
});

Deno.test("decodeCanonical round-trips canonical bytes", () => {
  const value = { kind: "transfer", n: [0, 23, 24, 65_536, -1, 2 ** 40], ok: true, nil: null };
  assert.deepEqual(decodeCanonical(encodeCanonical(value)), value);
});

Deno.test("decodeCanonical rejects every non-canonical form with BAD_ENCODING", () => {
  const bad: [string, string][] = [
    ["1801", "integer 1 in two bytes"],
    ["190017", "integer 23 in three bytes"],
    ["a2616101616101", "duplicate map key"],
    ["a2616202616101", "unsorted map keys (b before a)"],
    ["9f01ff", "indefinite-length array"],
    ["7f6161ff", "indefinite-length string"],
    ["f7", "undefined"],
    ["f97e00", "NaN"],
    ["0101", "trailing bytes"],
    ["f93c00", "float 1.0 in half precision for an integer"],
    ["", "empty input"],
    ["1b", "truncated"],
  ];
  for (const [bytes, why] of bad) {
    assert.throws(
      () => decodeCanonical(bytes === "" ? new Uint8Array(0) : hex(bytes)),
      (e: unknown) => e instanceof ChainError && e.code === "BAD_ENCODING",
      why,
    );
  }
});
