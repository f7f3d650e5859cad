/**
 * Payloads of the gossip topics and of the block-range protocol (inside the
 * p2p layer's signed envelope, see docs/p2p.md "Chain payloads"). All are
 * canonical CBOR (node/chain/encoding.ts); decoders reject anything else.
 *
 * - `tx` (topic version 2): `{txs: [tx, ...]}`, 1..MAX_TXS_PER_MESSAGE
 *   transactions in wire form `{body, signature}`.
 * - `votes`:  a consensus `Vote`.
 * - `blocks`: `{kind: "proposal", proposal, block}`, `{kind: "proposal_ref", proposal}` (the
 *   block is too big for one message: fetched by hash) or `{kind: "commit", block, commit}`.
 * - block range element: `{block, commit}` (`commit` null for genesis).
 * - block-by-hash answer: the block `{header, txs, signature}`.
 */
import { z } from "zod";
import type { Block } from "../chain/block.ts";
import { decodeCanonical, encodeCanonical } from "../chain/encoding.ts";
import type { SignedTxJson } from "../chain/transaction.ts";
import { MAX_TXS_PER_MESSAGE } from "../p2p/topics.ts";
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
  z.strictObject({ kind: z.literal("proposal_ref"), proposal: z.unknown() }),
  z.strictObject({ kind: z.literal("commit"), block: blockSchema, commit: commitSchema }),
]);

const rangeItemSchema = z.strictObject({ block: blockSchema, commit: commitSchema.nullable() });

/** A message of the `blocks` topic. */
export type BlocksMessage =
  | { kind: "proposal"; proposal: Proposal; block: Block }
  | { kind: "proposal_ref"; proposal: Proposal }
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

/** Canonical bytes of one transaction in wire form, an item of a `tx` batch. */
export function encodeTxItem(tx: SignedTxJson): Uint8Array {
  return encodeCanonical(tx);
}

/** `{"txs": ` in canonical CBOR: a map of one pair, key the text "txs". */
const TX_BATCH_PREFIX = new Uint8Array([0xa1, 0x63, 0x74, 0x78, 0x73]);

/** Bytes of a CBOR array head of `n` items (shortest form). */
function arrayHead(n: number): Uint8Array {
  if (n < 24) return new Uint8Array([0x80 | n]);
  if (n < 0x100) return new Uint8Array([0x98, n]);
  if (n < 0x10000) return new Uint8Array([0x99, n >> 8, n & 0xff]);
  return new Uint8Array([0x9a, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

/** Payload bytes of a batch of `items` (each from {@link encodeTxItem}), without the items. */
export function computeTxBatchOverheadBytes(count: number): number {
  return TX_BATCH_PREFIX.length + arrayHead(count).length;
}

/**
 * Encodes a `tx` topic payload `{txs: [...]}` from items already encoded by
 * {@link encodeTxItem}: the same bytes as `encodeCanonical({txs})`, without
 * encoding the transactions again.
 */
export function encodeTxBatchMessage(items: readonly Uint8Array[]): Uint8Array {
  const head = arrayHead(items.length);
  let size = TX_BATCH_PREFIX.length + head.length;
  for (const item of items) size += item.length;
  const out = new Uint8Array(size);
  out.set(TX_BATCH_PREFIX, 0);
  out.set(head, TX_BATCH_PREFIX.length);
  let at = TX_BATCH_PREFIX.length + head.length;
  for (const item of items) {
    out.set(item, at);
    at += item.length;
  }
  return out;
}

const txBatchSchema = z.strictObject({
  // Transactions are parsed one by one later (parseTransaction names the bad field).
  txs: z.array(
    z.custom<SignedTxJson>((v) => typeof v === "object" && v !== null && !Array.isArray(v)),
  ).min(1).max(MAX_TXS_PER_MESSAGE),
});

/**
 * Decodes a `tx` topic payload to its items in wire form (still to be parsed
 * with parseTransaction). @throws WireError
 */
export function decodeTxBatchMessage(bytes: Uint8Array): SignedTxJson[] {
  return check(txBatchSchema, decode(bytes), "tx batch").txs;
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
    const proposal = parseProposal(m.proposal);
    if (m.kind === "proposal_ref") return { kind: "proposal_ref", proposal };
    return { kind: "proposal", proposal, block: m.block as Block };
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
