import assert from "node:assert/strict";
import { fromHex, toHex } from "../crypto/hex.ts";
import { concatBytes, sha256 } from "../crypto/sha256.ts";
import { computeMerkleRoot } from "./merkle.ts";

const id = (n: number) => toHex(sha256(new Uint8Array([n])));
const leaf = (h: string) => sha256(concatBytes(new Uint8Array([0]), fromHex(h)));
const node = (l: Uint8Array, r: Uint8Array) => sha256(concatBytes(new Uint8Array([1]), l, r));

Deno.test("merkle root of 0, 1, 2 and 3 ids (RFC 6962 prefixes, odd node carried up)", () => {
  assert.equal(computeMerkleRoot([]), toHex(sha256(new Uint8Array(0))));
  assert.equal(computeMerkleRoot([id(1)]), toHex(leaf(id(1))));
  assert.equal(computeMerkleRoot([id(1), id(2)]), toHex(node(leaf(id(1)), leaf(id(2)))));
  assert.equal(
    computeMerkleRoot([id(1), id(2), id(3)]),
    toHex(node(node(leaf(id(1)), leaf(id(2))), leaf(id(3)))),
  );
});

Deno.test("merkle root depends on order and membership; a leaf is not a node", () => {
  const ids = Array.from({ length: 7 }, (_, i) => id(i));
  const roots = new Set([
    computeMerkleRoot(ids),
    computeMerkleRoot([...ids].reverse()),
    computeMerkleRoot(ids.slice(0, 6)),
    computeMerkleRoot([...ids, ids[6]!]),
  ]);
  assert.equal(roots.size, 4);
  // Second-preimage: the inner node of two leaves, given as one "id", has a different root.
  const inner = toHex(node(leaf(id(1)), leaf(id(2))));
  assert.notEqual(computeMerkleRoot([inner]), computeMerkleRoot([id(1), id(2)]));
});
