/**
 * Proof of work: a block carrying energy transactions (energy_order,
 * cancel_order, meter_reading) is sealed at the chain's current difficulty.
 *
 *   preSealHash = SHA-256 header hash of the block with `seal: ""` (32 bytes)
 *   powHash     = SHA-256("GRIDTOKENX_POW_V1" || preSealHash || u64be(nonce))
 *   valid iff powHash has >= header.difficulty leading zero bits;
 *   header.seal = nonce as a decimal string (0 <= nonce < 2^53, no leading zeros).
 * A block without energy transactions has difficulty 0 and seal "".
 *
 * Difficulty is a fold over headers (`computeNextPowState`): it starts at
 * `powInitialDifficultyBits`; each sealed block S is timed by its child C,
 * observedMs = C.timestampMs - S.timestampMs, against
 * targetMs = blockTimeMs * powTargetFractionBps / 10_000:
 *   observed * 8 < target * 9  -> difficulty + 1 (sealing and finality fit in the budget)
 *   observed > 2 * target      -> difficulty - 1 (too slow)
 *   otherwise unchanged; always within [MIN_DIFFICULTY_BITS, MAX_DIFFICULTY_BITS].
 * Honest nodes build the child of a sealed block `targetMs` after it (not
 * `blockTimeMs`), so the interval measures sealing + finality when it exceeds
 * the budget. A block's own timestamp never changes its own difficulty.
 */
import { type BlockHeader, computeBlockHash } from "../chain/block.ts";
import { domainTag } from "../chain/encoding.ts";
import type { ChainParams } from "../chain/params.ts";
import type { TxKind } from "../chain/tx_payloads.ts";
import { fromHex } from "../crypto/hex.ts";
import { sha256 } from "@noble/hashes/sha2.js";
import { ConsensusError } from "./errors.ts";

/** Transaction kinds whose presence requires a seal. */
export const ENERGY_TX_KINDS: readonly TxKind[] = ["energy_order", "cancel_order", "meter_reading"];
export const MIN_DIFFICULTY_BITS = 1;
export const MAX_DIFFICULTY_BITS = 48;
/** Largest nonce (nonces are safe integers). */
export const MAX_NONCE = Number.MAX_SAFE_INTEGER;

const POW_DOMAIN = domainTag("GRIDTOKENX_POW_V1");
const NONCE_RE = /^(0|[1-9][0-9]{0,15})$/;

/** True when a block with these transaction kinds must be sealed. */
export function isSealRequired(kinds: Iterable<TxKind>): boolean {
  for (const k of kinds) if (ENERGY_TX_KINDS.includes(k)) return true;
  return false;
}

/** The 32-byte hash the seal commits to: the header hash with `seal: ""`. */
export function computePreSealHash(header: BlockHeader): Uint8Array {
  return fromHex(computeBlockHash({ ...header, seal: "" }));
}

/**
 * Reusable hasher for one preSealHash: writes the nonce into a fixed buffer,
 * no allocation besides the digest. The hot loop of the miners.
 */
export class PowHasher {
  readonly #buf: Uint8Array;
  readonly #view: DataView;
  readonly #offset: number;

  constructor(preSealHash: Uint8Array) {
    if (preSealHash.length !== 32) throw new RangeError("preSealHash must be 32 bytes");
    this.#offset = POW_DOMAIN.length + 32;
    this.#buf = new Uint8Array(this.#offset + 8);
    this.#buf.set(POW_DOMAIN, 0);
    this.#buf.set(preSealHash, POW_DOMAIN.length);
    this.#view = new DataView(this.#buf.buffer);
  }

  /** powHash of a nonce. */
  hash(nonce: number): Uint8Array {
    this.#view.setUint32(this.#offset, Math.floor(nonce / 0x1_0000_0000), false);
    this.#view.setUint32(this.#offset + 4, nonce >>> 0, false);
    return sha256(this.#buf);
  }
}

/** powHash = SHA-256("GRIDTOKENX_POW_V1" || preSealHash || u64be(nonce)). */
export function computePowHash(preSealHash: Uint8Array, nonce: number): Uint8Array {
  return new PowHasher(preSealHash).hash(nonce);
}

/** Leading zero bits of a hash. */
export function countLeadingZeroBits(hash: Uint8Array): number {
  let bits = 0;
  for (const b of hash) {
    if (b === 0) {
      bits += 8;
      continue;
    }
    return bits + Math.clz32(b) - 24;
  }
  return bits;
}

/** True when the hash meets the difficulty (checks whole zero bytes first: cheap). */
export function meetsDifficulty(hash: Uint8Array, difficultyBits: number): boolean {
  const full = difficultyBits >>> 3;
  for (let i = 0; i < full; i++) if (hash[i] !== 0) return false;
  const rest = difficultyBits & 7;
  return rest === 0 || (hash[full]! >>> (8 - rest)) === 0;
}

/**
 * True when the header's seal is well-formed and meets its own `difficulty`
 * (difficulty 0 requires seal ""). Does not check that the difficulty is the
 * one the chain requires: see {@link checkBlockSeal}.
 */
export function isValidSeal(header: BlockHeader): boolean {
  if (header.difficulty === 0) return header.seal === "";
  if (!Number.isInteger(header.difficulty) || header.difficulty < 0) return false;
  if (header.difficulty > MAX_DIFFICULTY_BITS || !NONCE_RE.test(header.seal)) return false;
  const nonce = Number(header.seal);
  if (!Number.isSafeInteger(nonce)) return false;
  return meetsDifficulty(computePowHash(computePreSealHash(header), nonce), header.difficulty);
}

/**
 * Searches nonces startNonce, startNonce + stride, ... for a seal; returns
 * the first that meets the difficulty, or null after `maxAttempts` tries.
 * Same-thread miner (tests, fallbacks); workers run the same loop.
 */
export function mineSealInline(
  preSealHash: Uint8Array,
  difficultyBits: number,
  startNonce = 0,
  stride = 1,
  maxAttempts = Number.POSITIVE_INFINITY,
): number | null {
  const hasher = new PowHasher(preSealHash);
  let nonce = startNonce;
  for (let i = 0; i < maxAttempts && nonce <= MAX_NONCE; i++, nonce += stride) {
    if (meetsDifficulty(hasher.hash(nonce), difficultyBits)) return nonce;
  }
  return null;
}

/** Chain difficulty as a fold over headers. */
export interface PowState {
  /** Difficulty the next sealed block must carry. */
  difficultyBits: number;
  /** Timestamp of the previous block if it was sealed (it is timed by the next one), else null. */
  sealedParentTimestampMs: number | null;
}

/** The state before block 1. */
export function computeInitialPowState(params: ChainParams): PowState {
  return {
    difficultyBits: clamp(params.consensus.powInitialDifficultyBits),
    sealedParentTimestampMs: null,
  };
}

/** Time budget of sealing plus finality, ms. */
export function computePowTargetMs(params: ChainParams): number {
  return Math.max(
    1,
    Math.floor((params.consensus.blockTimeMs * params.consensus.powTargetFractionBps) / 10_000),
  );
}

/** The PoW state after `header` (which has been checked against `state`). */
export function computeNextPowState(
  state: PowState,
  header: BlockHeader,
  params: ChainParams,
): PowState {
  let d = state.difficultyBits;
  if (state.sealedParentTimestampMs !== null) {
    const observed = header.timestampMs - state.sealedParentTimestampMs;
    const target = computePowTargetMs(params);
    if (observed * 8 < target * 9) d += 1;
    else if (observed > 2 * target) d -= 1;
  }
  return {
    difficultyBits: clamp(d),
    sealedParentTimestampMs: header.difficulty > 0 ? header.timestampMs : null,
  };
}

/** Difficulty a block must carry: the chain difficulty if sealed, else 0. */
export function getRequiredDifficulty(state: PowState, sealRequired: boolean): number {
  return sealRequired ? state.difficultyBits : 0;
}

/**
 * Checks a block's difficulty and seal against the chain: sealed iff it
 * carries energy transactions, at exactly the required difficulty, with a
 * valid seal.
 *
 * @throws {ConsensusError} `BAD_DIFFICULTY` or `BAD_SEAL`
 */
export function checkBlockSeal(
  header: BlockHeader,
  txKinds: Iterable<TxKind>,
  state: PowState,
): void {
  const required = getRequiredDifficulty(state, isSealRequired(txKinds));
  if (header.difficulty !== required) {
    throw new ConsensusError(
      "BAD_DIFFICULTY",
      `Block ${header.height} has difficulty ${header.difficulty}, the chain requires ${required}`,
      "header.difficulty",
    );
  }
  if (!isValidSeal(header)) {
    throw new ConsensusError(
      "BAD_SEAL",
      `Block ${header.height} seal ${
        JSON.stringify(header.seal)
      } does not meet difficulty ${required}`,
      "header.seal",
    );
  }
}

function clamp(d: number): number {
  return Math.min(MAX_DIFFICULTY_BITS, Math.max(MIN_DIFFICULTY_BITS, d));
}
