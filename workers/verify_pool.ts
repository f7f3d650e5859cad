/**
 * A pool of Web Workers that verify Ed25519 signatures, so the node's main
 * thread never runs a signature check itself.
 *
 * Requests from every caller go into one buffer; the buffer becomes a job
 * when it holds `maxJobItems` signatures or when the oldest has waited
 * `maxBufferMs`, and whenever a worker falls idle (so idle cores never wait
 * for the timer). Each worker takes up to `maxJobsPerWorker` jobs at once.
 * Results are per item: one bad signature in a job marks only that item
 * invalid. A job the worker fails to run (error answer, crashed worker) is
 * retried on a fresh worker; after `maxAttempts` the callers' promises reject.
 */
import type { SignatureVerifier, VerifyItem } from "../node/crypto/ed25519.ts";
import type { VerifyMetrics } from "../node/metrics/verify_metrics.ts";
import {
  packVerifyRequest,
  type ParsedItem,
  type ParseVerifyRequest,
  type ParseVerifyResult,
  type VerifyResult,
} from "./verify_protocol.ts";

/** Options of {@link VerifyPool}. */
export interface VerifyPoolOptions {
  /** Worker count; default `navigator.hardwareConcurrency` (at least 1). */
  workers?: number;
  /** Most signatures in one job; default 256. */
  maxJobItems?: number;
  /** Longest a signature waits in the buffer for a fuller job, ms; default 2. */
  maxBufferMs?: number;
  /** Jobs a worker may hold at once; default 2 (one running, one queued). */
  maxJobsPerWorker?: number;
  /** Tries of a job before its callers' promises reject; default 3. */
  maxAttempts?: number;
  metrics?: VerifyMetrics;
}

/** Error of the verify pool: `CLOSED` or `WORKER_FAILED`. */
export class VerifyPoolError extends Error {
  override readonly name = "VerifyPoolError";
  /** @param code stable code */
  constructor(readonly code: "CLOSED" | "WORKER_FAILED", message: string) {
    super(message);
  }
}

interface Call {
  items: readonly VerifyItem[];
  results: boolean[];
  remaining: number;
  failed: boolean;
  resolve(results: boolean[]): void;
  reject(e: Error): void;
}

interface Slot {
  call: Call;
  index: number;
}

interface VerifyJob {
  kind: "verify";
  id: number;
  slots: Slot[];
  attempts: number;
  startedMs: number;
}

/** Raw transactions to parse and verify (see {@link VerifyPool.parseAndVerify}). */
interface ParseJob {
  kind: "parse";
  id: number;
  items: unknown[];
  attempts: number;
  startedMs: number;
  resolve(items: ParsedItem[]): void;
  reject(e: Error): void;
}

type Job = VerifyJob | ParseJob;

interface PoolWorker {
  worker: Worker;
  jobs: Map<number, Job>;
}

const WORKER_URL = new URL("./verify_worker.ts", import.meta.url).href;

/**
 * {@link SignatureVerifier} backed by Web Workers; accepts exactly what
 * `InlineVerifier` accepts (both run `verifyWebCrypto`).
 *
 * @example
 * ```ts
 * const pool = new VerifyPool({ workers: 2 });
 * const [ok] = await pool.verifyBatch([{ publicKey, message, signature }]);
 * pool.close();
 * ```
 */
export class VerifyPool implements SignatureVerifier {
  readonly workerCount: number;
  readonly maxJobItems: number;
  readonly maxBufferMs: number;
  readonly maxJobsPerWorker: number;
  readonly maxAttempts: number;
  readonly #metrics: VerifyMetrics | undefined;
  readonly #workers: PoolWorker[] = [];
  /** Buffered slots; `#head` is the index of the first not yet sent. */
  #buffer: Slot[] = [];
  #head = 0;
  /** Jobs to resend first (after a worker failure). */
  #retry: Job[] = [];
  /** Parse jobs not sent yet: urgent ones (a proposal under validation), then the rest. */
  #urgentParseQueue: ParseJob[] = [];
  #parseQueue: ParseJob[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #nextJobId = 1;
  #closed = false;

  constructor(opts: VerifyPoolOptions = {}) {
    this.workerCount = Math.max(1, opts.workers ?? navigator.hardwareConcurrency ?? 1);
    this.maxJobItems = Math.max(1, opts.maxJobItems ?? 256);
    this.maxBufferMs = Math.max(0, opts.maxBufferMs ?? 2);
    this.maxJobsPerWorker = Math.max(1, opts.maxJobsPerWorker ?? 2);
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 3);
    this.#metrics = opts.metrics;
    for (let i = 0; i < this.workerCount; i++) this.#workers.push(this.#spawn());
  }

  /** Signatures waiting in the buffer. */
  get queuedItems(): number {
    return this.#buffer.length - this.#head;
  }

  /** @inheritdoc */
  verifyBatch(items: VerifyItem[]): Promise<boolean[]> {
    if (this.#closed) {
      return Promise.reject(new VerifyPoolError("CLOSED", "Verify pool is closed"));
    }
    if (items.length === 0) return Promise.resolve([]);
    return new Promise<boolean[]>((resolve, reject) => {
      const call: Call = {
        items,
        results: new Array(items.length).fill(false),
        remaining: items.length,
        failed: false,
        resolve,
        reject,
      };
      for (let i = 0; i < items.length; i++) this.#buffer.push({ call, index: i });
      this.#metrics?.queueDepth.set(this.queuedItems);
      if (this.queuedItems >= this.maxJobItems || this.#hasIdleWorker()) this.#dispatch();
      else this.#timer ??= setTimeout(() => this.#dispatch(), this.maxBufferMs);
    });
  }

  /**
   * Parses raw transactions (wire JSON) with `parseTransaction` and verifies
   * the signatures of those that parse, in the workers; the calling thread
   * does neither. The work is split over the workers. One result per item,
   * in order: the parsed transaction and whether its signature is valid
   * (the same verdict as {@link verifyBatch}), or the parse error.
   *
   * Jobs are sent in this order: retries, `urgent` parse jobs (a proposal
   * whose round is running), signature batches ({@link verifyBatch}: votes,
   * block signatures), then other parse jobs (gossip and API transactions),
   * so bulk transactions never hold up a round.
   */
  parseAndVerify(
    items: readonly unknown[],
    opts: { urgent?: boolean } = {},
  ): Promise<ParsedItem[]> {
    if (this.#closed) {
      return Promise.reject(new VerifyPoolError("CLOSED", "Verify pool is closed"));
    }
    if (items.length === 0) return Promise.resolve([]);
    const size = Math.max(
      1,
      Math.min(this.maxJobItems, Math.ceil(items.length / this.workerCount)),
    );
    const parts: Promise<ParsedItem[]>[] = [];
    const queue = opts.urgent ? this.#urgentParseQueue : this.#parseQueue;
    for (let at = 0; at < items.length; at += size) {
      parts.push(
        new Promise<ParsedItem[]>((resolve, reject) => {
          queue.push({
            kind: "parse",
            id: this.#nextJobId++,
            items: items.slice(at, at + size),
            attempts: 0,
            startedMs: 0,
            resolve,
            reject,
          });
        }),
      );
    }
    this.#dispatch();
    return Promise.all(parts).then((lists) => lists.flat());
  }

  /** Terminates the workers; pending and later calls reject with `CLOSED`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    const error = new VerifyPoolError("CLOSED", "Verify pool closed before the result");
    for (const w of this.#workers) {
      w.worker.terminate();
      for (const job of w.jobs.values()) this.#failJob(job, error);
      w.jobs.clear();
    }
    for (const job of this.#retry) this.#failJob(job, error);
    for (const job of [...this.#urgentParseQueue, ...this.#parseQueue]) this.#failJob(job, error);
    this.#urgentParseQueue = [];
    this.#parseQueue = [];
    for (let i = this.#head; i < this.#buffer.length; i++) this.#failSlot(this.#buffer[i]!, error);
    this.#buffer = [];
    this.#head = 0;
    this.#retry = [];
  }

  #hasIdleWorker(): boolean {
    return this.#workers.some((w) => w.jobs.size === 0);
  }

  #spawn(): PoolWorker {
    const pw: PoolWorker = {
      worker: new Worker(WORKER_URL, { type: "module", name: "gridtokenx-verify" }),
      jobs: new Map(),
    };
    pw.worker.onmessage = (e: MessageEvent<VerifyResult | ParseVerifyResult>) =>
      this.#onResult(pw, e.data);
    pw.worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.#onWorkerCrash(pw);
    };
    return pw;
  }

  /** Sends jobs while workers have room, in the order of {@link parseAndVerify}. */
  #dispatch(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#closed) return;
    for (;;) {
      const target = this.#leastLoadedWorker();
      if (!target) break;
      let job: Job | undefined = this.#retry.shift() ?? this.#urgentParseQueue.shift();
      if (!job && this.queuedItems === 0) job = this.#parseQueue.shift();
      if (!job) {
        const available = this.queuedItems;
        if (available === 0) break;
        // Split what is buffered evenly over the free capacity, so one big
        // request keeps every core busy instead of filling one job.
        const free = this.#freeJobSlots();
        const share = Math.ceil(available / Math.max(1, Math.min(free, this.workerCount)));
        const take = Math.min(this.maxJobItems, share);
        const slots = this.#buffer.slice(this.#head, this.#head + take);
        this.#head += take;
        job = { kind: "verify", id: this.#nextJobId++, slots, attempts: 0, startedMs: 0 };
      }
      this.#send(target, job);
    }
    if (this.#head > 4096 && this.#head * 2 > this.#buffer.length) {
      this.#buffer = this.#buffer.slice(this.#head);
      this.#head = 0;
    }
    this.#metrics?.queueDepth.set(this.queuedItems);
    if (this.queuedItems > 0 && this.#freeJobSlots() > 0) {
      this.#timer = setTimeout(() => this.#dispatch(), this.maxBufferMs);
    }
  }

  #freeJobSlots(): number {
    let free = 0;
    for (const w of this.#workers) free += this.maxJobsPerWorker - w.jobs.size;
    return free;
  }

  #leastLoadedWorker(): PoolWorker | undefined {
    let best: PoolWorker | undefined;
    for (const w of this.#workers) {
      if (w.jobs.size >= this.maxJobsPerWorker) continue;
      if (!best || w.jobs.size < best.jobs.size) best = w;
    }
    return best;
  }

  #send(target: PoolWorker, job: Job): void {
    job.attempts++;
    job.startedMs = performance.now();
    if (job.kind === "parse") {
      target.jobs.set(job.id, job);
      this.#metrics?.batchItems.observe(job.items.length);
      this.#metrics?.jobsInFlight.inc();
      const request: ParseVerifyRequest = { type: "parse_verify", id: job.id, items: job.items };
      target.worker.postMessage(request);
      return;
    }
    const { request, malformed } = packVerifyRequest(
      job.id,
      job.slots.map((s) => s.call.items[s.index]!),
    );
    // Malformed items are invalid whatever the worker says; mark them now.
    malformed.forEach((bad, i) => {
      if (bad) job.slots[i]!.call.results[job.slots[i]!.index] = false;
    });
    target.jobs.set(job.id, job);
    this.#metrics?.batchItems.observe(job.slots.length);
    this.#metrics?.jobsInFlight.inc();
    target.worker.postMessage(request, [
      request.keysAndSigs.buffer,
      request.messages.buffer,
      request.messageOffsets.buffer,
    ]);
  }

  #onResult(pw: PoolWorker, result: VerifyResult | ParseVerifyResult): void {
    const job = pw.jobs.get(result.id);
    if (!job) return;
    pw.jobs.delete(result.id);
    this.#metrics?.jobsInFlight.dec();
    this.#metrics?.jobSeconds.observe((performance.now() - job.startedMs) / 1000);
    if (result.type === "error") {
      this.#retryOrFail(job, result.message);
    } else if (result.type === "parsed") {
      if (job.kind === "parse") {
        let valid = 0;
        let invalid = 0;
        for (const item of result.items) {
          if (item.ok && item.signatureValid) valid++;
          else if (item.ok) invalid++;
        }
        this.#metrics?.signatures.inc({ result: "valid" }, valid);
        this.#metrics?.signatures.inc({ result: "invalid" }, invalid);
        job.resolve(result.items);
      }
    } else if (job.kind === "verify") {
      let valid = 0;
      job.slots.forEach((slot, i) => {
        const ok = result.valid[i] === 1 && slot.call.items[slot.index]!.signature.length === 64;
        if (ok) valid++;
        this.#settleSlot(slot, ok);
      });
      this.#metrics?.signatures.inc({ result: "valid" }, valid);
      this.#metrics?.signatures.inc({ result: "invalid" }, job.slots.length - valid);
    }
    this.#dispatch();
  }

  #onWorkerCrash(pw: PoolWorker): void {
    if (this.#closed) return;
    pw.worker.terminate();
    const i = this.#workers.indexOf(pw);
    const fresh = this.#spawn();
    if (i >= 0) this.#workers[i] = fresh;
    this.#metrics?.workerRestarts.inc();
    for (const job of pw.jobs.values()) {
      this.#metrics?.jobsInFlight.dec();
      this.#retryOrFail(job, "verify worker crashed");
    }
    pw.jobs.clear();
    this.#dispatch();
  }

  #retryOrFail(job: Job, reason: string): void {
    if (job.attempts < this.maxAttempts) this.#retry.push(job);
    else {
      this.#failJob(
        job,
        new VerifyPoolError(
          "WORKER_FAILED",
          `Verify job failed ${job.attempts} times: ${reason}`,
        ),
      );
    }
  }

  #settleSlot(slot: Slot, ok: boolean): void {
    const call = slot.call;
    if (call.failed) return;
    call.results[slot.index] = ok;
    if (--call.remaining === 0) call.resolve(call.results);
  }

  #failJob(job: Job, error: Error): void {
    if (job.kind === "parse") job.reject(error);
    else for (const slot of job.slots) this.#failSlot(slot, error);
  }

  #failSlot(slot: Slot, error: Error): void {
    if (slot.call.failed) return;
    slot.call.failed = true;
    slot.call.reject(error);
  }
}
