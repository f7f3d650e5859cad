/**
 * The consensus messages this node signed at its latest height, kept in KV
 * so that a restarted validator never signs a conflicting vote or proposal
 * (double signing is slashable). Written before each broadcast.
 */
import { kvKey } from "./kv_layout.ts";

/** One signed message: step 0 = proposal, 1 = prevote, 2 = precommit. */
export interface SignedEntry {
  round: number;
  step: 0 | 1 | 2;
  blockHash: string | null;
}

/** Everything signed at `height` (older heights are forgotten). */
export interface SignedRecord {
  height: number;
  entries: SignedEntry[];
}

/** Reads the record; null if this node never signed. */
export async function loadSignedRecord(kv: Deno.Kv): Promise<SignedRecord | null> {
  return (await kv.get<SignedRecord>(kvKey.signed())).value;
}

/** Replaces the record. */
export async function saveSignedRecord(kv: Deno.Kv, record: SignedRecord): Promise<void> {
  await kv.set(kvKey.signed(), record);
}
