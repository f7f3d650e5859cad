/**
 * Transactions of recent proposals whose shape and signature this node
 * checked, by signature (lowercase hex, as on the wire). When a round fails
 * and a later proposal carries the same transactions, the validator reuses
 * them instead of parsing and verifying again. Bounded; oldest dropped first.
 * An index only: a hit must still be matched to the wire form exactly
 * (`isWireFormOf` in node/chain/transaction.ts).
 */
import type { Tx } from "../chain/transaction.ts";
import { trimOldest } from "../util/trim_oldest.ts";

/** Default capacity of {@link VerifiedTxCache}: a few full blocks. */
export const VERIFIED_TX_CACHE_SIZE = 16_384;

/** Bounded map from signature hex to a parsed, signature-checked transaction. */
export class VerifiedTxCache {
  readonly #bySignature = new Map<string, Tx>();
  readonly maxEntries: number;

  constructor(maxEntries = VERIFIED_TX_CACHE_SIZE) {
    this.maxEntries = Math.max(1, maxEntries);
  }

  get size(): number {
    return this.#bySignature.size;
  }

  /** The transaction stored under this signature, if any. */
  get(signatureHex: string): Tx | undefined {
    return this.#bySignature.get(signatureHex);
  }

  /** Stores a transaction whose signature verified; `signatureHex` is `toHex(tx.signature)`. */
  add(signatureHex: string, tx: Tx): void {
    if (this.#bySignature.has(signatureHex)) return;
    this.#bySignature.set(signatureHex, tx);
    trimOldest(this.#bySignature, this.maxEntries);
  }
}
