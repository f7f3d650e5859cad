import assert from "node:assert/strict";
import { encode } from "cborg";
import {
  decodeBlockRangeRequest,
  decodeBlockRangeResponse,
  encodeBlockRangeRequest,
  encodeBlockRangeResponse,
} from "./block_range.ts";
import { P2PError } from "./errors.ts";
import { MAX_BLOCK_RESPONSE_BYTES } from "./topics.ts";

Deno.test("block request round-trips and is byte-exact", () => {
  const bytes = encodeBlockRangeRequest({ from: 5, count: 10 });
  // {"from": 5, "count": 10} with cborg's canonical (length-first) key order.
  assert.deepEqual(
    [...bytes],
    [
      0xa2,
      0x64,
      ...new TextEncoder().encode("from"),
      0x05,
      0x65,
      ...new TextEncoder().encode("count"),
      0x0a,
    ],
  );
  assert.deepEqual(decodeBlockRangeRequest(bytes), { from: 5, count: 10 });
});

Deno.test("server clamps count to 256 and rejects bad requests", () => {
  assert.equal(decodeBlockRangeRequest(encode({ from: 0, count: 10_000 })).count, 256);
  for (
    const bad of [{ from: -1, count: 1 }, { from: 0, count: 0 }, [0, 1], "x", {
      from: 1.5,
      count: 1,
    }]
  ) {
    assert.throws(
      () => decodeBlockRangeRequest(encode(bad)),
      (err: unknown) => err instanceof P2PError && err.code === "REQUEST_INVALID",
    );
  }
});

Deno.test("response keeps the longest prefix that fits 8 MiB", () => {
  const blocks = Array.from({ length: 200 }, (_, i) => new Uint8Array(100_000).fill(i));
  const bytes = encodeBlockRangeResponse(blocks);
  assert.ok(bytes.length <= MAX_BLOCK_RESPONSE_BYTES);
  const decoded = decodeBlockRangeResponse(bytes, 256);
  assert.equal(decoded.length, Math.floor((MAX_BLOCK_RESPONSE_BYTES - 3) / 100_005));
  assert.deepEqual(decoded[3], blocks[3]);
  assert.throws(() => decodeBlockRangeResponse(bytes, 5), P2PError);
  assert.throws(() => decodeBlockRangeResponse(encode(["not bytes"]), 5), P2PError);
});
