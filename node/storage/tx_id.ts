import { computeSignedBytes, computeTxId, type SignedTxJson } from "../chain/transaction.ts";

/** Id of a stored (already validated) transaction. */
export function computeTxIdOfJson(tx: SignedTxJson): string {
  return computeTxId(computeSignedBytes(tx.body));
}
