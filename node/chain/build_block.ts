/**
 * Block building: applies candidate transactions in order on top of the
 * parent state, keeps those that apply and reports those that do not.
 * Pure; the proposer signs the result.
 */
import { BLOCK_VERSION, type BlockHeader, computeBlockHash } from "./block.ts";
import { ChainError } from "./errors.ts";
import { computeMerkleRoot } from "./merkle.ts";
import { type StateChange, StateOverlay, type StateReader } from "./state.ts";
import { computeStateRoot } from "./state_root.ts";
import { applyTransaction, computeBlockContext, runBeginBlock, runEndBlock } from "./transition.ts";
import type { Tx } from "./transaction.ts";

export interface BuiltBlock {
  header: BlockHeader;
  included: Tx[];
  rejected: { tx: Tx; error: ChainError }[];
  changes: StateChange[];
}

/**
 * Builds the block after `parent`. `candidates` must already be in nonce
 * order per sender; at most `maxBlockTransactions` are included.
 */
export async function buildBlock(
  state: StateReader,
  parent: BlockHeader,
  candidates: Iterable<Tx>,
  fields: { timestampMs: number; proposer: string },
  services: Readonly<Record<string, unknown>> = {},
): Promise<BuiltBlock> {
  const height = parent.height + 1;
  const ctx = computeBlockContext(state, {
    networkId: parent.networkId,
    height,
    timestampMs: fields.timestampMs,
    proposer: fields.proposer,
  }, services);
  const overlay = new StateOverlay(state);
  runBeginBlock(overlay, ctx);
  const included: Tx[] = [];
  const rejected: { tx: Tx; error: ChainError }[] = [];
  const max = ctx.params.consensus.maxBlockTransactions;
  for (const tx of candidates) {
    if (included.length >= max) break;
    try {
      applyTransaction(overlay, tx, ctx);
      included.push(tx);
    } catch (e) {
      if (!(e instanceof ChainError)) throw e;
      rejected.push({ tx, error: e });
    }
  }
  await runEndBlock(overlay, ctx);
  const changes = overlay.changes();
  const header: BlockHeader = {
    version: BLOCK_VERSION,
    networkId: parent.networkId,
    height,
    prevHash: computeBlockHash(parent),
    timestampMs: fields.timestampMs,
    proposer: fields.proposer,
    txRoot: computeMerkleRoot(included.map((t) => t.id)),
    stateRoot: computeStateRoot(parent.stateRoot, height, changes),
    txCount: included.length,
    difficulty: 0,
    seal: "",
  };
  return { header, included, rejected, changes };
}
