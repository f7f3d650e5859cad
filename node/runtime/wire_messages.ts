/**
 * Payloads of the gossip topics and of the block-range protocol (inside the
 * p2p layer's signed envelope, see docs/p2p.md "Chain payloads"). All are
 * canonical CBOR (node/chain/encoding.ts); decoders reject anything else.
 *
 * - `tx`:     the transaction in wire form `{body, signature}`.
 * - `votes`:  a consensus `Vote`.
 * - `blocks`: `{kind: "proposal", proposal, block}` or `{kind: "commit", block, commit}`.
 * - block range element: `{block, commit}` (`commit` null for genesis).
 * - block-by-hash answer: the block `{header, txs, signature}`.
 */
import { z } from "zod";
import type { Block } from "../chain/block.ts";
import { decodeCanonical, encodeCanonical } from "../chain/encoding.ts";
import type { SignedTxJson } from "../chain/transaction.ts";
import {
  type Commit,
  parseProposal,
  parseVote,
  type Proposal,
  type Vote,
  voteSchema,
} from "../consensus/votes.ts";

/** Error of a payload that does not decode or has the wrong shape (the sender is at fault). */
export class WireError extends Error {
  override readonly name = "WireError";
  constructor(readonly code: "MALFORMED", message: string) {
    super(message);
  }
}

const hex32 = z.string().regex(/^[0-9a-f]{64}$/);
const uint = z.int().min(0).max(Number.MAX_SAFE_INTEGER);

const headerSchema = z.strictObject({
  version: uint,
  networkId: uint,
  height: uint,
  prevHash: hex32,
  timestampMs: uint,
  proposer: hex32,
  txRoot: hex32,
  stateRoot: hex32,
  txCount: uint,
  difficulty: uint,
  seal: z.string().max(16),
});

const blockSchema = z.strictObject({
  header: headerSchema,
  // Transactions are parsed one by one later (parseTransaction names the bad field).
  txs: z.array(
    z.custom<SignedTxJson>((v) => typeof v === "object" && v !== null && !Array.isArray(v)),
  ),
  signature: z.string().regex(/^[0-9a-f]{128}$/),
});

const commitSchema = z.strictObject({
  height: uint,
  round: uint,
  blockHash: hex32,
  precommits: z.array(voteSchema).max(10_000),
});

const blocksMessageSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("proposal"), proposal: z.unknown(), block: blockSchema }),
  z.strictObject({ kind: z.literal("commit"), block: blockSchema, commit: commitSchema }),
]);

const rangeItemSchema = z.strictObject({ block: blockSchema, commit: commitSchema.nullable() });

/** A message of the `blocks` topic. */
export type BlocksMessage =
  | { kind: "proposal"; proposal: Proposal; block: Block }
  | { kind: "commit"; block: Block; commit: Commit };

/** One element of a block-range response. */
export interface BlockWithCommit {
  block: Block;
  commit: Commit | null;
}

function decode(bytes: Uint8Array): unknown {
  try {
    return decodeCanonical(bytes);
  } catch (e) {
    throw new WireError("MALFORMED", (e as Error).message);
  }
}

function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new WireError(
      "MALFORMED",
      `Invalid ${what}: "${issue.path.join(".")}": ${issue.message}`,
    );
  }
  return r.data;
}

/** Encodes a transaction for the `tx` topic. */
export function encodeTxMessage(tx: SignedTxJson): Uint8Array {
  return encodeCanonical(tx);
}

/** Decodes a `tx` topic payload to the wire form (parseTransaction checks the rest). */
export function decodeTxMessage(bytes: Uint8Array): unknown {
  return decode(bytes);
}

/** Encodes a vote for the `votes` topic. */
export function encodeVoteMessage(vote: Vote): Uint8Array {
  return encodeCanonical(vote);
}

/** Decodes and shape-checks a `votes` topic payload. @throws WireError */
export function decodeVoteMessage(bytes: Uint8Array): Vote {
  try {
    return parseVote(decode(bytes));
  } catch (e) {
    throw e instanceof WireError ? e : new WireError("MALFORMED", (e as Error).message);
  }
}

/** Encodes a `blocks` topic message. */
export function encodeBlocksMessage(m: BlocksMessage): Uint8Array {
  return encodeCanonical(m);
}

/** Decodes and shape-checks a `blocks` topic payload. @throws WireError */
export function decodeBlocksMessage(bytes: Uint8Array): BlocksMessage {
  const m = check(blocksMessageSchema, decode(bytes), "blocks message");
  if (m.kind === "commit") {
    return { kind: "commit", block: m.block as Block, commit: m.commit as Commit };
  }
  try {
    return { kind: "proposal", proposal: parseProposal(m.proposal), block: m.block as Block };
  } catch (e) {
    throw new WireError("MALFORMED", (e as Error).message);
  }
}

/** Encodes one element of a block-range response. */
export function encodeBlockWithCommit(item: BlockWithCommit): Uint8Array {
  return encodeCanonical(item);
}

/** Decodes one element of a block-range response. @throws WireError */
export function decodeBlockWithCommit(bytes: Uint8Array): BlockWithCommit {
  const m = check(rangeItemSchema, decode(bytes), "block range item");
  return { block: m.block as Block, commit: m.commit as Commit | null };
}

/** Encodes a block alone (the answer of the block-by-hash protocol). */
export function encodeBlockMessage(block: Block): Uint8Array {
  return encodeCanonical(block);
}

/** Decodes and shape-checks a block-by-hash answer. @throws WireError */
export function decodeBlockMessage(bytes: Uint8Array): Block {
  return check(blockSchema, decode(bytes), "block") as Block;
}
