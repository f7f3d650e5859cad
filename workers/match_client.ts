/**
 * Two matchers behind one interface: {@link WorkerMatcher} (a Web Worker,
 * request/response by id with timeouts) and {@link InlineMatcher} (same
 * thread, for tests and small nodes). Both run the same `MatchSession` and
 * send the same packed messages (match_codec.ts).
 */
import type {
  GridFlowSnapshot,
  GridTopology,
  MarketOp,
  MatchContext,
  MatchResult,
  Order,
} from "../node/market/mod.ts";
import {
  getRequestTransferables,
  getResponseTransferables,
  MatchSession,
  type MatchWorkerRequest,
  type MatchWorkerResponse,
} from "./match_protocol.ts";
import { decodeResult, encodeOps, encodeOrders } from "./match_codec.ts";

/**
 * Error of a matcher client: `TIMEOUT`, `CLOSED`, `NOT_LOADED`, `INTERNAL`,
 * a rollback refusal (`NO_JOURNAL`, `NOT_REVERSIBLE`, `ROLLBACK_MISMATCH`)
 * or a market code.
 */
export class MatcherError extends Error {
  override readonly name = "MatcherError";
  /** @param code stable code */
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** A matcher keeping its own book replica. */
export interface Matcher {
  /** Replace the replica (resting orders and the current interval's flows). Resolves to the order count. */
  load(
    topology: GridTopology,
    orders: Iterable<Order>,
    gridFlows?: GridFlowSnapshot | null,
  ): Promise<number>;
  /** Match one block on the replica (see `matchBlock`). */
  match(ops: MarketOp[], ctx: MatchContext): Promise<MatchResult>;
  /**
   * Undo the last `match` (which must be the last request that changed the
   * replica): the replica goes back to that block's parent. Resolves to the
   * order count; rejects (`NO_JOURNAL`, `NOT_REVERSIBLE`, ...) when it
   * cannot, and the replica must then be reloaded.
   */
  rollback(): Promise<number>;
  /** Drop the replica. */
  reset(): Promise<void>;
  /** Release resources; pending requests reject with `CLOSED`. */
  close(): void;
}

type Body<T> = T extends unknown ? Omit<T, "id"> : never;

function unwrap(res: MatchWorkerResponse): MatchWorkerResponse {
  if (res.type === "error") throw new MatcherError(res.code, res.message);
  return res;
}

/**
 * The requests both matchers send: ids, the id of the last match (the one
 * `rollback` undoes), and the packed messages. A subclass delivers a request.
 */
abstract class RequestMatcher implements Matcher {
  #id = 0;
  #lastMatchId = 0;

  /** Delivers one request; resolves to its (non-error) response. */
  protected abstract send(req: MatchWorkerRequest): Promise<MatchWorkerResponse>;

  abstract close(): void;

  #call(body: Body<MatchWorkerRequest>): Promise<MatchWorkerResponse> {
    const id = ++this.#id;
    if (body.type === "match") this.#lastMatchId = id;
    return this.send({ ...body, id } as MatchWorkerRequest);
  }

  /** @inheritdoc */
  async load(
    topology: GridTopology,
    orders: Iterable<Order>,
    gridFlows: GridFlowSnapshot | null = null,
  ) {
    const r = await this.#call({ type: "load", topology, orders: encodeOrders(orders), gridFlows });
    return r.type === "loaded" ? r.orders : 0;
  }

  /** @inheritdoc */
  async match(ops: MarketOp[], ctx: MatchContext): Promise<MatchResult> {
    const r = await this.#call({ type: "match", ops: encodeOps(ops), ctx });
    if (r.type !== "matched") throw new MatcherError("INTERNAL", `Unexpected ${r.type}`);
    return decodeResult(r.result);
  }

  /** @inheritdoc */
  async rollback(): Promise<number> {
    const r = await this.#call({ type: "rollback", matchId: this.#lastMatchId });
    if (r.type !== "rolledBack") throw new MatcherError("INTERNAL", `Unexpected ${r.type}`);
    return r.orders;
  }

  /** @inheritdoc */
  async reset(): Promise<void> {
    await this.#call({ type: "reset" });
  }
}

/** Same-thread matcher. */
export class InlineMatcher extends RequestMatcher {
  #session = new MatchSession();

  protected send(req: MatchWorkerRequest): Promise<MatchWorkerResponse> {
    // Structured clone (and transfer) both ways, so callers see exactly what a worker would give.
    return Promise.resolve().then(() => {
      const res = this.#session.handle(
        structuredClone(req, { transfer: getRequestTransferables(req) }),
      );
      return unwrap(structuredClone(res, { transfer: getResponseTransferables(res) }));
    });
  }

  /** @inheritdoc */
  close(): void {}
}

/** Matcher running in a dedicated Web Worker. */
export class WorkerMatcher extends RequestMatcher {
  readonly #worker: Worker;
  readonly #timeoutMs: number;
  readonly #pending = new Map<
    number,
    {
      resolve: (r: MatchWorkerResponse) => void;
      reject: (e: Error) => void;
      timer: ReturnType<typeof setTimeout>;
    }
  >();
  #closed = false;

  /** @param opts.timeoutMs per-request timeout (default 10 s); on timeout the replica must be reloaded. */
  constructor(opts: { timeoutMs?: number } = {}) {
    super();
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#worker = new Worker(new URL("./match_worker.ts", import.meta.url).href, {
      type: "module",
    });
    this.#worker.onmessage = (e: MessageEvent<MatchWorkerResponse>) => {
      const p = this.#pending.get(e.data.id);
      if (!p) return;
      this.#pending.delete(e.data.id);
      clearTimeout(p.timer);
      try {
        p.resolve(unwrap(e.data));
      } catch (err) {
        p.reject(err as Error);
      }
    };
    this.#worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.#failAll(new MatcherError("INTERNAL", `Match worker failed: ${e.message}`));
    };
  }

  #failAll(err: Error): void {
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.#pending.clear();
  }

  protected send(req: MatchWorkerRequest): Promise<MatchWorkerResponse> {
    if (this.#closed) return Promise.reject(new MatcherError("CLOSED", "Matcher is closed"));
    const id = req.id;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new MatcherError("TIMEOUT", `Match worker gave no answer in ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.#worker.postMessage(req, getRequestTransferables(req));
    });
  }

  /** @inheritdoc */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#failAll(new MatcherError("CLOSED", "Matcher is closed"));
    this.#worker.terminate();
  }
}
