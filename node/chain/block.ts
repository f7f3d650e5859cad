/**
 * Blocks: header, hash, proposer signature.
 *
 * Hash: hex SHA-256 of `"GRIDTOKENX_BLOCK_V1" || CBOR_canonical(header)`.
 * The proposer signs the 32 hash bytes. `difficulty` and `seal` carry the
 * proof of work of the consensus layer (0 / "" while unused).
 */
import { fromHex, toHex } from "../crypto/hex.ts";
import { concatBytes, sha256 } from "../crypto/sha256.ts";
import { domainTag, encodeCanonical } from "./encoding.ts";
import type { SignedTxJson, Tx } from "./transaction.ts";

const BLOCK_DOMAIN = domainTag("GRIDTOKENX_BLOCK_V1");
export const BLOCK_VERSION = 1;
export const ZERO_HASH = "0".repeat(64);

export interface BlockHeader {
  version: number;
  networkId: number;
  height: number;
  /** Hash of the parent block; `ZERO_HASH` for genesis. */
  prevHash: string;
  timestampMs: number;
  /** Proposer's Ed25519 public key, hex. */
  proposer: string;
  /** Merkle root of the transaction ids (merkle.ts). */
  txRoot: string;
  /** State root after applying this block (state_root.ts). */
  stateRoot: string;
  txCount: number;
  /** Proof-of-work difficulty in leading zero bits; 0 = unsealed. */
  difficulty: number;
  /** Proof-of-work nonce, decimal string; "" = unsealed. */
  seal: string;
}

/** A block as stored and sent: header, transactions in wire form, signature. */
export interface Block {
  header: BlockHeader;
  txs: SignedTxJson[];
  /** Proposer's signature over the header hash, hex. */
  signature: string;
}

export function computeHeaderBytes(header: BlockHeader): Uint8Array {
  return concatBytes(BLOCK_DOMAIN, encodeCanonical(header));
}

/** Hex block hash. */
export function computeBlockHash(header: BlockHeader): string {
  return toHex(sha256(computeHeaderBytes(header)));
}

/** The bytes a proposer signs: the raw 32-byte header hash. */
export function computeBlockSigningBytes(header: BlockHeader): Uint8Array {
  return fromHex(computeBlockHash(header));
}

/** A block together with its parsed transactions and hash, as the node keeps it in memory. */
export interface ParsedBlock {
  block: Block;
  hash: string;
  txs: Tx[];
}
