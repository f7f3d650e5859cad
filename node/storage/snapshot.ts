/**
 * Chain snapshots for backup and restore: the genesis spec, every block
 * (header, seal, transactions, finality data) and the state at the head.
 *
 * File format (`.gtxsnap`): the 8 bytes `GTXSNAP1`, then records, each a
 * 4-byte big-endian length and a canonical-CBOR map with a `type`:
 *   `header` {version, networkId, genesisHash, headHeight, headHash, stateRoot}
 *   `genesis` {spec}
 *   `block` {height, hash, header, signature, txs, commit?}   (heights 0..head)
 *   `state` {entries: [key, value][]}                         (chunks, keys sorted)
 *   `end` {blocks, stateEntries, digest}  digest = hex SHA-256 of every byte before this record
 *
 * Import trusts nothing in the file: it checks the digest (truncation,
 * flipped bytes), recomputes genesis from the spec, checks each block's hash
 * and parent link, replays every block with the state transition (which
 * checks the transaction root and the state root of every block), and finally
 * compares the replayed state with the snapshot's state entry by entry. Only
 * then is the store it wrote kept; on any failure the new KV file is removed.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { decode } from "cborg";
import { type BlockHeader, computeBlockHash } from "../chain/block.ts";
import { encodeCanonical } from "../chain/encoding.ts";
import { computeGenesis, type GenesisSpec } from "../chain/genesis.ts";
import { MemoryState } from "../chain/state.ts";
import { parseTransaction, type SignedTxJson } from "../chain/transaction.ts";
import { processBlock } from "../chain/transition.ts";
import { toHex } from "../crypto/hex.ts";
// Replay needs every transaction processor and block hook a running node has.
import "../runtime/modules.ts";
import { ChainStore, StorageError } from "./chain_store.ts";

const MAGIC = new TextEncoder().encode("GTXSNAP1");
export const SNAPSHOT_VERSION = 1;
const STATE_CHUNK_ENTRIES = 1_000;
/** Refuse absurd record lengths before allocating (a corrupted length prefix). */
const MAX_RECORD_BYTES = 512 * 1024 * 1024;

/** What a snapshot holds, as reported by export and import. */
export interface SnapshotSummary {
  networkId: number;
  genesisHash: string;
  headHeight: number;
  headHash: string;
  stateRoot: string;
  blocks: number;
  stateEntries: number;
  bytes: number;
}

interface HeaderRecord {
  type: "header";
  version: number;
  networkId: number;
  genesisHash: string;
  headHeight: number;
  headHash: string;
  stateRoot: string;
}

interface BlockRecordOut {
  type: "block";
  height: number;
  hash: string;
  header: BlockHeader;
  signature: string;
  txs: SignedTxJson[];
  commit?: unknown;
}

function snapshotError(message: string): StorageError {
  return new StorageError("BAD_SNAPSHOT", message);
}

/** Writes length-prefixed records to a file, hashing every byte. */
class RecordWriter {
  private readonly hash = sha256.create();
  bytes = 0;
  constructor(private readonly file: Deno.FsFile) {}

  async writeRaw(bytes: Uint8Array): Promise<void> {
    this.hash.update(bytes);
    this.bytes += bytes.length;
    let off = 0;
    while (off < bytes.length) off += await this.file.write(bytes.subarray(off));
  }

  async write(record: unknown): Promise<void> {
    const body = encodeCanonical(record);
    const frame = new Uint8Array(4 + body.length);
    new DataView(frame.buffer).setUint32(0, body.length, false);
    frame.set(body, 4);
    await this.writeRaw(frame);
  }

  digestHex(): string {
    return toHex(this.hash.clone().digest());
  }
}

/** Reads length-prefixed records from a file, hashing every byte before the `end` record. */
class RecordReader {
  private buf = new Uint8Array(0);
  private eof = false;
  private readonly hash = sha256.create();
  bytes = 0;
  constructor(private readonly file: Deno.FsFile) {}

  private async fill(n: number): Promise<boolean> {
    while (this.buf.length < n && !this.eof) {
      const chunk = new Uint8Array(Math.max(1 << 20, n - this.buf.length));
      const read = await this.file.read(chunk);
      if (read === null) {
        this.eof = true;
        break;
      }
      const next = new Uint8Array(this.buf.length + read);
      next.set(this.buf);
      next.set(chunk.subarray(0, read), this.buf.length);
      this.buf = next;
    }
    return this.buf.length >= n;
  }

  private take(n: number): Uint8Array {
    const out = this.buf.slice(0, n);
    this.buf = this.buf.subarray(n);
    this.bytes += n;
    return out;
  }

  async readMagic(): Promise<void> {
    if (!await this.fill(MAGIC.length)) throw snapshotError("File is too short to be a snapshot");
    const magic = this.take(MAGIC.length);
    if (!magic.every((b, i) => b === MAGIC[i])) {
      throw snapshotError("Not a GridTokenX snapshot (the file does not start with GTXSNAP1)");
    }
    this.hash.update(magic);
  }

  /** The next record, or null at a clean end of file. Also returns the digest before it. */
  async next(): Promise<{ record: Record<string, unknown>; digestBefore: string } | null> {
    if (!await this.fill(4)) {
      if (this.buf.length === 0) return null;
      throw snapshotError(`Snapshot is truncated at byte ${this.bytes}`);
    }
    const length = new DataView(this.buf.buffer, this.buf.byteOffset, 4).getUint32(0, false);
    if (length > MAX_RECORD_BYTES) {
      throw snapshotError(`Snapshot is corrupted at byte ${this.bytes}: record length ${length}`);
    }
    if (!await this.fill(4 + length)) {
      throw snapshotError(
        `Snapshot is truncated at byte ${this.bytes}: a record of ${length} bytes is cut short`,
      );
    }
    const digestBefore = toHex(this.hash.clone().digest());
    const frame = this.take(4 + length);
    this.hash.update(frame);
    let record: unknown;
    try {
      record = decode(frame.subarray(4));
    } catch (e) {
      throw snapshotError(
        `Snapshot is corrupted at byte ${this.bytes - frame.length}: ${(e as Error).message}`,
      );
    }
    if (record === null || typeof record !== "object" || !("type" in record)) {
      throw snapshotError(`Snapshot is corrupted at byte ${this.bytes - frame.length}`);
    }
    return { record: record as Record<string, unknown>, digestBefore };
  }
}

/**
 * Writes a snapshot of the chain in `store` to `outPath`. Safe while a node
 * is running on the same store: if a block is committed during the export,
 * the export starts again (at most 5 times).
 */
export async function exportSnapshot(store: ChainStore, outPath: string): Promise<SnapshotSummary> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const summary = await exportOnce(store, outPath);
    if (summary !== null) return summary;
  }
  throw new StorageError(
    "SNAPSHOT_BUSY",
    "The chain kept moving during the export; stop the node or retry",
  );
}

async function exportOnce(store: ChainStore, outPath: string): Promise<SnapshotSummary | null> {
  const head = await store.getHead();
  if (head === null) throw new StorageError("NO_CHAIN", `${store.path} holds no chain`);
  if ((await store.getApplied()) !== head.height) return null;
  const spec = await store.getGenesisSpec();
  const genesisRec = await store.getBlockRecord(0);
  if (spec === null || genesisRec === null) {
    throw new StorageError("CORRUPT", `${store.path} has no genesis`);
  }
  const file = await Deno.open(outPath, { write: true, create: true, truncate: true, mode: 0o600 });
  const out = new RecordWriter(file);
  try {
    await out.writeRaw(MAGIC);
    await out.write(
      {
        type: "header",
        version: SNAPSHOT_VERSION,
        networkId: genesisRec.header.networkId,
        genesisHash: genesisRec.hash,
        headHeight: head.height,
        headHash: head.hash,
        stateRoot: head.stateRoot,
      } satisfies HeaderRecord,
    );
    await out.write({ type: "genesis", spec });
    for (let h = 0; h <= head.height; h++) {
      const rec = await store.getBlockRecord(h);
      const block = await store.getBlock(h);
      if (rec === null || block === null) {
        throw new StorageError("CORRUPT", `Block ${h} is missing below the head ${head.height}`);
      }
      await out.write(
        {
          type: "block",
          height: h,
          hash: rec.hash,
          header: rec.header,
          signature: rec.signature,
          txs: block.txs,
          ...(rec.commit === undefined ? {} : { commit: rec.commit }),
        } satisfies BlockRecordOut,
      );
    }
    const entries = [...(await store.loadState())].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    for (let i = 0; i < entries.length; i += STATE_CHUNK_ENTRIES) {
      await out.write({ type: "state", entries: entries.slice(i, i + STATE_CHUNK_ENTRIES) });
    }
    // Consistent only if no block was committed while we read.
    const after = await store.getHead();
    if (after?.height !== head.height || (await store.getApplied()) !== head.height) return null;
    const blocks = head.height + 1;
    await out.write({ type: "end", blocks, stateEntries: entries.length, digest: out.digestHex() });
    return {
      networkId: genesisRec.header.networkId,
      genesisHash: genesisRec.hash,
      headHeight: head.height,
      headHash: head.hash,
      stateRoot: head.stateRoot,
      blocks,
      stateEntries: entries.length,
      bytes: out.bytes,
    };
  } finally {
    file.close();
  }
}

async function removeKvFiles(kvPath: string): Promise<void> {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    await Deno.remove(kvPath + suffix).catch(() => {});
  }
}

/**
 * Restores a snapshot into a new KV store at `kvPath` (which must not hold a
 * chain), verifying everything (see the top of this file).
 * @throws StorageError BAD_SNAPSHOT with the reason; the KV file is then removed
 */
export async function importSnapshot(
  inPath: string,
  kvPath: string,
  opts: { onProgress?: (height: number) => void } = {},
): Promise<SnapshotSummary> {
  try {
    await Deno.stat(kvPath);
    const existing = await ChainStore.open(kvPath);
    const head = await existing.getHead().finally(() => existing.close());
    if (head !== null) {
      throw new StorageError(
        "ALREADY_INITIALISED",
        `${kvPath} already holds a chain (height ${head.height}); import into an empty data directory`,
      );
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const file = await Deno.open(inPath, { read: true });
  const store = await ChainStore.open(kvPath);
  let ok = false;
  try {
    const summary = await replaySnapshot(new RecordReader(file), store, opts);
    ok = true;
    return summary;
  } finally {
    file.close();
    store.close();
    if (!ok) await removeKvFiles(kvPath);
  }
}

function expectType(rec: Record<string, unknown> | undefined, type: string, where: string) {
  if (rec === undefined) throw snapshotError(`Snapshot is truncated: no ${type} record ${where}`);
  if (rec.type !== type) {
    throw snapshotError(
      `Snapshot is corrupted: expected a ${type} record ${where}, got ${String(rec.type)}`,
    );
  }
  return rec;
}

async function replaySnapshot(
  reader: RecordReader,
  store: ChainStore,
  opts: { onProgress?: (height: number) => void },
): Promise<SnapshotSummary> {
  await reader.readMagic();
  const header = expectType(
    (await reader.next())?.record,
    "header",
    "at the start",
  ) as unknown as HeaderRecord;
  if (header.version !== SNAPSHOT_VERSION) {
    throw snapshotError(
      `Snapshot version ${header.version} is not supported (expected ${SNAPSHOT_VERSION})`,
    );
  }
  const spec = expectType((await reader.next())?.record, "genesis", "after the header")
    .spec as GenesisSpec;
  const genesis = computeGenesis(spec);
  const genesisHash = computeBlockHash(genesis.header);
  if (genesisHash !== header.genesisHash) {
    throw snapshotError(
      `Genesis spec gives block 0 hash ${genesisHash}, the snapshot says ${header.genesisHash}`,
    );
  }
  const state = new MemoryState();
  /** Every key the blocks wrote, write-only log keys included, as KV holds them. */
  const fullState = new Map<string, unknown>();
  const apply = (changes: readonly (readonly [string, unknown])[]) => {
    state.apply(changes);
    for (const [k, v] of changes) v === null ? fullState.delete(k) : fullState.set(k, v);
  };
  let parent: BlockHeader | null = null;
  let next = await reader.next();
  while (next !== null && next.record.type === "block") {
    const rec = next.record as unknown as BlockRecordOut;
    const h: number = parent === null ? 0 : parent.height + 1;
    if (rec.height !== h || rec.header?.height !== h) {
      throw snapshotError(`Snapshot is corrupted: expected block ${h}, got ${rec.height}`);
    }
    if (computeBlockHash(rec.header) !== rec.hash) {
      throw snapshotError(
        `Snapshot block ${h} is invalid: its header does not hash to ${rec.hash}`,
      );
    }
    if (parent === null) {
      if (rec.hash !== genesisHash) throw snapshotError(`Block 0 is not the genesis of the spec`);
      apply(genesis.changes);
      await store.initGenesis(spec, rec.header, rec.hash, genesis.changes);
    } else {
      let txs;
      try {
        txs = rec.txs.map((t) => parseTransaction(t));
      } catch (e) {
        throw snapshotError(`Snapshot block ${h} is invalid: ${(e as Error).message}`);
      }
      let result;
      try {
        result = await processBlock(state, parent, rec.header, txs);
      } catch (e) {
        throw snapshotError(
          `Snapshot block ${h} is invalid: it does not replay: ${(e as Error).message}`,
        );
      }
      await store.commitBlock({
        block: { header: rec.header, txs: rec.txs, signature: rec.signature },
        hash: rec.hash,
        txIds: txs.map((t) => t.id),
        changes: result.changes,
        ...(rec.commit === undefined ? {} : { commit: rec.commit }),
      });
      apply(result.changes);
    }
    opts.onProgress?.(h);
    parent = rec.header;
    next = await reader.next();
  }
  if (parent === null) throw snapshotError("Snapshot has no blocks");
  if (parent.height !== header.headHeight || computeBlockHash(parent) !== header.headHash) {
    throw snapshotError(
      `Snapshot ends at block ${parent.height}, its header says ${header.headHeight} (${header.headHash})`,
    );
  }
  if (parent.stateRoot !== header.stateRoot) {
    throw snapshotError(
      `State root of block ${parent.height} is ${parent.stateRoot}, the snapshot says ${header.stateRoot}`,
    );
  }
  let stateEntries = 0;
  while (next !== null && next.record.type === "state") {
    for (const [key, value] of next.record.entries as [string, unknown][]) {
      stateEntries++;
      if (!fullState.has(key)) {
        throw snapshotError(`State entry "${key}" is not produced by the blocks`);
      }
      const a = encodeCanonical(fullState.get(key));
      const b = encodeCanonical(value);
      if (a.length !== b.length || a.some((x, i) => x !== b[i])) {
        throw snapshotError(`State entry "${key}" differs from the replayed state`);
      }
    }
    next = await reader.next();
  }
  const end = expectType(next?.record, "end", "after the state");
  if (end.digest !== next!.digestBefore) {
    throw snapshotError("Snapshot digest does not match its contents: the file is corrupted");
  }
  if (stateEntries !== fullState.size || end.stateEntries !== stateEntries) {
    throw snapshotError(
      `Snapshot has ${stateEntries} state entries, the replay produced ${fullState.size}`,
    );
  }
  if ((await reader.next()) !== null) throw snapshotError("Snapshot has data after its end record");
  return {
    networkId: header.networkId,
    genesisHash,
    headHeight: parent.height,
    headHash: header.headHash,
    stateRoot: parent.stateRoot,
    blocks: parent.height + 1,
    stateEntries,
    bytes: reader.bytes,
  };
}
