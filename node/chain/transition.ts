/**
 * The state transition: a pure function of (state, block). No clock, no
 * randomness, no I/O: two nodes applying the same blocks reach the same
 * state root. Signatures are verified before (they are pure too, but run in
 * workers); this module checks everything else.
 */
import { type BlockHeader, computeBlockHash } from "./block.ts";
import { ChainError } from "./errors.ts";
import { computeMerkleRoot } from "./merkle.ts";
import type { ChainParams } from "./params.ts";
import { type StateChange, stateKey, StateOverlay, type StateReader } from "./state.ts";
import { computeStateRoot } from "./state_root.ts";
import { getAddressOfPublicKeyHex, type Tx, type TxKind } from "./transaction.ts";
import {
  processStake,
  processTransfer,
  processUnbondingReleases,
  processUnstake,
} from "./process_transfer.ts";
import { addChecked } from "./amounts.ts";

/** What a transaction processor sees of the block it is in. */
export interface BlockContext {
  networkId: number;
  height: number;
  timestampMs: number;
  /** Address of the proposer, who receives the fees. */
  proposerAddress: string;
  params: ChainParams;
  /** Per-block scratch space where processors leave work for end-block hooks (e.g. market ops). */
  scratch: Map<string, unknown>;
  /**
   * Deterministic helpers the node lends to hooks (e.g. the match worker).
   * A hook must compute the same result with or without them.
   */
  services: Readonly<Record<string, unknown>>;
}

/** Applies one transaction's kind-specific effects; throws ChainError to reject it. */
export type TxProcessor = (state: StateOverlay, tx: Tx, ctx: BlockContext) => void;

/** Hooks run at the start and end of every block (unbonding, order expiry, matching ...). */
export type BlockHook = (state: StateOverlay, ctx: BlockContext) => void;
/** An end-block hook that awaits a deterministic computation elsewhere (the match worker). */
export type AsyncBlockHook = (state: StateOverlay, ctx: BlockContext) => Promise<void>;

const processors: Partial<Record<TxKind, TxProcessor>> = {
  transfer: processTransfer,
  stake: processStake,
  unstake: processUnstake,
};
const beginBlockHooks: BlockHook[] = [processUnbondingReleases];
const endBlockHooks: BlockHook[] = [];
const asyncEndBlockHooks: AsyncBlockHook[] = [];

/** Lets a module (market, governance) register the processor of a kind it owns. */
export function registerTxProcessor(kind: TxKind, processor: TxProcessor): void {
  processors[kind] = processor;
}

/**
 * Registers block hooks. Sync end hooks run first, then async end hooks, each
 * in registration order.
 */
export function registerBlockHooks(
  hooks: { begin?: BlockHook; end?: BlockHook; endAsync?: AsyncBlockHook },
): void {
  if (hooks.begin && !beginBlockHooks.includes(hooks.begin)) beginBlockHooks.push(hooks.begin);
  if (hooks.end && !endBlockHooks.includes(hooks.end)) endBlockHooks.push(hooks.end);
  if (hooks.endAsync && !asyncEndBlockHooks.includes(hooks.endAsync)) {
    asyncEndBlockHooks.push(hooks.endAsync);
  }
}

/**
 * Applies one transaction to `state`: envelope checks (network, expiry, nonce,
 * fee), then its kind's processor. On error nothing is written: the caller
 * passes a fork and merges it only on success (see `applyTransaction`).
 */
export function processTransaction(state: StateOverlay, tx: Tx, ctx: BlockContext): void {
  const { body } = tx;
  if (body.networkId !== ctx.networkId) {
    throw new ChainError(
      "WRONG_NETWORK",
      `Transaction is for network ${body.networkId}, this is network ${ctx.networkId}`,
      "body.networkId",
    );
  }
  if (ctx.timestampMs > body.expiresAtMs) {
    throw new ChainError(
      "EXPIRED",
      `Transaction expired at ${body.expiresAtMs}`,
      "body.expiresAtMs",
    );
  }
  if (body.feeSatang < ctx.params.fees.minTxFeeSatang) {
    throw new ChainError(
      "FEE_TOO_LOW",
      `Fee ${body.feeSatang} satang is below the minimum ${ctx.params.fees.minTxFeeSatang}`,
      "body.feeSatang",
    );
  }
  const sender = state.getAccount(tx.sender);
  if (body.nonce !== sender.nonce) {
    throw new ChainError(
      body.nonce < sender.nonce ? "NONCE_TOO_LOW" : "NONCE_GAP",
      `Nonce ${body.nonce} does not match the account's next nonce ${sender.nonce}`,
      "body.nonce",
    );
  }
  if (sender.balanceSatang < body.feeSatang) {
    throw new ChainError(
      "INSUFFICIENT_BALANCE",
      `Balance ${sender.balanceSatang} satang cannot pay the fee ${body.feeSatang}`,
      "body.feeSatang",
    );
  }
  state.setAccount(tx.sender, {
    ...sender,
    nonce: sender.nonce + 1,
    balanceSatang: sender.balanceSatang - body.feeSatang,
  });
  if (body.feeSatang > 0) {
    const proposer = state.getAccount(ctx.proposerAddress);
    state.setAccount(ctx.proposerAddress, {
      ...proposer,
      balanceSatang: addChecked(proposer.balanceSatang, body.feeSatang, "body.feeSatang"),
    });
  }
  const processor = processors[body.kind];
  if (processor === undefined) {
    throw new ChainError(
      "UNSUPPORTED_KIND",
      `Transactions of kind "${body.kind}" are not supported yet`,
      "body.kind",
    );
  }
  processor(state, tx, ctx);
}

/** Applies a transaction atomically: on error `state` is unchanged and the error is rethrown. */
export function applyTransaction(state: StateOverlay, tx: Tx, ctx: BlockContext): void {
  const fork = state.fork();
  processTransaction(fork, tx, ctx);
  state.merge(fork);
}

export function runBeginBlock(state: StateOverlay, ctx: BlockContext): void {
  for (const hook of beginBlockHooks) hook(state, ctx);
}

export async function runEndBlock(state: StateOverlay, ctx: BlockContext): Promise<void> {
  for (const hook of endBlockHooks) hook(state, ctx);
  for (const hook of asyncEndBlockHooks) await hook(state, ctx);
}

export interface BlockResult {
  changes: StateChange[];
  stateRoot: string;
}

/** Context of the block following `parent`, as both builder and validator see it. */
export function computeBlockContext(
  state: StateReader,
  header: Pick<BlockHeader, "networkId" | "height" | "timestampMs" | "proposer">,
  services: Readonly<Record<string, unknown>> = {},
): BlockContext {
  const params = state.get(stateKey.params()) as ChainParams;
  return {
    networkId: header.networkId,
    height: header.height,
    timestampMs: header.timestampMs,
    proposerAddress: getAddressOfPublicKeyHex(header.proposer),
    params,
    scratch: new Map(),
    services,
  };
}

/**
 * Validates and applies a block on top of `parent` (whose state is `state`)
 * and returns its state changes and root. Throws ChainError if the block is
 * invalid in any way; `state` is never modified.
 */
export async function processBlock(
  state: StateReader,
  parent: BlockHeader,
  header: BlockHeader,
  txs: readonly Tx[],
  services: Readonly<Record<string, unknown>> = {},
): Promise<BlockResult> {
  if (header.networkId !== parent.networkId) {
    throw new ChainError(
      "WRONG_NETWORK",
      `Block is for network ${header.networkId}`,
      "header.networkId",
    );
  }
  if (header.height !== parent.height + 1) {
    throw new ChainError(
      "BAD_HEIGHT",
      `Block height ${header.height} does not follow ${parent.height}`,
      "header.height",
    );
  }
  if (header.prevHash !== computeBlockHash(parent)) {
    throw new ChainError(
      "PARENT_UNKNOWN",
      `Block ${header.height} does not extend the head`,
      "header.prevHash",
    );
  }
  if (header.timestampMs <= parent.timestampMs) {
    throw new ChainError(
      "BAD_TIMESTAMP",
      `Block timestamp ${header.timestampMs} is not after its parent's ${parent.timestampMs}`,
      "header.timestampMs",
    );
  }
  if (header.txCount !== txs.length) {
    throw new ChainError(
      "BAD_TX_COUNT",
      `Header says ${header.txCount} transactions, block has ${txs.length}`,
      "header.txCount",
    );
  }
  const ids = txs.map((t) => t.id);
  if (new Set(ids).size !== ids.length) {
    throw new ChainError("DUPLICATE_TX", "Block contains the same transaction twice", "txs");
  }
  if (header.txRoot !== computeMerkleRoot(ids)) {
    throw new ChainError(
      "BAD_TX_ROOT",
      "Transaction root does not match the transactions",
      "header.txRoot",
    );
  }
  const overlay = new StateOverlay(state);
  const ctx = computeBlockContext(state, header, services);
  if (txs.length > ctx.params.consensus.maxBlockTransactions) {
    throw new ChainError(
      "BLOCK_TOO_LARGE",
      `Block has more than ${ctx.params.consensus.maxBlockTransactions} transactions`,
      "txs",
    );
  }
  runBeginBlock(overlay, ctx);
  txs.forEach((tx, i) => {
    try {
      applyTransaction(overlay, tx, ctx);
    } catch (e) {
      if (e instanceof ChainError) {
        throw new ChainError(
          e.code,
          `Transaction ${i} (${tx.id}) is invalid: ${e.message}`,
          `txs.${i}`,
        );
      }
      throw e;
    }
  });
  await runEndBlock(overlay, ctx);
  const changes = overlay.changes();
  const stateRoot = computeStateRoot(parent.stateRoot, header.height, changes);
  if (header.stateRoot !== stateRoot) {
    throw new ChainError(
      "BAD_STATE_ROOT",
      `State root mismatch at height ${header.height}`,
      "header.stateRoot",
    );
  }
  return { changes, stateRoot };
}
