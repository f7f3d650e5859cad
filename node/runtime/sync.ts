/**
 * Catch-up by block range: asks connected peers for the blocks after the
 * head, with their commits, and imports them one by one (each checked by the
 * importer: commit against the validator set, signatures, seal, transition).
 * A peer that serves an invalid block is dropped for this sync and penalised
 * (`invalid_block`, see docs/p2p.md §6); a wrong range or an undecodable
 * element is penalised by the network layer itself (`PeerAnswerError`).
 */
import { ChainError } from "../chain/errors.ts";
import { ConsensusError } from "../consensus/errors.ts";
import type { PeerInfo } from "../p2p/p2p_node.ts";
import type { Offence } from "../p2p/reputation.ts";
import { WireError } from "./wire_messages.ts";
import type { BlockWithCommit } from "./wire_messages.ts";

/** Blocks asked per request (the protocol allows up to 256). */
export const SYNC_BATCH_BLOCKS = 64;

/** What sync needs from the node and the network. */
export interface SyncDeps {
  peers(): PeerInfo[];
  requestRange(peer: string, from: number, count: number): Promise<BlockWithCommit[]>;
  headHeight(): number;
  /** Checks and commits one finalized block; throws if it is invalid. */
  importBlock(item: BlockWithCommit): Promise<void>;
  /** Lowers a peer's reputation (bans at the threshold). Without it, bad peers are only skipped. */
  penalise?(peer: string, offence: Offence, reason: string): void;
  log: {
    info(e: string, f?: Record<string, unknown>): void;
    warn(e: string, f?: Record<string, unknown>): void;
  };
  /** Stop early (node stopping). */
  isCancelled(): boolean;
}

/** Result of one sync pass. */
export interface SyncResult {
  imported: number;
  fromHeight: number;
  toHeight: number;
  ms: number;
  /** Peers penalised in this pass for serving an invalid block. */
  penalised: number;
}

/**
 * The offence of a peer whose block failed import with `error`, or null when
 * the failure is ours (storage) or may be honest (clock-dependent timestamp).
 * Blocks served in sync claim to be finalized: failing any chain, consensus
 * or wire check means the peer served something no honest node stores.
 */
export function computeImportOffence(error: unknown): Offence | null {
  if (error instanceof WireError) return "invalid_block";
  if (error instanceof ChainError || error instanceof ConsensusError) {
    if (error.code === "BAD_TIMESTAMP") return null;
    // A finalized block on another parent: a fork, or our own chain is wrong.
    if (error.code === "PARENT_UNKNOWN") return "bad_response";
    return "invalid_block";
  }
  return null;
}

/** Pulls blocks from every connected peer in turn until none has more. */
export async function syncFromPeers(deps: SyncDeps): Promise<SyncResult> {
  const t0 = performance.now();
  const fromHeight = deps.headHeight();
  let imported = 0;
  let penalised = 0;
  const peers = deps.peers().filter((p) => p.connected && p.bannedUntilMs === null);
  for (const peer of peers) {
    for (;;) {
      if (deps.isCancelled()) break;
      const next = deps.headHeight() + 1;
      let items: BlockWithCommit[];
      try {
        items = await deps.requestRange(peer.id, next, SYNC_BATCH_BLOCKS);
      } catch (e) {
        deps.log.warn("sync.request_failed", { peer: peer.id, from: next, error: String(e) });
        break;
      }
      if (items.length === 0) break;
      let progressed = false;
      try {
        for (const item of items) {
          if (item.block.header.height !== deps.headHeight() + 1) continue;
          await deps.importBlock(item);
          imported++;
          progressed = true;
        }
      } catch (e) {
        const offence = computeImportOffence(e);
        deps.log.warn("sync.bad_block", {
          peer: peer.id,
          error: (e as Error).message,
          offence: offence ?? "none",
        });
        if (offence !== null && deps.penalise !== undefined) {
          deps.penalise(peer.id, offence, `sync: ${(e as Error).message}`);
          penalised++;
        }
        break;
      }
      if (!progressed) break;
    }
  }
  const result = {
    imported,
    fromHeight,
    toHeight: deps.headHeight(),
    ms: Math.round(performance.now() - t0),
    penalised,
  };
  if (imported > 0) deps.log.info("sync.done", { ...result });
  return result;
}
