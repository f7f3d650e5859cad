import assert from "node:assert/strict";
import { encode } from "cborg";
import {
  decodeBlockByHashRequest,
  decodeBlockByHashResponse,
  encodeBlockByHashRequest,
  encodeBlockByHashResponse,
} from "./block_by_hash.ts";
import { P2PError } from "./errors.ts";

const isCode = (code: string) => (err: unknown) => err instanceof P2PError && err.code === code;

Deno.test("block-by-hash request is byte-exact and round-trips", () => {
  const hash = new Uint8Array(32).fill(0xab);
  const bytes = encodeBlockByHashRequest(hash);
  // {"hash": h'abab...'}: a1 64 "hash" 58 20 <32 bytes>
  assert.deepEqual(
    [...bytes.subarray(0, 8)],
    [0xa1, 0x64, ...new TextEncoder().encode("hash"), 0x58, 0x20],
  );
  assert.equal(bytes.length, 8 + 32);
  assert.deepEqual(decodeBlockByHashRequest(bytes), hash);
});

Deno.test("block-by-hash request: wrong hash length, extra keys and garbage are refused", () => {
  assert.throws(() => encodeBlockByHashRequest(new Uint8Array(31)), isCode("REQUEST_INVALID"));
  assert.throws(
    () => decodeBlockByHashRequest(encode({ hash: new Uint8Array(31) })),
    isCode("REQUEST_INVALID"),
  );
  assert.throws(
    () => decodeBlockByHashRequest(encode({ hash: new Uint8Array(32), more: 1 })),
    isCode("REQUEST_INVALID"),
  );
  assert.throws(() => decodeBlockByHashRequest(new Uint8Array([0xff])), isCode("REQUEST_INVALID"));
});

Deno.test("block-by-hash response: [] is not held, [bytes] is the block, anything else invalid", () => {
  assert.deepEqual([...encodeBlockByHashResponse(null)], [0x80]);
  assert.deepEqual([...encodeBlockByHashResponse(new Uint8Array([1, 2]))], [0x81, 0x42, 1, 2]);
  assert.equal(decodeBlockByHashResponse(new Uint8Array([0x80])), null);
  assert.deepEqual(
    decodeBlockByHashResponse(new Uint8Array([0x81, 0x42, 1, 2])),
    new Uint8Array([1, 2]),
  );
  assert.throws(
    () => decodeBlockByHashResponse(encode([new Uint8Array(1), new Uint8Array(1)])),
    isCode("RESPONSE_INVALID"),
  );
  assert.throws(() => decodeBlockByHashResponse(encode([5])), isCode("RESPONSE_INVALID"));
  assert.throws(() => decodeBlockByHashResponse(encode({})), isCode("RESPONSE_INVALID"));
});
