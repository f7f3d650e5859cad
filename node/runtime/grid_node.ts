/**
 * A running GridTokenX node: committed state in memory, the chain in Deno KV,
 * the mempool, and the block producer of a single-validator chain. Adapters
 * (REST API, console, p2p) call its methods; it knows nothing of HTTP.
 */
import type { Block, BlockHeader } from "../chain/block.ts";
import { applyTransaction, computeBlockContext } from "../chain/transition.ts";
import { ChainError } from "../chain/errors.ts";
import {
  type Account,
  getAccount,
  MemoryState,
  type StateChange,
  stateKey,
  StateOverlay,
  TRADE_KEY_PREFIX,
  type Validator,
} from "../chain/state.ts";
import { parseTransaction, signTransaction, type Tx, type TxBody } from "../chain/transaction.ts";
import type { ChainParams } from "../chain/params.ts";
import { computeNextPowState, type PowState } from "../consensus/pow.ts";
import { computeValidatorSet, type ValidatorSet } from "../consensus/validator_set.ts";
import type { Commit, DuplicateVoteEvidence } from "../consensus/votes.ts";
import type { NodeConfig } from "../config/node_config.ts";
import { InlineVerifier, type SignatureVerifier } from "../crypto/ed25519.ts";
import type { Logger } from "../log/logger.ts";
import { Mempool } from "../mempool/mempool.ts";
import { createChainMetrics } from "../metrics/chain_metrics.ts";
import { createMarketMetrics } from "../metrics/market_metrics.ts";
import { createRegistry, type Registry } from "../metrics/registry.ts";
import { ChainStore } from "../storage/chain_store.ts";
import { computePowStateAtBoot } from "../storage/pow_state_record.ts";
import { MinePool, type Miner } from "../../workers/mine_pool.ts";
import {
  buildProposalBlock,
  type PipelineContext,
  type PreparedBlock,
  validateBlock,
  validateFinalizedBlock,
} from "./block_pipeline.ts";
import { ConsensusDriver } from "./consensus_driver.ts";
import { HeapCollector } from "./heap_collector.ts";
import { initChain } from "./init_chain.ts";
import { MarketRuntime } from "./market_runtime.ts";
import { computeGridStatusView } from "./market_views.ts";
import "./modules.ts";
import type { Wallet } from "./wallet.ts";
import { trimOldest } from "../util/trim_oldest.ts";

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

/** How often a node whose storage failed tries to resume. */
export const FAULT_RETRY_MS = 5_000;

/** Lifetime of an evidence transaction this node submits. */
/** Validity of transactions the node signs itself (evidence, node-wallet orders, console actions). */
const LOCAL_TX_LIFETIME_MS = 10 * 60_000;

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
  /** Difficulty state of proof of work after the head (a fold over the headers). */
  powState: PowState;
  /** Consensus and network; null until `start`. */
  driver: ConsensusDriver | null = null;
  /** The running `start` (a stop waits for it, so a driver never starts after it). */
  private starting: Promise<void> | null = null;
  private stopRequested = false;
  /** Called with transactions admitted locally (not from the network): the p2p relay. */
  onAdmitted: ((txs: readonly Tx[]) => void) | null = null;
  private miner: Miner | null = null;
  /** Hash of the last block built or checked (the market replica is advanced to it). */
  private lastPrepared: string | null = null;
  /** Set when a storage commit failed: the node stops producing. */
  fault: Error | null = null;
  /** Full collections of this isolate when its garbage grew (heap_collector.ts). */
  readonly heapCollector = new HeapCollector();

  private constructor(
    readonly config: NodeConfig,
    readonly log: Logger,
    public store: ChainStore,
    readonly state: MemoryState,
    public head: { header: BlockHeader; hash: string },
    readonly wallet: Wallet,
    readonly verifier: SignatureVerifier,
    registry: Registry,
    readonly genesisHash: string,
    powState: PowState,
  ) {
    this.powState = powState;
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
      const powState = await computePowStateOfChain(store, head.height, state);
      const node = new GridNode(
        config,
        log,
        store,
        state,
        { header: rec.header, hash: rec.hash },
        validator,
        opts.verifier ?? new InlineVerifier(),
        opts.registry ?? createRegistry(),
        genesisHash,
        powState,
      );
      // The state load's garbage goes now, and the pages it took go back to the system.
      const collected = node.heapCollector.afterStateLoad();
      log.info("chain.loaded", {
        height: head.height,
        head: head.hash,
        entries: state.entries.size,
        ...(collected === null ? {} : {
          heap_mib: Math.round(collected.afterBytes / 1048576),
          gc_ms: Math.round(collected.durationMs),
        }),
      });
      return node;
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

  /** The voters of the next height (validators by stake, authorities by weight). */
  getValidatorSet(): ValidatorSet {
    return computeValidatorSet(this.state);
  }

  /** `validator` or `authority` when this node's key votes, otherwise the configured node type. */
  getRole(): string {
    const set = this.getValidatorSet();
    const me = this.wallet.publicKeyHex;
    if (set.isValidator(me)) return "validator";
    if (set.isVoter(me)) return "authority";
    return this.config.node.node_type;
  }

  /** What the block pipeline reads (a live view of this node). */
  get pipeline(): PipelineContext {
    // deno-lint-ignore no-this-alias
    const node = this;
    return {
      state: node.state,
      get head() {
        return node.head;
      },
      get powState() {
        return node.powState;
      },
      wallet: node.wallet,
      verifier: node.verifier,
      market: node.market,
      mempool: node.mempool,
      getMiner: () => node.miner ??= new MinePool(),
    };
  }

  /**
   * Starts consensus (and the p2p network when `[p2p] enabled`): the node
   * proposes when it is the round's proposer, votes when its key is a voter,
   * and follows the chain otherwise.
   */
  start(): Promise<void> {
    this.starting ??= (async () => {
      const driver = await ConsensusDriver.create(this);
      // A stop (SIGTERM right after the API listens) came while the driver was being made:
      // it never starts (its network only unhooks from the node).
      if (this.stopRequested) return await driver.stop();
      this.driver = driver;
      await driver.start();
    })();
    return this.starting;
  }

  /** Builds the block this node proposes at the head (sealed and signed). */
  async buildProposal(signal?: AbortSignal): Promise<PreparedBlock | null> {
    const parent = this.head.header;
    const timestampMs = Math.max(Date.now(), parent.timestampMs + 1);
    for (const tx of this.mempool.pruneExpired(timestampMs)) {
      this.recordRejection(tx.id, "EXPIRED", `Transaction expired at ${tx.body.expiresAtMs}`);
    }
    const end = this.metrics.blockBuildSeconds.startTimer();
    try {
      const p = await buildProposalBlock(this.pipeline, timestampMs, signal);
      if (p !== null) this.lastPrepared = p.hash;
      return p;
    } catch (e) {
      this.market.discarded();
      throw e;
    } finally {
      end();
    }
  }

  /** Validates a proposed block on the head (with the local clock check). */
  async validateProposal(block: Block): Promise<PreparedBlock> {
    const p = await validateBlock(this.pipeline, block, { nowMs: Date.now() });
    this.lastPrepared = p.hash;
    return p;
  }

  /** Validates a finalized block with its commit (sync). */
  async validateFinalized(block: Block, commit: Commit | null): Promise<PreparedBlock> {
    const p = await validateFinalizedBlock(this.pipeline, block, commit);
    this.lastPrepared = p.hash;
    return p;
  }

  /**
   * Stores a finalized block with its commit, applies it to the state, the
   * market replica and the mempool. Returns false (and sets `fault`) if
   * storage failed; the block is then not applied.
   */
  async commitPrepared(p: PreparedBlock, commit: Commit | null): Promise<boolean> {
    const header = p.block.header;
    if (header.height !== this.head.header.height + 1 || p.parentHash !== this.head.hash) {
      return header.height <= this.head.header.height;
    }
    // The replica was advanced by the last block built or checked; if that
    // was another block, it is not at this one.
    if (this.lastPrepared !== p.hash) this.market.discarded();
    const commitTimer = this.metrics.blockCommitSeconds.startTimer();
    try {
      await this.store.commitBlock({
        block: p.block,
        hash: p.hash,
        txIds: p.txs.map((t) => t.id),
        changes: p.changes,
        ...(commit === null ? {} : { commit }),
        // Step 3 (state copy) runs in the background; stop() drains it (issue 8).
        deferApply: true,
      });
    } catch (e) {
      this.market.discarded();
      this.fault = e as Error;
      this.log.error("storage.commit_failed", {
        height: header.height,
        error: (e as Error).message,
        action: `block production paused; retrying every ${FAULT_RETRY_MS / 1000} s`,
      });
      return false;
    }
    commitTimer();
    this.state.apply(p.changes);
    this.market.committed(p.hash, p.changes);
    this.lastPrepared = null;
    this.head = { header, hash: p.hash };
    this.powState = computeNextPowState(this.powState, header, this.getParams());
    const nonceOf = (sender: string) => getAccount(this.state, sender).nonce;
    const touched = new Set<string>();
    for (const tx of p.txs) {
      this.mempool.remove(tx.id);
      touched.add(tx.sender);
    }
    for (const { tx, error } of p.rejected) {
      this.mempool.remove(tx.id);
      this.recordRejection(tx.id, error.code, error.message);
      touched.add(tx.sender);
    }
    this.mempool.prune(touched, nonceOf);
    this.metrics.height.set(header.height);
    this.metrics.txCommitted.inc(p.txs.length);
    this.metrics.mempoolSize.set(this.mempool.size);
    this.log.info("block.committed", {
      height: header.height,
      hash: p.hash,
      txs: p.txs.length,
      rejected: p.rejected.length,
      round: commit?.round ?? 0,
    });
    this.events.dispatchEvent(
      new CustomEvent<BlockEventDetail>("block", { detail: { block: p.block, hash: p.hash } }),
    );
    this.dispatchMarketEvents(p.changes);
    const collected = this.heapCollector.afterBlock();
    if (collected !== null) {
      this.log.debug("heap.collected", {
        height: header.height,
        before_mib: Math.round(collected.beforeBytes / 1048576),
        after_mib: Math.round(collected.afterBytes / 1048576),
        ms: Math.round(collected.durationMs),
      });
    }
    return true;
  }

  /**
   * After a failed commit (disk full, KV error): reopens the store, finishes
   * an interrupted commit from the redo log, reloads the committed state if
   * the failed block did become committed. Stays faulted while storage keeps
   * failing; the consensus driver retries every FAULT_RETRY_MS.
   */
  async recoverFromFault(): Promise<void> {
    let store: ChainStore | null = null;
    try {
      try {
        this.store.close();
      } catch { /* already closed */ }
      store = await ChainStore.open(this.config.storage.kv_path);
      await store.recover();
      const head = await store.getHead();
      const rec = head && await store.getBlockRecord(head.height);
      if (!head || !rec) throw new Error("the store has no head block");
      if (head.hash !== this.head.hash) {
        this.state.entries.clear();
        for (const [k, v] of await store.loadState()) this.state.entries.set(k, v);
        this.head = { header: rec.header, hash: rec.hash };
        this.powState = computeNextPowState(this.powState, rec.header, this.getParams());
        this.market.rebuild();
      }
      this.store = store;
      this.fault = null;
      this.log.info("storage.resumed", { height: this.head.header.height });
    } catch (e) {
      try {
        store?.close();
      } catch { /* ignore */ }
      this.log.warn("storage.still_failing", {
        error: (e as Error).message,
        retry_ms: FAULT_RETRY_MS,
      });
    }
  }

  /** Submits (and gossips) an `evidence` transaction signed by this node's key. */
  async submitEvidence(evidence: DuplicateVoteEvidence): Promise<string> {
    return (await this.signAndAdmit(this.wallet, "evidence", evidence)).id;
  }

  /**
   * Signs a transaction with a key this node holds (its own wallet, or an
   * authority keystore it holds) at the sender's next free nonce, valid for
   * ten minutes, and admits it. Throws ChainError like `admit`.
   */
  async signAndAdmit(
    wallet: Wallet,
    kind: TxBody["kind"],
    payload: unknown,
    feeSatang: number = this.getParams().fees.minTxFeeSatang,
  ): Promise<{ id: string; status: "pending" }> {
    const account = getAccount(this.state, wallet.address);
    const tx = signTransaction({
      kind,
      networkId: this.head.header.networkId,
      from: wallet.publicKeyHex,
      nonce: this.mempool.nextNonce(wallet.address, account.nonce),
      feeSatang,
      expiresAtMs: Date.now() + LOCAL_TX_LIFETIME_MS,
      payload,
    } as TxBody, wallet.sign);
    return await this.admit(tx);
  }

  /**
   * Events for the console's live views: "trade" per new trade, "grid" when
   * flows or emergencies changed, "proposal" with the ids of proposals whose
   * record or votes changed.
   */
  private dispatchMarketEvents(changes: readonly StateChange[]): void {
    let gridChanged = false;
    const proposals = new Set<number>();
    for (const [key, value] of changes) {
      if (key.startsWith(TRADE_KEY_PREFIX) && value !== null) {
        this.events.dispatchEvent(new CustomEvent("trade", { detail: value }));
      } else if (key === stateKey.gridFlows() || key === stateKey.gridEmergencies()) {
        gridChanged = true;
      } else if (key.startsWith("gov/proposal/") || key.startsWith("gov/votes/")) {
        proposals.add(Number(key.slice(key.lastIndexOf("/") + 1)));
      }
    }
    if (proposals.size > 0) {
      this.events.dispatchEvent(
        new CustomEvent("proposal", { detail: { ids: [...proposals].sort((a, b) => a - b) } }),
      );
    }
    if (gridChanged) {
      this.events.dispatchEvent(new CustomEvent("grid", { detail: computeGridStatusView(this) }));
    }
  }

  private recordRejection(id: string, code: string, reason: string): void {
    this.rejections.set(id, { code, reason });
    trimOldest(this.rejections, MAX_REMEMBERED_REJECTIONS);
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
    opts: {
      fromNetwork?: boolean;
      /** Signatures already verified by the verify pool (batch endpoint, workers/verify_pool.ts). */
      signaturesVerified?: boolean;
    } = {},
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
    const verdicts = opts.signaturesVerified
      ? toVerify.map(() => true)
      : toVerify.length === 0
      ? []
      : await this.verifier.verifyBatch(
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
    if (!opts.fromNetwork && this.onAdmitted !== null) {
      const admitted = txs.filter((_, i) => !(results[i] instanceof Error));
      if (admitted.length > 0) this.onAdmitted(admitted);
    }
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
    return this.state.get(stateKey.params()) as ChainParams;
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
    const set = this.getValidatorSet();
    const consensus = this.driver?.engineStatus() ?? null;
    return {
      node_id: this.config.node.node_id,
      network_id: this.head.header.networkId,
      network_name: this.config.network.network_name,
      node_type: this.config.node.node_type,
      role: this.getRole(),
      version: NODE_VERSION,
      height: this.head.header.height,
      head_hash: this.head.hash,
      head_timestamp_ms: this.head.header.timestampMs,
      state_root: this.head.header.stateRoot,
      genesis_hash: this.genesisHash,
      peers: this.driver?.peerCount() ?? 0,
      peer_id: this.driver?.peerId() ?? null,
      /** This node's clock minus its peers' in ms (null before any peer gossip is heard). */
      clock_offset_ms: this.driver?.clockOffset()?.offsetMs ?? null,
      mempool_size: this.mempool.size,
      block_time_ms: this.config.consensus.block_time_ms,
      validator_address: this.wallet.address,
      producing: this.fault === null && set.isVoter(this.wallet.publicKeyHex),
      fault: this.fault?.message ?? null,
      uptime_ms: Date.now() - this.startedAtMs,
      consensus: consensus === null ? null : {
        height: consensus.height,
        round: consensus.round,
        step: consensus.step,
        locked_block_hash: consensus.lockedBlockHash,
        pow_difficulty_bits: this.powState.difficultyBits,
      },
      validators: set.validators.map((v) => ({
        address: v.address,
        public_key: v.publicKey,
        power: v.power,
      })),
      authorities: set.authorities.map((a) => ({
        name: a.name,
        address: a.address,
        power: a.power,
      })),
      total_voting_power: set.totalPower,
    };
  }

  /** Stops consensus and the network after the current commit, then closes storage. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    // Its failure is reported to start's caller; the stop goes on.
    await this.starting?.catch(() => {});
    await this.driver?.stop();
    this.miner?.close();
    this.verifier.close?.();
    this.market.close();
    // Finish the background step 3 of the last blocks (a failure is redone by recover()).
    await this.store.drain().catch(() => {});
    this.store.close();
    this.log.info("node.stopped", { height: this.head.header.height });
  }
}

/**
 * The PoW state after block `height`: the record persisted with the head,
 * folded forward over any headers after it; a full fold over the stored
 * headers for stores without one (pow_state_record.ts).
 */
async function computePowStateOfChain(
  store: ChainStore,
  height: number,
  state: MemoryState,
): Promise<PowState> {
  const params = state.get(stateKey.params()) as ChainParams;
  return (await computePowStateAtBoot(store, height, params)).pow;
}
