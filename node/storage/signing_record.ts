/**
 * The consensus messages this node signed at its latest height, kept in KV
 * so that a restarted validator never signs a conflicting vote or proposal
 * (double signing is slashable). Written before each broadcast.
 *
 * The same record carries the Tendermint lock (locked and valid block and
 * round) as it stood when the record was written, with the signed prevotes
 * that justify the valid value (its proof-of-lock), so the lock created by a
 * precommit and its proof are durable, in one write, before that precommit
 * leaves the node. A restarted validator re-gossips the proof: peers that lost
 * those prevotes in a crash could not accept the re-proposal otherwise. The locked
 * block itself is kept apart (`saveLockedBlock`), so a restarted proposer can
 * re-propose it; it is only needed for liveness, never for safety.
 */
import type { Block } from "../chain/block.ts";
import { computeBlockHash } from "../chain/block.ts";
import type { Vote } from "../consensus/votes.ts";
import { joinChunks, KvBatch, splitChunks } from "./kv_batch.ts";
import { CHUNK_BYTES, kvKey } from "./kv_layout.ts";

/** One signed message: step 0 = proposal, 1 = prevote, 2 = precommit. */
export interface SignedEntry {
  round: number;
  step: 0 | 1 | 2;
  blockHash: string | null;
}

/** One prevote of a proof-of-lock; its type, height, round and block are the record's. */
export interface PolSignature {
  /** Voter's public key, hex. */
  validator: string;
  /** The voter's signature of its prevote, hex. */
  signature: string;
}

/** The engine's lock and valid value at `SignedRecord.height` (-1 / null = none). */
export interface LockRecord {
  lockedBlockHash: string | null;
  lockedRound: number;
  validBlockHash: string | null;
  validRound: number;
  /**
   * The prevotes for `validBlockHash` in `validRound` (> 2/3 of the power when
   * written), compact: about 200 bytes a voter. Absent in records written before it.
   */
  polPrevotes?: PolSignature[];
}

/** Everything signed at `height` (older heights are forgotten). */
export interface SignedRecord {
  height: number;
  entries: SignedEntry[];
  /** The lock at `height` when the record was written; absent in records written before it. */
  lock?: LockRecord;
}

/** The compact form of proof-of-lock prevotes, as kept in a {@link LockRecord}. */
export function compactPolPrevotes(prevotes: readonly Vote[]): PolSignature[] {
  return prevotes.map((v) => ({ validator: v.validator, signature: v.signature }));
}

/**
 * The proof-of-lock prevotes of a record, rebuilt as signed votes (their
 * signatures still to be verified by the caller); empty without a valid
 * value or a proof.
 */
export function expandPolPrevotes(record: SignedRecord, networkId: number): Vote[] {
  const lock = record.lock;
  if (lock === undefined || lock.validBlockHash === null || lock.validRound < 0) return [];
  return (lock.polPrevotes ?? []).map((p) => ({
    type: "prevote",
    networkId,
    height: record.height,
    round: lock.validRound,
    blockHash: lock.validBlockHash,
    validator: p.validator,
    signature: p.signature,
  }));
}

/** Where the locked block's chunks are. */
export interface LockedBlockRecord {
  hash: string;
  chunks: number;
}

/** Reads the record; null if this node never signed. */
export async function loadSignedRecord(kv: Deno.Kv): Promise<SignedRecord | null> {
  return (await kv.get<SignedRecord>(kvKey.signed())).value;
}

/** Replaces the record. */
export async function saveSignedRecord(kv: Deno.Kv, record: SignedRecord): Promise<void> {
  await kv.set(kvKey.signed(), record);
}

/** The highest round signed at `height`, or -1. */
export function getLastSignedRound(record: SignedRecord | null, height: number): number {
  if (record === null || record.height !== height) return -1;
  return record.entries.reduce((max, e) => Math.max(max, e.round), -1);
}

/**
 * Stores the block this node is locked on: the old record is deleted, the
 * chunks written, then the record naming them, so a crash in between leaves
 * no record rather than a record over mixed chunks.
 */
export async function saveLockedBlock(kv: Deno.Kv, hash: string, block: Block): Promise<void> {
  const chunks = splitChunks(new TextEncoder().encode(JSON.stringify(block)), CHUNK_BYTES);
  await kv.delete(kvKey.lockedBlock());
  const batch = new KvBatch(kv);
  chunks.forEach((c, i) => batch.set(kvKey.lockedBlockChunk(i), c));
  await batch.flush();
  await kv.set(kvKey.lockedBlock(), { hash, chunks: chunks.length } satisfies LockedBlockRecord);
}

/** The stored locked block if it is the one with `hash`, else null. */
export async function loadLockedBlock(kv: Deno.Kv, hash: string): Promise<Block | null> {
  const rec = (await kv.get<LockedBlockRecord>(kvKey.lockedBlock())).value;
  if (rec === null || rec.hash !== hash) return null;
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < rec.chunks; i++) {
    const c = (await kv.get<Uint8Array>(kvKey.lockedBlockChunk(i))).value;
    if (c === null) return null;
    chunks.push(c);
  }
  try {
    const block = JSON.parse(new TextDecoder().decode(joinChunks(chunks))) as Block;
    return computeBlockHash(block.header) === hash ? block : null;
  } catch {
    return null;
  }
}
