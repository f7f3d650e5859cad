/**
 * The node's block work on top of its head: build a proposal (seal it with
 * proof of work when it carries energy transactions, sign it), validate a
 * block from the network (signatures, proposer, seal, timestamp, transition),
 * and import a finalized block with its commit (sync). Results are
 * `PreparedBlock`s that the node commits when consensus says so.
 */
import { type Block, computeBlockHash, computeBlockSigningBytes } from "../chain/block.ts";
import { buildBlock } from "../chain/build_block.ts";
import { ChainError } from "../chain/errors.ts";
import { getAccount, type MemoryState, type StateChange, stateKey } from "../chain/state.ts";
import { isWireFormOf, parseTransaction, toSignedTxJson, type Tx } from "../chain/transaction.ts";
import { processBlock } from "../chain/transition.ts";
import type { ChainParams } from "../chain/params.ts";
import {
  checkBlockSeal,
  computePowTargetMs,
  computePreSealHash,
  isSealRequired,
  type PowState,
} from "../consensus/pow.ts";
import { checkBlockTimestamp } from "../consensus/timestamps.ts";
import { computeValidatorSet } from "../consensus/validator_set.ts";
import { type Commit, getVoteVerifyItem, verifyCommit } from "../consensus/votes.ts";
import type { SignatureVerifier, VerifyItem } from "../crypto/ed25519.ts";
import { fromHex, toHex } from "../crypto/hex.ts";
import type { Mempool } from "../mempool/mempool.ts";
import { VerifiedTxCache } from "../mempool/verified_tx_cache.ts";
import type { Miner } from "../../workers/mine_pool.ts";
import type { ParsedItem } from "../../workers/verify_protocol.ts";
import type { MarketRuntime } from "./market_runtime.ts";
import type { Wallet } from "./wallet.ts";

/** A block checked (or built) on top of the head, ready to commit. */
export interface PreparedBlock {
  block: Block;
  hash: string;
  txs: Tx[];
  changes: StateChange[];
  /** Transactions the builder dropped (only for blocks this node built). */
  rejected: { tx: Tx; error: ChainError }[];
  /** Hash of the parent (the head it was prepared on). */
  parentHash: string;
}

/** What the pipeline reads from the node. */
export interface PipelineContext {
  state: MemoryState;
  head: { header: Block["header"]; hash: string };
  powState: PowState;
  wallet: Wallet;
  verifier: SignatureVerifier;
  market: MarketRuntime;
  mempool: Mempool;
  getMiner(): Miner;
}

function paramsOf(state: MemoryState): ChainParams {
  return state.get(stateKey.params()) as ChainParams;
}

/** Delay between a committed block and the start of the next height. */
export function computeNextStartDelayMs(state: MemoryState, sealed: boolean): number {
  const params = paramsOf(state);
  return sealed ? computePowTargetMs(params) : params.consensus.blockTimeMs;
}

/**
 * Share of the block time a proposer may spend building (the rest is for
 * sealing and voting): the propose timeout is one block time (at least
 * 500 ms), and a proposal that misses it is thrown away and rebuilt, larger,
 * in the next round, which under load never ends (measured with 17,000
 * energy orders per block at 500 ms blocks).
 */
export const BUILD_BUDGET_FRACTION = 0.5;
/** A block may always take this many transactions, whatever the estimate. */
export const MIN_BUILD_TXS = 500;

/**
 * Wall time per transaction of recent builds (moving average, µs), per
 * mempool (i.e. per node). Only chooses how many transactions the proposer
 * takes: block contents are the proposer's choice, never checked by others.
 */
const buildCost = new WeakMap<Mempool, { usPerTx: number; lastTxs: number }>();

/**
 * Most transactions to build into one block so that building fits the budget.
 * It also grows at most to twice the last build (`lastTxs`): the cost per
 * transaction measured on small blocks understates a big one (matching,
 * sealing and the worker round trip do not scale linearly), and a block that
 * overruns the propose timeout is thrown away and rebuilt, bigger, in the next
 * round (measured: 500-order blocks, then one of 11,835 that took 3 rounds).
 */
export function computeBuildCap(
  maxBlockTransactions: number,
  blockTimeMs: number,
  usPerTx: number | undefined,
  lastTxs?: number,
): number {
  if (usPerTx === undefined || usPerTx <= 0) return maxBlockTransactions;
  const budgetUs = blockTimeMs * 1000 * BUILD_BUDGET_FRACTION;
  const growth = lastTxs === undefined ? Infinity : Math.max(MIN_BUILD_TXS, 2 * lastTxs);
  return Math.min(
    maxBlockTransactions,
    growth,
    Math.max(MIN_BUILD_TXS, Math.floor(budgetUs / usPerTx)),
  );
}

function recordBuildCost(mempool: Mempool, txs: number, ms: number): void {
  const c = buildCost.get(mempool);
  if (c !== undefined) c.lastTxs = txs;
  if (txs < 100) return;
  const us = (ms * 1000) / txs;
  if (c === undefined) buildCost.set(mempool, { usPerTx: us, lastTxs: txs });
  else c.usPerTx = 0.7 * c.usPerTx + 0.3 * us;
}

/**
 * Builds the next block from the mempool, seals it if it carries energy
 * transactions (difficulty from the PoW state, nonce from the miner), signs it.
 * Takes at most what it can build within {@link BUILD_BUDGET_FRACTION} of the
 * block time, from the measured cost of recent builds. Resolves null if
 * mining was aborted.
 */
export async function buildProposalBlock(
  ctx: PipelineContext,
  timestampMs: number,
  signal?: AbortSignal,
): Promise<PreparedBlock | null> {
  const parent = ctx.head.header;
  const nonceOf = (sender: string) => getAccount(ctx.state, sender).nonce;
  const params = paramsOf(ctx.state);
  const cost = buildCost.get(ctx.mempool);
  const cap = computeBuildCap(
    params.consensus.maxBlockTransactions,
    params.consensus.blockTimeMs,
    cost?.usPerTx,
    cost?.lastTxs,
  );
  const buildStart = performance.now();
  const candidates = ctx.mempool.selectForBlock(cap, nonceOf);
  const market = await ctx.market.serviceFor(ctx.head.hash);
  const built = await buildBlock(ctx.state, parent, candidates, {
    timestampMs,
    proposer: ctx.wallet.publicKeyHex,
  }, { market });
  recordBuildCost(ctx.mempool, candidates.length, performance.now() - buildStart);
  let header = built.header;
  if (isSealRequired(built.included.map((t) => t.body.kind))) {
    header = { ...header, difficulty: ctx.powState.difficultyBits };
    const nonce = await ctx.getMiner().mine(computePreSealHash(header), header.difficulty, signal);
    if (nonce === null) return null;
    header = { ...header, seal: String(nonce) };
  }
  const block: Block = {
    header,
    txs: built.included.map(toSignedTxJson),
    signature: toHex(ctx.wallet.sign(computeBlockSigningBytes(header))),
  };
  return {
    block,
    hash: computeBlockHash(header),
    txs: built.included,
    changes: built.changes,
    rejected: built.rejected,
    parentHash: ctx.head.hash,
  };
}

/** Options of {@link validateBlock}. */
export interface ValidateOptions {
  /** Local clock for the future-drift check (proposals only; never for finalized blocks). */
  nowMs?: number;
  /** More signatures to verify in the same batch (a commit's precommits). */
  extraSignatures?: VerifyItem[];
}

/**
 * Checks a block from the network on top of the head: transaction shapes,
 * every signature (block, transactions, extras) in one batch, proposer in the
 * validator set, seal and difficulty, timestamp, and the state transition.
 * @throws ChainError / ConsensusError with the reason
 */
export async function validateBlock(
  ctx: PipelineContext,
  block: Block,
  opts: ValidateOptions = {},
): Promise<PreparedBlock> {
  const header = block.header;
  const parent = ctx.head.header;
  const hash = computeBlockHash(header);
  if (header.height !== parent.height + 1 || header.prevHash !== ctx.head.hash) {
    throw new ChainError("PARENT_UNKNOWN", `Block ${header.height} does not extend the head`);
  }
  const set = computeValidatorSet(ctx.state);
  if (!set.isValidator(header.proposer)) {
    throw new ChainError("BAD_PROPOSER", `Block ${header.height} proposer is not a validator`);
  }
  const blockItem: VerifyItem = {
    publicKey: fromHex(header.proposer),
    message: computeBlockSigningBytes(header),
    signature: fromHex(block.signature),
  };
  const txs = await computeBlockTxs(ctx, block, [blockItem, ...(opts.extraSignatures ?? [])]);
  checkBlockSeal(header, txs.map((t) => t.body.kind), ctx.powState);
  if (opts.nowMs !== undefined) {
    checkBlockTimestamp(header, parent, opts.nowMs, paramsOf(ctx.state).consensus.maxFutureDriftMs);
  }
  const market = await ctx.market.serviceFor(ctx.head.hash);
  try {
    const result = await processBlock(ctx.state, parent, header, txs, { market });
    // Stored in the canonical wire form, whatever extra the sender's encoding held.
    const stored: Block = { header, txs: txs.map(toSignedTxJson), signature: block.signature };
    return {
      block: stored,
      hash,
      txs,
      changes: result.changes,
      rejected: [],
      parentHash: ctx.head.hash,
    };
  } catch (e) {
    ctx.market.discarded();
    throw e;
  }
}

/**
 * Checks a finalized block received by sync: its commit must carry > 2/3 of
 * the voting power of the head's validator set with valid signatures, then
 * everything `validateBlock` checks (except the clock).
 * @throws ChainError / ConsensusError (`BAD_COMMIT`)
 */
export async function validateFinalizedBlock(
  ctx: PipelineContext,
  block: Block,
  commit: Commit | null,
): Promise<PreparedBlock> {
  const hash = computeBlockHash(block.header);
  if (commit === null || commit.height !== block.header.height) {
    throw new ChainError("BAD_COMMIT", `Block ${block.header.height} comes without its commit`);
  }
  verifyCommit(computeValidatorSet(ctx.state), block.header.networkId, hash, commit);
  return await validateBlock(ctx, block, {
    extraSignatures: commit.precommits.map(getVoteVerifyItem),
  });
}

/** A verifier that also parses raw transactions off the main thread (workers/verify_pool.ts). */
interface ParsingVerifier {
  parseAndVerify(items: readonly unknown[], opts?: { urgent?: boolean }): Promise<ParsedItem[]>;
}

function isParsingVerifier(v: unknown): v is ParsingVerifier {
  return typeof (v as Partial<ParsingVerifier>).parseAndVerify === "function";
}

/**
 * The parsed transactions of a block, every signature checked: the block's
 * (first of `others`), each transaction's, then the rest of `others`.
 * A transaction this node holds in its mempool in exactly the same wire form
 * (signature text and body value, {@link isWireFormOf}) was parsed and
 * verified on admission: it is reused as is. The others are parsed and
 * verified in the verify workers when the verifier has them (on the main
 * thread otherwise). Rejects exactly what parsing every transaction, then
 * verifying every signature in one batch, rejects, with the same errors:
 * the first transaction that does not parse, else the block signature, else
 * the first transaction signature, else one of the other signatures.
 * @throws ChainError BAD_TRANSACTION / BAD_SIGNATURE
 */
async function computeBlockTxs(
  ctx: PipelineContext,
  block: Block,
  others: VerifyItem[],
): Promise<Tx[]> {
  const height = block.header.height;
  let checked = checkedTxs.get(ctx.mempool);
  if (checked === undefined) checkedTxs.set(ctx.mempool, checked = new VerifiedTxCache());
  const txs: (Tx | undefined)[] = block.txs.map((t) => findHeldTx(ctx.mempool, checked, t));
  const unheld: number[] = [];
  txs.forEach((t, i) => {
    if (t === undefined) unheld.push(i);
  });
  const verifier = ctx.verifier;
  let parsed: ParsedItem[] | null = null;
  let othersOk: boolean[] = [];
  if (isParsingVerifier(verifier) && unheld.length > 0) {
    try {
      [parsed, othersOk] = await Promise.all([
        verifier.parseAndVerify(unheld.map((i) => block.txs[i]), { urgent: true }),
        verifier.verifyBatch(others),
      ]);
    } catch {
      parsed = null; // a failed job (pool closing): the same-thread path decides
    }
  }
  if (parsed === null) {
    parsed = unheld.map((i) => parseInline(block.txs[i]));
    const firstBad = parsed.findIndex((p) => !p.ok);
    if (firstBad >= 0) throw badTransaction(unheld[firstBad]!, parsed[firstBad]!);
    const ok = await verifier.verifyBatch([
      ...others,
      ...parsed.map((p) => {
        const t = (p as { tx: Tx }).tx;
        return { publicKey: t.publicKey, message: t.signedBytes, signature: t.signature };
      }),
    ]);
    othersOk = ok.slice(0, others.length);
    parsed = parsed.map((p, k) =>
      p.ok ? { ...p, signatureValid: ok[others.length + k] === true } : p
    );
  }
  const firstBad = parsed.findIndex((p) => !p.ok);
  if (firstBad >= 0) throw badTransaction(unheld[firstBad]!, parsed[firstBad]!);
  if (othersOk[0] !== true) {
    throw new ChainError("BAD_SIGNATURE", `Block ${height} signature is invalid`);
  }
  parsed.forEach((p, k) => {
    if (p.ok && p.signatureValid) {
      checked.add((block.txs[unheld[k]!] as { signature: string }).signature, p.tx);
    }
  });
  parsed.forEach((p, k) => {
    if (!p.ok || !p.signatureValid) {
      throw new ChainError("BAD_SIGNATURE", `Transaction ${unheld[k]} of block ${height}`);
    }
    txs[unheld[k]!] = p.tx;
  });
  if (othersOk.some((ok) => ok !== true)) {
    throw new ChainError("BAD_SIGNATURE", "A precommit signature is invalid");
  }
  return txs as Tx[];
}

/**
 * Proposed transactions this node parsed and verified lately, per mempool
 * (i.e. per node): a failed round's block is often proposed again, in part.
 */
const checkedTxs = new WeakMap<Mempool, VerifiedTxCache>();

/**
 * The transaction, already parsed and verified by this node (in its mempool
 * or in a recent proposal), whose wire form `wire` is exactly, if any.
 */
function findHeldTx(mempool: Mempool, checked: VerifiedTxCache, wire: unknown): Tx | undefined {
  const signatureHex = (wire as { signature?: unknown } | null)?.signature;
  if (typeof signatureHex !== "string") return undefined;
  const held = mempool.getBySignatureHex(signatureHex);
  if (held !== undefined && isWireFormOf(wire, held, signatureHex)) return held;
  const seen = checked.get(signatureHex);
  return seen !== undefined && isWireFormOf(wire, seen, signatureHex) ? seen : undefined;
}

function parseInline(raw: unknown): ParsedItem {
  try {
    return { ok: true, tx: parseTransaction(raw), signatureValid: false };
  } catch (e) {
    const code = e instanceof ChainError ? e.code : "BAD_TRANSACTION";
    return { ok: false, code, message: (e as Error).message };
  }
}

function badTransaction(index: number, item: ParsedItem): ChainError {
  const message = item.ok ? "" : item.message;
  return new ChainError("BAD_TRANSACTION", `Transaction ${index}: ${message}`);
}
