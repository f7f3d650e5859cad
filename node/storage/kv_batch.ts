/**
 * Groups Deno KV mutations into atomic commits that stay under KV's limits
 * (mutation count and total size). Used for the writes of a block that may
 * span several commits; ordering across commits is the caller's protocol.
 */
import { MAX_BYTES_PER_COMMIT, MAX_MUTATIONS_PER_COMMIT } from "./kv_layout.ts";

type Mutation =
  | { type: "set"; key: Deno.KvKey; value: unknown; bytes: number }
  | { type: "delete"; key: Deno.KvKey; bytes: number };

export class StorageError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = "StorageError";
  }
}

/** Largest single value Deno KV accepts, less room for the key. */
const MAX_VALUE_BYTES = 63 * 1024;

/** Rough serialized size of a value, for batching; exact for bytes. */
export function estimateBytes(value: unknown): number {
  if (value instanceof Uint8Array) return value.byteLength;
  if (typeof value === "number") return 16;
  return JSON.stringify(value)?.length ?? 16;
}

export class KvBatch {
  private readonly mutations: Mutation[] = [];
  constructor(private readonly kv: Deno.Kv) {}

  set(key: Deno.KvKey, value: unknown, bytes = estimateBytes(value)): this {
    if (bytes > MAX_VALUE_BYTES) {
      throw new StorageError(
        "VALUE_TOO_LARGE",
        `Value for KV key ${
          JSON.stringify(key)
        } is ${bytes} bytes, over the ${MAX_VALUE_BYTES} byte limit`,
      );
    }
    this.mutations.push({ type: "set", key, value, bytes: bytes + 64 });
    return this;
  }

  delete(key: Deno.KvKey): this {
    this.mutations.push({ type: "delete", key, bytes: 64 });
    return this;
  }

  get length(): number {
    return this.mutations.length;
  }

  /** True when every mutation fits in one atomic commit with `extra` more mutations. */
  fitsOneCommit(extra = 0): boolean {
    let bytes = 0;
    for (const m of this.mutations) bytes += m.bytes;
    return this.mutations.length + extra <= MAX_MUTATIONS_PER_COMMIT &&
      bytes + extra * 64 <= MAX_BYTES_PER_COMMIT;
  }

  /** Adds every mutation to `op` (the caller checked {@link fitsOneCommit}) and empties the batch. */
  addTo(op: Deno.AtomicOperation): Deno.AtomicOperation {
    for (const m of this.mutations) {
      if (m.type === "set") op.set(m.key, m.value);
      else op.delete(m.key);
    }
    this.mutations.length = 0;
    return op;
  }

  /** Commits everything in as few atomic operations as the limits allow, in order. */
  async flush(): Promise<void> {
    for (const op of this.groups()) await commitOrThrow(op);
  }

  /** Splits the mutations into atomic operations under the limits, and empties the batch. */
  private groups(): Deno.AtomicOperation[] {
    const ops: Deno.AtomicOperation[] = [];
    let op = this.kv.atomic();
    let count = 0;
    let bytes = 0;
    for (const m of this.mutations) {
      if (count + 1 > MAX_MUTATIONS_PER_COMMIT || bytes + m.bytes > MAX_BYTES_PER_COMMIT) {
        ops.push(op);
        op = this.kv.atomic();
        count = 0;
        bytes = 0;
      }
      if (m.type === "set") op.set(m.key, m.value);
      else op.delete(m.key);
      count++;
      bytes += m.bytes;
    }
    if (count > 0) ops.push(op);
    this.mutations.length = 0;
    return ops;
  }
}

export async function commitOrThrow(op: Deno.AtomicOperation): Promise<void> {
  const res = await op.commit();
  if (!res.ok) throw new StorageError("COMMIT_FAILED", "KV atomic commit failed");
}

/** Splits bytes into chunks that fit one KV value each. */
export function splitChunks(bytes: Uint8Array, chunkBytes: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += chunkBytes) chunks.push(bytes.subarray(i, i + chunkBytes));
  if (chunks.length === 0) chunks.push(new Uint8Array(0));
  return chunks;
}

export function joinChunks(chunks: Uint8Array[]): Uint8Array {
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
