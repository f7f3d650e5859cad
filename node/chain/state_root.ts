/**
 * State root: a hash chain over every block's sorted state changes,
 *   root(h) = SHA-256("GRIDTOKENX_STATE_V1" || root(h-1) || u64(h) || CBOR(changes(h)))
 * with root(-1) = 32 zero bytes and changes(0) the whole genesis state.
 * Two nodes that apply the same blocks produce the same changes and so the
 * same root; it costs O(changes) per block, not O(state). It commits to the
 * history of state, not to a trie: it proves agreement, not membership.
 *
 * Encode once: the canonical CBOR of a change list is kept (by the identity
 * of the list) after hashing, and storage writes those same bytes as the
 * block's redo log (`encodeStateChanges`), so a built or validated block's
 * changes are encoded once on the main thread, not twice.
 */
import { createHash } from "node:crypto";
import { fromHex } from "../crypto/hex.ts";
import { domainTag, encodeCanonical } from "./encoding.ts";
import type { StateChange } from "./state.ts";

const STATE_DOMAIN = domainTag("GRIDTOKENX_STATE_V1");

function u64be(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), false);
  return out;
}

/**
 * Largest encoding kept: a full block (20,000 orders) is ~5 MB; a genesis of
 * a million accounts (hundreds of MB, encoded once or twice at start) is not kept.
 */
const MAX_MEMO_BYTES = 32 * 1024 * 1024;
/** Canonical CBOR of change lists already encoded, with the list length as a guard. */
const encodedChanges = new WeakMap<readonly StateChange[], { length: number; bytes: Uint8Array }>();

/**
 * Canonical CBOR of a change list (an array of `[key, value | null]`), the
 * bytes the state root hashes. Encoded once per list object: later calls with
 * the same (unmodified, immutable) list return the same bytes (lists up to
 * 32 MiB of CBOR). Callers must not mutate the returned bytes.
 */
export function encodeStateChanges(changes: readonly StateChange[]): Uint8Array {
  const cached = encodedChanges.get(changes);
  if (cached !== undefined && cached.length === changes.length) return cached.bytes;
  const bytes = encodeCanonical(changes);
  if (bytes.length <= MAX_MEMO_BYTES) {
    encodedChanges.set(changes, { length: changes.length, bytes });
  }
  return bytes;
}

/**
 * Hex state root after a block at `height` made `changes` (sorted by key).
 * SHA-256 from the runtime's native `node:crypto` (a block's changes are
 * megabytes: ~15x faster than the pure-JS @noble/hashes used elsewhere;
 * same function, same digest, checked against it in `encoding_diff_test.ts`).
 */
export function computeStateRoot(
  prevRootHex: string,
  height: number,
  changes: readonly StateChange[],
): string {
  return createHash("sha256")
    .update(STATE_DOMAIN)
    .update(fromHex(prevRootHex))
    .update(u64be(height))
    .update(encodeStateChanges(changes))
    .digest("hex");
}
