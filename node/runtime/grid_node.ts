/**
 * A running GridTokenX node: committed state in memory, the chain in Deno KV,
 * the mempool, and the block producer of a single-validator chain. Adapters
 * (REST API, console, p2p) call its methods; it knows nothing of HTTP.
 */
import {
  type Block,
  type BlockHeader,
  computeBlockHash,
  computeBlockSigningBytes,
} from "../chain/block.ts";
import { buildBlock } from "../chain/build_block.ts";
import { applyTransaction, computeBlockContext } from "../chain/transition.ts";
import { ChainError } from "../chain/errors.ts";
import {
  type Account,
  getAccount,
  MemoryState,
  StateOverlay,
  stateKey,
  type Validator,
} from "../chain/state.ts";
import { parseTransaction, toSignedTxJson, type Tx } from "../chain/transaction.ts";
import type { NodeConfig } from "../config/node_config.ts";
import { InlineVerifier, type SignatureVerifier } from "../crypto/ed25519.ts";
import { toHex } from "../crypto/hex.ts";
import type { Logger } from "../log/logger.ts";
import { Mempool } from "../mempool/mempool.ts";
import { createChainMetrics } from "../metrics/chain_metrics.ts";
import { createMarketMetrics } from "../metrics/market_metrics.ts";
import { createRegistry, type Registry } from "../metrics/registry.ts";
import { ChainStore } from "../storage/chain_store.ts";
import { initChain } from "./init_chain.ts";
import { MarketRuntime } from "./market_runtime.ts";
import "./modules.ts";
import type { Wallet } from "./wallet.ts";

export const NODE_VERSION = "0.1.0";

export type TxStatus =
  | { id: string; status: "pending" }
  | { id: string; status: "committed"; height: number; index: number; blockHash: string }
  | { id: string; status: "rejected"; code: string; reason: string };

export interface BlockEventDetail {
  block: Block;
  hash: string;
}

export interface NodeOptions {
  verifier?: SignatureVerifier;
  registry?: Registry;
}

/** Bound on remembered rejections (for GET /transactions/{id}). */
const MAX_REMEMBERED_REJECTIONS = 100_000;

export class GridNode {
  readonly events = new EventTarget();
  readonly registry: Registry;
  readonly metrics;
  readonly mempool: Mempool;
  readonly market: MarketRuntime;
  readonly startedAtMs = Date.now();
  private readonly rejections = new Map<string, { code: string; reason: string }>();
  private stopping = false;
  private producerTimer: ReturnType<typeof setTimeout> | undefined;
  private producing: Promise<void> = Promise.resolve();
  /** Set when a storage commit failed: the node stops producing. */
  fault: Error | null = null;

  private constructor(
    readonly config: NodeConfig,
    readonly log: Logger,
    readonly store: ChainStore,
    readonly state: MemoryState,
    public head: { header: BlockHeader; hash: string },
    readonly wallet: Wallet,
    readonly verifier: SignatureVerifier,
    registry: Registry,
    readonly genesisHash: string,
  ) {
    this.registry = registry;
    this.metrics = createChainMetrics(registry);
    this.mempool = new Mempool({ maxTransactions: config.consensus.mempool_max_transactions });
    this.market = new MarketRuntime(state, {
      useWorker: true,
      metrics: createMarketMetrics(registry),
    });
    this.metrics.height.set(head.header.height);
  }

  /** Initialises the data directory if needed, recovers and loads the chain. Does not produce yet. */
  static async open(config: NodeConfig, log: Logger, opts: NodeOptions = {}): Promise<GridNode> {
    const { validator, genesisHash } = await initChain(config, log);
    const store = await ChainStore.open(config.storage.kv_path);
    try {
      const redone = await store.recover();
      if (redone.length > 0) log.info("storage.recovered", { heights: redone.join(",") });
      const head = await store.getHead();
      const rec = head && await store.getBlockRecord(head.height);
      if (!head || !rec) throw new Error(`No chain in ${config.storage.kv_path}`);
      const state = new MemoryState(await store.loadState());
      log.info("chain.loaded", {
        height: head.height,
        head: head.hash,
        entries: state.entries.size,
      });
      return new GridNode(
        config,
        log,
        store,
        state,
        { header: rec.header, hash: rec.hash },
        validator,
        opts.verifier ?? new InlineVerifier(),
        opts.registry ?? createRegistry(),
        genesisHash,
      );
    } catch (e) {
      store.close();
      throw e;
    }
  }

  /** This node's validators (from chain state). */
  getValidators(): Validator[] {
    return (this.state.get(stateKey.validators()) as Validator[] | undefined) ?? [];
  }

  isValidator(): boolean {
    return this.getValidators().some((v) => v.publicKey === this.wallet.publicKeyHex);
  }

  /** Starts producing blocks every `block_time_ms` (when this node is the validator). */
  startProducing(): void {
    if (!this.isValidator()) {
      this.log.info("producer.disabled", { reason: "this node's key is not a genesis validator" });
      return;
    }
    this.scheduleNextBlock();
  }

  private scheduleNextBlock(): void {
    if (this.stopping || this.fault) return;
    const due = this.head.header.timestampMs + this.config.consensus.block_time_ms;
    const wait = Math.max(0, due - Date.now());
    this.producerTimer = setTimeout(() => {
      this.producing = this.produceBlock()
        .catch((e) => this.log.error("block.produce_failed", { error: String(e) }))
        .finally(() => this.scheduleNextBlock());
    }, wait);
  }

  /** Builds, signs, commits and applies the next block. */
  async produceBlock(): Promise<void> {
    const parent = this.head.header;
    const timestampMs = Math.max(Date.now(), parent.timestampMs + 1);
    for (const tx of this.mempool.pruneExpired(timestampMs)) {
      this.recordRejection(tx.id, "EXPIRED", `Transaction expired at ${tx.body.expiresAtMs}`);
    }
    const buildTimer = this.metrics.blockBuildSeconds.startTimer();
    const nonceOf = (sender: string) => getAccount(this.state, sender).nonce;
    const params = this.state.get(stateKey.params()) as {
      consensus: { maxBlockTransactions: number };
    };
    const candidates = this.mempool.selectForBlock(params.consensus.maxBlockTransactions, nonceOf);
    const market = await this.market.serviceFor(this.head.hash);
    let built;
    try {
      built = await buildBlock(this.state, parent, candidates, {
        timestampMs,
        proposer: this.wallet.publicKeyHex,
      }, { market });
    } catch (e) {
      this.market.discarded();
      throw e;
    }
    const hash = computeBlockHash(built.header);
    const block: Block = {
      header: built.header,
      txs: built.included.map(toSignedTxJson),
      signature: toHex(this.wallet.sign(computeBlockSigningBytes(built.header))),
    };
    buildTimer();
    const commitTimer = this.metrics.blockCommitSeconds.startTimer();
    try {
      await this.store.commitBlock({
        block,
        hash,
        txIds: built.included.map((t) => t.id),
        changes: built.changes,
      });
    } catch (e) {
      this.market.discarded();
      this.fault = e as Error;
      this.log.error("storage.commit_failed", {
        height: built.header.height,
        error: (e as Error).message,
        action: "block production stopped; restart the node when storage is healthy",
      });
      return;
    }
    commitTimer();
    this.state.apply(built.changes);
    this.market.committed(hash, built.changes);
    this.head = { header: built.header, hash };
    const touched = new Set<string>();
    for (const tx of built.included) {
      this.mempool.remove(tx.id);
      touched.add(tx.sender);
    }
    for (const { tx, error } of built.rejected) {
      this.mempool.remove(tx.id);
      this.recordRejection(tx.id, error.code, error.message);
      touched.add(tx.sender);
    }
    this.mempool.prune(touched, nonceOf);
    this.metrics.height.set(built.header.height);
    this.metrics.consensusRounds.inc();
    this.metrics.txCommitted.inc(built.included.length);
    this.metrics.mempoolSize.set(this.mempool.size);
    this.log.info("block.committed", {
      height: built.header.height,
      hash,
      txs: built.included.length,
      rejected: built.rejected.length,
    });
    this.events.dispatchEvent(
      new CustomEvent<BlockEventDetail>("block", { detail: { block, hash } }),
    );
  }

  private recordRejection(id: string, code: string, reason: string): void {
    if (this.rejections.size >= MAX_REMEMBERED_REJECTIONS) {
      const oldest = this.rejections.keys().next().value;
      if (oldest !== undefined) this.rejections.delete(oldest);
    }
    this.rejections.set(id, { code, reason });
    this.metrics.txRejected.inc({ code });
  }

  /**
   * Admission of a signed transaction (wire form): shape, duplicate, signature,
   * network, expiry, fee, nonce, balance. Throws ChainError with the reason.
   */
  async submitTransaction(input: unknown): Promise<{ id: string; status: "pending" }> {
    const tx = parseTransaction(input);
    return await this.admit(tx);
  }

  async admit(tx: Tx): Promise<{ id: string; status: "pending" }> {
    const [result] = await this.admitBatch([tx]);
    if (result instanceof Error) throw result;
    return result!;
  }

  /**
   * Admits many parsed transactions: cheap checks first, then one batched
   * signature verification, then mempool admission in order. Returns, per
   * item, the pending status or the ChainError that rejected it.
   */
  async admitBatch(
    txs: readonly Tx[],
  ): Promise<({ id: string; status: "pending" } | ChainError)[]> {
    const results: ({ id: string; status: "pending" } | ChainError)[] = new Array(txs.length);
    const toVerify: number[] = [];
    const params = this.getParams();
    const networkId = this.head.header.networkId;
    const now = Date.now();
    const seen = new Set<string>();
    txs.forEach((tx, i) => {
      const body = tx.body;
      if (this.mempool.has(tx.id) || seen.has(tx.id)) {
        results[i] = new ChainError("DUPLICATE_TX", `Transaction ${tx.id} is already pending`);
      } else if (body.networkId !== networkId) {
        results[i] = new ChainError(
          "WRONG_NETWORK",
          `Transaction is for network ${body.networkId}, this node is on network ${networkId}`,
          "body.networkId",
        );
      } else if (body.feeSatang < params.fees.minTxFeeSatang) {
        results[i] = new ChainError(
          "FEE_TOO_LOW",
          `Fee ${body.feeSatang} satang is below the minimum ${params.fees.minTxFeeSatang}`,
          "body.feeSatang",
        );
      } else if (body.expiresAtMs < now) {
        results[i] = new ChainError(
          "EXPIRED",
          `Transaction expired at ${body.expiresAtMs}`,
          "body.expiresAtMs",
        );
      } else {
        seen.add(tx.id);
        toVerify.push(i);
      }
    });
    const verdicts = toVerify.length === 0 ? [] : await this.verifier.verifyBatch(
      toVerify.map((i) => ({
        publicKey: txs[i]!.publicKey,
        message: txs[i]!.signedBytes,
        signature: txs[i]!.signature,
      })),
    );
    toVerify.forEach((i, k) => {
      const tx = txs[i]!;
      const ok = verdicts[k] === true;
      this.metrics.txVerified.inc({ result: ok ? "valid" : "invalid" });
      if (!ok) {
        results[i] = new ChainError(
          "BAD_SIGNATURE",
          "Signature does not verify for body.from",
          "signature",
        );
        return;
      }
      try {
        const account = getAccount(this.state, tx.sender);
        if (tx.body.kind !== "transfer" && tx.body.nonce === account.nonce) this.dryRun(tx);
        this.mempool.add(tx, { nonce: account.nonce, balanceSatang: account.balanceSatang });
        results[i] = { id: tx.id, status: "pending" };
      } catch (e) {
        if (!(e instanceof ChainError)) throw e;
        results[i] = e;
      }
    });
    this.metrics.mempoolSize.set(this.mempool.size);
    return results;
  }

  /**
   * Applies a transaction to a throw-away overlay of the committed state, so
   * that an order, vote or authority action that cannot apply (unregistered
   * trader, unknown location, missing energy ...) is refused at submission
   * with its reason instead of being dropped at block building. Skipped for
   * transfers (the hot path; the mempool checks their balance).
   */
  private dryRun(tx: Tx): void {
    const ctx = computeBlockContext(this.state, {
      networkId: this.head.header.networkId,
      height: this.head.header.height + 1,
      timestampMs: Math.max(Date.now(), this.head.header.timestampMs + 1),
      proposer: this.wallet.publicKeyHex,
    });
    applyTransaction(new StateOverlay(this.state), tx, ctx);
  }

  getParams() {
    return this.state.get(stateKey.params()) as import("../chain/params.ts").ChainParams;
  }

  getAccount(address: string): Account {
    return getAccount(this.state, address);
  }

  async getTransactionStatus(id: string): Promise<TxStatus | null> {
    if (this.mempool.has(id)) return { id, status: "pending" };
    const loc = await this.store.getTxLocation(id);
    if (loc !== null) {
      const rec = await this.store.getBlockRecord(loc[0]);
      return { id, status: "committed", height: loc[0], index: loc[1], blockHash: rec?.hash ?? "" };
    }
    const rejected = this.rejections.get(id);
    if (rejected) return { id, status: "rejected", code: rejected.code, reason: rejected.reason };
    return null;
  }

  status() {
    return {
      node_id: this.config.node.node_id,
      network_id: this.head.header.networkId,
      network_name: this.config.network.network_name,
      node_type: this.config.node.node_type,
      role: this.isValidator() ? "validator" : this.config.node.node_type,
      version: NODE_VERSION,
      height: this.head.header.height,
      head_hash: this.head.hash,
      head_timestamp_ms: this.head.header.timestampMs,
      state_root: this.head.header.stateRoot,
      genesis_hash: this.genesisHash,
      peers: 0,
      mempool_size: this.mempool.size,
      block_time_ms: this.config.consensus.block_time_ms,
      validator_address: this.wallet.address,
      producing: this.fault === null && this.isValidator(),
      fault: this.fault?.message ?? null,
      uptime_ms: Date.now() - this.startedAtMs,
    };
  }

  /** Stops producing after the current commit finishes, then closes storage. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.producerTimer);
    await this.producing;
    this.verifier.close?.();
    this.market.close();
    this.store.close();
    this.log.info("node.stopped", { height: this.head.header.height });
  }
}
