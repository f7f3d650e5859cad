/**
 * Proposer selection: for each (height, round) one validator, chosen
 * deterministically and weighted by stake from the previous block hash:
 *
 *   seed = SHA-256("GRIDTOKENX_PROPOSER_V1" || prevHash(32) || u64be(height) || u32be(round))
 *   x    = (seed as a 256-bit big-endian integer) mod totalStake
 *
 * then the validators sorted by address are walked, accumulating stake; the
 * first whose cumulative stake exceeds x proposes. A validator with 30% of the
 * stake proposes ~30% of rounds. Authorities never propose.
 */
import { domainTag, u32be } from "../chain/encoding.ts";
import { fromHex } from "../crypto/hex.ts";
import { concatBytes, sha256 } from "../crypto/sha256.ts";
import { ConsensusError } from "./errors.ts";
import type { ValidatorSet, Voter } from "./validator_set.ts";

const PROPOSER_DOMAIN = domainTag("GRIDTOKENX_PROPOSER_V1");

/** 8-byte big-endian unsigned integer (n < 2^53). */
export function u64be(n: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), false);
  return out;
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  let x = 0n;
  for (const b of bytes) x = (x << 8n) | BigInt(b);
  return x;
}

/**
 * The proposer of (height, round).
 *
 * @throws {ConsensusError} `NO_VALIDATORS` if the set has no stake
 * @example getProposer(set, head.hash, head.header.height + 1, 0).publicKey
 */
export function getProposer(
  set: ValidatorSet,
  prevHash: string,
  height: number,
  round: number,
): Voter {
  if (set.totalStakeSatang <= 0 || set.validators.length === 0) {
    throw new ConsensusError("NO_VALIDATORS", `No validator with stake at height ${height}`);
  }
  const seed = sha256(concatBytes(PROPOSER_DOMAIN, fromHex(prevHash), u64be(height), u32be(round)));
  const x = bytesToBigInt(seed) % BigInt(set.totalStakeSatang);
  let cumulative = 0n;
  for (const v of set.validators) {
    cumulative += BigInt(v.power);
    if (cumulative > x) return v;
  }
  return set.validators[set.validators.length - 1]!;
}
