/**
 * Block-by-hash request/response protocol `/gridtokenx/<networkId>/block-by-hash/1`.
 *
 * One exchange per stream: the requester writes one length-prefixed (unsigned
 * varint) CBOR map `{"hash": bytes(32)}` and closes its write side; the
 * responder writes one length-prefixed CBOR array holding zero byte strings
 * (block not held) or one (the encoded block) and closes. The p2p layer does
 * not know block encodings: the caller checks that the answer hashes to the
 * requested hash and penalises the peer otherwise.
 * @module
 */

import { decode, encode } from "cborg";
import { P2PError } from "./errors.ts";
import { exchangeRequest, serveRequest, type Stream } from "./block_range.ts";
import { MAX_BLOCK_BY_HASH_REQUEST_BYTES, MAX_BLOCK_BY_HASH_RESPONSE_BYTES } from "./topics.ts";

/** Length of a block hash in bytes. */
export const BLOCK_HASH_BYTES = 32;

/** Serves the encoded block whose hash is `hash` (32 bytes), or null when not held. */
export type BlockByHashProvider = (hash: Uint8Array) => Promise<Uint8Array | null>;

/** Encodes a request frame body: CBOR `{"hash": h'<32 bytes>'}`. */
export function encodeBlockByHashRequest(hash: Uint8Array): Uint8Array {
  if (hash.length !== BLOCK_HASH_BYTES) {
    throw new P2PError(
      "REQUEST_INVALID",
      `block hash must be ${BLOCK_HASH_BYTES} bytes, got ${hash.length}`,
    );
  }
  return encode({ hash });
}

/** Decodes a request. Throws `P2PError("REQUEST_INVALID")`. */
export function decodeBlockByHashRequest(bytes: Uint8Array): Uint8Array {
  let value: unknown;
  try {
    value = decode(bytes, { strict: true, rejectDuplicateMapKeys: true });
  } catch (err) {
    throw new P2PError(
      "REQUEST_INVALID",
      `Cannot decode block-by-hash request: ${(err as Error).message}`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new P2PError("REQUEST_INVALID", "Cannot decode block-by-hash request: expected a map");
  }
  const keys = Object.keys(value);
  const hash = (value as Record<string, unknown>).hash;
  if (keys.length !== 1 || !(hash instanceof Uint8Array) || hash.length !== BLOCK_HASH_BYTES) {
    throw new P2PError(
      "REQUEST_INVALID",
      `block-by-hash request must be {"hash": ${BLOCK_HASH_BYTES} bytes}`,
    );
  }
  return hash;
}

/** Encodes a response: `[]` when the block is not held, `[block]` otherwise. */
export function encodeBlockByHashResponse(block: Uint8Array | null): Uint8Array {
  return encode(block === null ? [] : [block]);
}

/** Decodes a response. Throws `P2PError("RESPONSE_INVALID")`. */
export function decodeBlockByHashResponse(bytes: Uint8Array): Uint8Array | null {
  let value: unknown;
  try {
    value = decode(bytes, { strict: true });
  } catch (err) {
    throw new P2PError(
      "RESPONSE_INVALID",
      `Cannot decode block-by-hash response: ${(err as Error).message}`,
    );
  }
  if (!Array.isArray(value) || value.length > 1 || !value.every((b) => b instanceof Uint8Array)) {
    throw new P2PError(
      "RESPONSE_INVALID",
      "block-by-hash response must be an array of at most one byte string",
    );
  }
  return (value[0] as Uint8Array | undefined) ?? null;
}

/**
 * Serves one inbound request stream. Throws `P2PError("REQUEST_INVALID")` for
 * a bad request (the caller penalises the peer).
 */
export function serveBlockByHash(
  stream: Stream,
  provider: BlockByHashProvider,
  signal: AbortSignal,
): Promise<void> {
  return serveRequest(stream, signal, {
    maxRequestBytes: MAX_BLOCK_BY_HASH_REQUEST_BYTES,
    timeoutMessage: "block-by-hash timed out",
    answer: async (frame) => {
      const block = await provider(decodeBlockByHashRequest(frame));
      return encodeBlockByHashResponse(
        block !== null && block.length + 16 <= MAX_BLOCK_BY_HASH_RESPONSE_BYTES ? block : null,
      );
    },
  });
}

/** Performs the requester side on an already opened stream. */
export function exchangeBlockByHash(
  stream: Stream,
  hash: Uint8Array,
  signal: AbortSignal,
): Promise<Uint8Array | null> {
  return exchangeRequest(stream, signal, {
    request: encodeBlockByHashRequest(hash),
    maxResponseBytes: MAX_BLOCK_BY_HASH_RESPONSE_BYTES,
    timeoutMessage: "block-by-hash timed out",
    decode: decodeBlockByHashResponse,
  });
}
