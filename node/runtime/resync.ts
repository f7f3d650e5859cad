/**
 * `gridtokenx-node resync`: recovery from a damaged chain database.
 *
 * 1. Checks the database (verify_store.ts); a healthy one is left alone
 *    unless `force` is set.
 * 2. Reads what it can from the database: the signing record
 *    (`meta/signed`) and the head height.
 * 3. Moves the chain database files (`kv_path` and its `-wal` / `-shm`
 *    companions) into a new directory `<data_dir>/corrupt-<UTC stamp>/`.
 *    Nothing is deleted. Inside the data directory, because that is where
 *    the node may write (`deno task node` and the compiled binary allow
 *    `./data` and `./logs` only), and a rename there never crosses a file
 *    system. The keys (`<data_dir>/keys/`) and every other file
 *    stay where they are, so the node keeps its identity, and at no moment is
 *    there a data directory without its keystore (a start then would create
 *    a new key).
 * 4. Writes a signing floor into the new database: the validator signs
 *    nothing (proposal or vote) at or below the highest height it may have
 *    signed before (`floor = max(signed height + 1, head + 2, minSignHeight)`;
 *    the consensus driver refuses any message below the record's height).
 *    A validator whose old database yields neither must be given
 *    `minSignHeight` (above the network's head).
 * 5. Initialises the chain from genesis with the same config and keys.
 *
 * On the next `start` the node syncs the finalized chain from its peers.
 */
import type { NodeConfig } from "../config/node_config.ts";
import type { Logger } from "../log/logger.ts";
import { StorageError } from "../storage/kv_batch.ts";
import { type HeadRecord, kvKey } from "../storage/kv_layout.ts";
import { saveSignedRecord, type SignedRecord } from "../storage/signing_record.ts";
import { verifyChainStore } from "../storage/verify_store.ts";
import { initChain } from "./init_chain.ts";
import { pathExists } from "./path_exists.ts";

/** Options of {@link resyncDataDir}. */
export interface ResyncOptions {
  /** Resync even if the database verifies as healthy. */
  force?: boolean;
  /** Lowest height the validator may sign at again (needed when the old database is unreadable). */
  minSignHeight?: number;
  /** Clock for the directory name, ms since the epoch. */
  nowMs: number;
}

/** What {@link resyncDataDir} did. */
export interface ResyncResult {
  /** Directory now holding the old chain database files. */
  movedTo: string;
  /** Paths of the moved files (inside `movedTo`). */
  movedFiles: string[];
  /** Why the old database was moved: the verification error, or "forced". */
  reason: string;
  /** Head height read from the old database, if readable. */
  oldHeadHeight: number | null;
  /** Height of the signing record read from the old database, if readable. */
  oldSignedHeight: number | null;
  /** The node signs nothing below this height; null for a non-validator with nothing readable. */
  signFloorHeight: number | null;
  /** Genesis hash of the new database. */
  genesisHash: string;
  /** Address of the (kept) node key. */
  validatorAddress: string;
}

/** `20261125T141500Z`: the UTC time, usable in a file name. */
export function computeCorruptStamp(nowMs: number): string {
  return new Date(nowMs).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

/** The signing floor: nothing at or below a height the node may have signed at. */
export function computeSignFloor(
  signedHeight: number | null,
  headHeight: number | null,
  minSignHeight: number | undefined,
): number | null {
  const bounds = [
    signedHeight === null ? null : signedHeight + 1,
    // A validator signs at head + 1 at most.
    headHeight === null ? null : headHeight + 2,
    minSignHeight ?? null,
  ].filter((h): h is number => h !== null);
  return bounds.length === 0 ? null : Math.max(...bounds);
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Creates `<dataDir>/corrupt-<stamp>` (with a counter if taken). */
async function createCorruptDir(dataDir: string, nowMs: number): Promise<string> {
  const base = `${dataDir.replace(/\/+$/, "")}/corrupt-${computeCorruptStamp(nowMs)}`;
  for (let i = 1;; i++) {
    const dir = i === 1 ? base : `${base}-${i}`;
    try {
      await Deno.mkdir(dir, { mode: 0o700 });
      return dir;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
  }
}

/** Best-effort reads of the signing record and head of a (damaged) KV file. */
async function salvage(
  kvPath: string,
): Promise<{ signedHeight: number | null; headHeight: number | null }> {
  let kv: Deno.Kv;
  try {
    kv = await Deno.openKv(kvPath);
  } catch {
    return { signedHeight: null, headHeight: null };
  }
  try {
    const read = async <T>(key: Deno.KvKey): Promise<T | null> => {
      try {
        return (await kv.get<T>(key)).value;
      } catch {
        return null;
      }
    };
    const signed = await read<SignedRecord>(kvKey.signed());
    const head = await read<HeadRecord>(kvKey.head());
    const int = (
      v: unknown,
    ) => (Number.isSafeInteger(v) && (v as number) >= 0 ? v as number : null);
    return { signedHeight: int(signed?.height), headHeight: int(head?.height) };
  } finally {
    kv.close();
  }
}

/**
 * Moves the chain database aside and re-initialises it from genesis, keeping
 * the keys and a signing floor (see the top of this file). The node must be
 * stopped.
 *
 * @throws StorageError `RESYNC_NOT_NEEDED` (healthy database without
 *   `force`), `RESYNC_NO_CHAIN` (no database file), `RESYNC_SIGNING_UNKNOWN`
 *   (a validator whose old database yields no height and no `minSignHeight`)
 */
export async function resyncDataDir(
  cfg: NodeConfig,
  log: Logger,
  opts: ResyncOptions,
): Promise<ResyncResult> {
  const kvPath = cfg.storage.kv_path;
  // Here and below a symbolic link counts even when its target is gone: the files are moved
  // with rename, which moves a link itself.
  if (!await pathExists(kvPath, { followSymlinks: false })) {
    throw new StorageError(
      "RESYNC_NO_CHAIN",
      `No chain database at ${kvPath}: nothing to move aside; "start" initialises and syncs`,
    );
  }
  let reason = "forced";
  try {
    await verifyChainStore(kvPath);
    if (!opts.force) {
      throw new StorageError(
        "RESYNC_NOT_NEEDED",
        `Chain database ${kvPath} verifies as healthy; pass --force to move it aside and resync anyway`,
      );
    }
  } catch (e) {
    if (!(e instanceof StorageError && e.code === "CORRUPT")) throw e;
    reason = e.message;
  }
  // Read before moving: if the signing floor is unknown, nothing has changed yet.
  const { signedHeight, headHeight } = await salvage(kvPath);
  const floor = computeSignFloor(signedHeight, headHeight, opts.minSignHeight);
  if (floor === null && cfg.node.node_type === "validator") {
    throw new StorageError(
      "RESYNC_SIGNING_UNKNOWN",
      `The chain database ${kvPath} yields neither the signing record nor the head height, ` +
        `so the heights this validator signed at are unknown; nothing was moved. Run resync again with ` +
        `--min-sign-height N, N above the network's head (GET /api/v1/status on a peer): ` +
        `the validator then signs nothing below N`,
    );
  }
  const movedTo = await createCorruptDir(cfg.node.data_dir, opts.nowMs);
  const movedFiles: string[] = [];
  for (const suffix of ["", "-wal", "-shm"]) {
    const from = kvPath + suffix;
    if (!await pathExists(from, { followSymlinks: false })) continue;
    const to = `${movedTo}/${baseName(from)}`;
    await Deno.rename(from, to);
    movedFiles.push(to);
  }
  log.warn("storage.moved_aside", { from: kvPath, to: movedTo, reason });
  if (floor !== null) {
    // Before the genesis: a crash in between leaves a store that verify refuses, and a rerun keeps the floor.
    const kv = await Deno.openKv(kvPath);
    try {
      await saveSignedRecord(kv, { height: floor, entries: [] });
    } finally {
      kv.close();
    }
  }
  const init = await initChain(cfg, log);
  log.info("storage.resynced", {
    moved_to: movedTo,
    old_head: headHeight,
    old_signed: signedHeight,
    sign_floor: floor,
    genesis_hash: init.genesisHash,
  });
  return {
    movedTo,
    movedFiles,
    reason,
    oldHeadHeight: headHeight,
    oldSignedHeight: signedHeight,
    signFloorHeight: floor,
    genesisHash: init.genesisHash,
    validatorAddress: init.validator.address,
  };
}
