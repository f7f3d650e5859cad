/**
 * State root: a hash chain over every block's sorted state changes,
 *   root(h) = SHA-256("GRIDTOKENX_STATE_V1" || root(h-1) || u64(h) || CBOR(changes(h)))
 * with root(-1) = 32 zero bytes and changes(0) the whole genesis state.
 * Two nodes that apply the same blocks produce the same changes and so the
 * same root; it costs O(changes) per block, not O(state). It commits to the
 * history of state, not to a trie: it proves agreement, not membership.
 */
import { fromHex, toHex } from "../crypto/hex.ts";
import { concatBytes, sha256 } from "../crypto/sha256.ts";
import { domainTag, encodeCanonical } from "./encoding.ts";
import type { StateChange } from "./state.ts";

const STATE_DOMAIN = domainTag("GRIDTOKENX_STATE_V1");

function u64be(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), false);
  return out;
}

/** Hex state root after a block at `height` made `changes` (sorted by key). */
export function computeStateRoot(
  prevRootHex: string,
  height: number,
  changes: readonly StateChange[],
): string {
  return toHex(
    sha256(
      concatBytes(STATE_DOMAIN, fromHex(prevRootHex), u64be(height), encodeCanonical(changes)),
    ),
  );
}
