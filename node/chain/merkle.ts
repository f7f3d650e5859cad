/**
 * Merkle root of a block's transaction ids, RFC 6962 style: leaves and inner
 * nodes are hashed with different prefixes (0x00 / 0x01), and an odd node is
 * carried up unpaired, so no two different lists share a root.
 */
import { fromHex, toHex } from "../crypto/hex.ts";
import { sha256 } from "../crypto/sha256.ts";

const LEAF = 0x00;
const NODE = 0x01;

/** Hex Merkle root of hex ids; the root of no ids is SHA-256 of nothing. */
export function computeMerkleRoot(idsHex: readonly string[]): string {
  if (idsHex.length === 0) return toHex(sha256(new Uint8Array(0)));
  let level = idsHex.map((id) => {
    const bytes = fromHex(id);
    const buf = new Uint8Array(1 + bytes.length);
    buf[0] = LEAF;
    buf.set(bytes, 1);
    return sha256(buf);
  });
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const left = level[i]!;
      const right = level[i + 1];
      if (right === undefined) {
        next.push(left);
        continue;
      }
      const buf = new Uint8Array(1 + left.length + right.length);
      buf[0] = NODE;
      buf.set(left, 1);
      buf.set(right, 1 + left.length);
      next.push(sha256(buf));
    }
    level = next;
  }
  return toHex(level[0]!);
}
