import assert from "node:assert/strict";
import fc from "fast-check";
import { findDuplicateKey } from "./json_duplicate_keys.ts";

Deno.test("findDuplicateKey: finds duplicates at any depth, with their path", () => {
  assert.deepEqual(findDuplicateKey('{"a":1,"a":2}'), { key: "a", path: "$" });
  assert.deepEqual(
    findDuplicateKey('{"body":{"payload":{"amountWh":1,"x":[1,{"k":2}],"amountWh":9}}}'),
    { key: "amountWh", path: "$.body.payload" },
  );
  assert.deepEqual(findDuplicateKey('[0,{"b":1},{"a":1,"\\u0061":2}]'), { key: "a", path: "$[2]" });
  assert.deepEqual(findDuplicateKey('{"a b":{"c":1,"c":1}}'), { key: "c", path: '$["a b"]' });
});

Deno.test("findDuplicateKey: no false positives", () => {
  for (
    const text of [
      '{"a":1,"b":{"a":1},"c":[{"a":1},{"a":2}]}',
      '{"a":"\\"a\\":1,\\"a\\":2","b":"{"}',
      '"{\\"a\\":1,\\"a\\":1}"',
      '{"a\\\\":1,"a":2}',
      "[]",
      "{}",
      "12",
    ]
  ) {
    assert.equal(findDuplicateKey(text), null, text);
  }
});

Deno.test("findDuplicateKey: property: stringified JSON never has duplicates; an injected one is found", () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      assert.equal(findDuplicateKey(JSON.stringify(value)), null);
      const text = JSON.stringify({ wrapper: value, k: 1 });
      assert.deepEqual(findDuplicateKey(text.slice(0, -1) + ',"k":2}'), { key: "k", path: "$" });
    }),
    { numRuns: 500 },
  );
});
