/**
 * Catch-up by block range: asks connected peers for the blocks after the
 * head, with their commits, and imports them one by one (each checked by the
 * importer: commit against the validator set, signatures, seal, transition).
 * A peer that serves an invalid block is dropped for this sync.
 */
import type { PeerInfo } from "../p2p/p2p_node.ts";
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
}

/** Pulls blocks from every connected peer in turn until none has more. */
export async function syncFromPeers(deps: SyncDeps): Promise<SyncResult> {
  const t0 = performance.now();
  const fromHeight = deps.headHeight();
  let imported = 0;
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
        deps.log.warn("sync.bad_block", { peer: peer.id, error: (e as Error).message });
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
  };
  if (imported > 0) deps.log.info("sync.done", { ...result });
  return result;
}
