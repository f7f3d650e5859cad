/**
 * Messages between the mining pool and a mining worker.
 *
 * The pool splits the nonce space: worker i of n searches
 * startNonce = i, i + n, i + 2n, ... (stride n). A worker hashes in chunks
 * of `chunkAttempts` and yields between chunks so a `cancel` (new height
 * arrived, or another worker found the seal) stops it within one chunk.
 */
import { MAX_NONCE, meetsDifficulty, PowHasher } from "../node/consensus/pow.ts";

/** Start searching. */
export interface MineRequest {
  type: "mine";
  id: number;
  /** 32-byte pre-seal hash (header hash with seal ""). */
  preSealHash: Uint8Array;
  difficulty: number;
  startNonce: number;
  stride: number;
}

/** Stop the search `id` (answered by a `cancelled` result with the attempts made). */
export interface MineCancel {
  type: "cancel";
  id: number;
}

export type MineMessage = MineRequest | MineCancel;

/** Answer of a worker. */
export type MineResult =
  | { type: "found"; id: number; nonce: number; attempts: number }
  | { type: "exhausted"; id: number; attempts: number }
  /** The search stopped on `cancel` (or a newer request) after `attempts` hashes. */
  | { type: "cancelled"; id: number; attempts: number }
  | { type: "error"; id: number; message: string };

/** Hashes per chunk between yields (~20-50 ms at 240k hashes/s). */
export const CHUNK_ATTEMPTS = 8192;

/**
 * Runs one chunk of a search from `nonce`; returns the found nonce, or the
 * next nonce to try (`done: false`), or exhaustion.
 */
export function runMineChunk(
  hasher: PowHasher,
  difficulty: number,
  nonce: number,
  stride: number,
  attempts: number,
): { found: number | null; next: number; tried: number } {
  let n = nonce;
  let tried = 0;
  while (tried < attempts && n <= MAX_NONCE) {
    tried++;
    if (meetsDifficulty(hasher.hash(n), difficulty)) return { found: n, next: n + stride, tried };
    n += stride;
  }
  return { found: null, next: n, tried };
}
