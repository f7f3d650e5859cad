/**
 * The node's side of the p2p layer: creates the libp2p node from the config
 * (identity derived from the node key), encodes chain messages on the gossip
 * topics (wire_messages.ts), hands decoded ones to a sink (the consensus
 * driver), relays locally admitted transactions, serves block ranges with
 * their commits from storage and single blocks by hash (proposals it has
 * seen, stored blocks), and fetches a missing block by hash from peers.
 *
 * Transactions travel in batches (`tx` topic version 2, docs/p2p.md §10a):
 * locally admitted transactions are queued and flushed every
 * {@link TX_FLUSH_MS} or when a batch is full. A received batch is
 * de-duplicated by signature against the transactions seen lately (no parse,
 * no verification), the rest is parsed and verified in the verify pool and
 * admitted in one `admitBatch`. Transactions admitted from the network are
 * never published again: gossipsub forwards the message itself when it is
 * accepted (at least one transaction new to this node).
 *
 * Cheap filters run before the consensus sink: messages of past heights
 * (replays) are ignored without a signature check; a vote of the next
 * height by a key that is not a voter, or a proposal of the next height by a
 * key that is not that round's proposer, is rejected (the peer pays).
 */
import type { ClockOffset } from "../p2p/clock_offset.ts";
import { type Block, computeBlockHash } from "../chain/block.ts";
import { ChainError } from "../chain/errors.ts";
import {
  parseTransaction,
  type SignedTxJson,
  toSignedTxJson,
  type Tx,
} from "../chain/transaction.ts";
import { getProposer } from "../consensus/proposer.ts";
import type { ValidatorSet } from "../consensus/validator_set.ts";
import type { Commit, Proposal, Vote } from "../consensus/votes.ts";
import { fromHex, toHex } from "../crypto/hex.ts";
import { sha256 } from "../crypto/sha256.ts";
import { createP2PNode, type P2PNode, type PeerInfo, type Verdict } from "../p2p/p2p_node.ts";
import type { Offence } from "../p2p/reputation.ts";
import { DEFAULT_MAX_MESSAGE_BYTES, MAX_BLOCKS_PER_REQUEST } from "../p2p/topics.ts";
import type { ParsedItem } from "../../workers/verify_protocol.ts";
import type { GridNode } from "./grid_node.ts";
import {
  type BlocksMessage,
  type BlockWithCommit,
  computeTxBatchOverheadBytes,
  decodeBlockMessage,
  decodeBlocksMessage,
  decodeBlockWithCommit,
  decodeTxBatchMessage,
  decodeVoteMessage,
  encodeBlockMessage,
  encodeBlocksMessage,
  encodeBlockWithCommit,
  encodeTxBatchMessage,
  encodeTxItem,
  encodeVoteMessage,
} from "./wire_messages.ts";
import { trimOldest } from "../util/trim_oldest.ts";

/** Receiver of decoded consensus messages; each returns the gossip verdict. */
export interface NetworkSink {
  onVote(vote: Vote): Promise<Verdict>;
  onProposal(proposal: Proposal, block: Block): Promise<Verdict>;
  onCommittedBlock(block: Block, commit: Commit): Promise<Verdict>;
}

/** Codes of transaction admission failures that are the sender's fault wherever it is checked. */
const TX_REJECT_CODES = new Set(["BAD_SIGNATURE", "WRONG_NETWORK", "BAD_TRANSACTION"]);

/** Longest a locally admitted transaction waits before its batch is gossiped. */
export const TX_FLUSH_MS = 15;

/** Most transactions in one batch this node sends (receivers accept up to MAX_TXS_PER_MESSAGE). */
export const TX_BATCH_MAX_TXS = 1_000;

/** Most payload bytes of one batch this node sends (also kept under `max_message_bytes`). */
export const TX_BATCH_MAX_BYTES = 512 * 1024;

/** Room left in an envelope for its other fields (topic, key, time, signature). */
const ENVELOPE_OVERHEAD_BYTES = 512;

/** Room for the envelope and the proposal next to the block in a `proposal` message. */
const PROPOSAL_OVERHEAD_BYTES = 2_048;

/**
 * Biggest block gossiped inline in a proposal or commit message (~680
 * transfers). Gossipsub delivers a message to each of n validators up to
 * n - 1 times (every copy decrypted and hashed for its id) and the block
 * was gossiped again with its commit; above this size the proposal goes as
 * `proposal_ref` and each peer fetches the block once, from the peer that
 * relayed the reference first. Measured with 4 validators and 2,500-transfer
 * blocks (docs/performance.md).
 */
export const PROPOSAL_INLINE_MAX_BYTES = 256 * 1024;

/**
 * Most received transactions waiting for (or in) parse, verification and
 * admission. Batches beyond it are dropped unverified (no penalty): the
 * verify workers must stay free for votes and proposals, and the author
 * keeps the transactions in its mempool and proposes them itself.
 */
export const TX_BACKLOG_MAX = 4_000;

/** Interval of the `p2p.tx_stats` log line (only when a counter moved). */
const STATS_LOG_INTERVAL_MS = 10_000;

/** Signatures of transactions seen lately (verified or sent by us), for cheap de-duplication. */
export const SEEN_TX_CACHE_SIZE = 65_536;

/** A verifier that can also parse raw transactions off the main thread (workers/verify_pool.ts). */
interface ParsingVerifier {
  parseAndVerify(items: readonly unknown[]): Promise<ParsedItem[]>;
}

function isParsingVerifier(v: unknown): v is ParsingVerifier {
  return typeof (v as Partial<ParsingVerifier>).parseAndVerify === "function";
}

/** Proposal blocks kept to answer block-by-hash requests (oldest dropped first). */
export const SEEN_BLOCKS_CACHE_SIZE = 64;
/** Decoded blocks kept for re-sent proposals (a few rounds of one height). */
export const RECENT_BLOCKS_DECODED = 8;

/** Peers asked, one after the other, for a missing block before giving up. */
export const FETCH_BY_HASH_MAX_PEERS = 3;

/** Counters of the network glue (read by tests and logs). */
export interface NetworkStats {
  /** Messages of past heights dropped before any signature check (replays, late relays). */
  staleDropped: number;
  /** Votes or proposals of the next height rejected because the key may not send them. */
  unauthorisedRejected: number;
  /** Missing blocks fetched by hash (answer checked). */
  fetchedByHash: number;
  /** Block-by-hash answers that were wrong (peer penalised). */
  badByHashAnswers: number;
  /** Block-by-hash requests answered with a block. */
  servedByHash: number;
  /** Transaction batches published / transactions in them. */
  txBatchesSent: number;
  txsSent: number;
  /** Transaction batches received (decoded) / transactions in them. */
  txBatchesReceived: number;
  txsReceived: number;
  /** Received transactions skipped as seen lately, before any parse or verification. */
  txDuplicatesSkipped: number;
  /** Received transactions admitted to the mempool. */
  txsAdmitted: number;
  /** Received transactions dropped because their peer was over its `tx_items` budget. */
  txsRateDropped: number;
  /** Received batches with nothing new (every transaction a duplicate). */
  uselessTxBatches: number;
  /** Received transactions dropped unverified because the backlog was full. */
  txsShed: number;
  /** Received batches dropped undecoded because the backlog was full. */
  txBatchesShed: number;
  /** Proposals sent without their block (too big for one message; fetched by hash). */
  proposalRefsSent: number;
}

/** Error of a peer's answer that does not match the request (the peer has been penalised). */
export class PeerAnswerError extends Error {
  override readonly name = "PeerAnswerError";
  constructor(
    readonly code: "WRONG_RANGE" | "MALFORMED",
    readonly peer: string,
    message: string,
  ) {
    super(message);
  }
}

/** The libp2p identity seed: stable for a key, and not the key itself. */
export function computeIdentitySeed(sign: (bytes: Uint8Array) => Uint8Array): Uint8Array {
  // Ed25519 signatures are deterministic, so this is a fixed secret of the key.
  return sha256(sign(new TextEncoder().encode("GRIDTOKENX_P2P_IDENTITY_V1")));
}

/** The running network of a node. */
export class NodeNetwork {
  /** Counters; see {@link NetworkStats}. */
  readonly stats: NetworkStats = {
    staleDropped: 0,
    unauthorisedRejected: 0,
    fetchedByHash: 0,
    badByHashAnswers: 0,
    servedByHash: 0,
    txBatchesSent: 0,
    txsSent: 0,
    txBatchesReceived: 0,
    txsReceived: 0,
    txDuplicatesSkipped: 0,
    txsAdmitted: 0,
    txsRateDropped: 0,
    uselessTxBatches: 0,
    txsShed: 0,
    txBatchesShed: 0,
    proposalRefsSent: 0,
  };
  /** Received transactions queued for admission; batches are admitted one at a time. */
  #txBacklog = 0;
  #txChain: Promise<unknown> = Promise.resolve();
  #statsTimer: ReturnType<typeof setInterval> | undefined;
  /** Encoded transactions waiting to be gossiped, and their total size. */
  #txQueue: Uint8Array[] = [];
  #txQueueBytes = 0;
  #txFlushTimer: ReturnType<typeof setTimeout> | undefined;
  /** Signatures (hex) of transactions seen lately, insertion-ordered (oldest first). */
  #seenTxs = new Set<string>();
  /** Encoded proposal blocks by hash, insertion-ordered (oldest first). */
  #seenBlocks = new Map<string, Uint8Array>();
  /**
   * The last few blocks fetched or accepted, decoded: a stalled round's
   * proposer re-sends its `proposal_ref` (a new envelope, so gossipsub
   * delivers it again), and each copy used to fetch the same ~1 MB block anew.
   */
  #recentBlocks = new Map<string, Block>();
  #fetching = new Map<string, Promise<Block | null>>();
  #setCache: { headHash: string; set: ValidatorSet } | null = null;

  private constructor(readonly p2p: P2PNode, private readonly node: GridNode) {}

  /** Creates (does not start) the p2p node of `node` and wires the topics to `sink`. */
  static async create(node: GridNode, sink: NetworkSink): Promise<NodeNetwork> {
    const cfg = node.config;
    const log = node.log.child({ module: "p2p" });
    const verifier = node.verifier;
    // Assigned right after the p2p node exists; its providers run only once started.
    // deno-lint-ignore prefer-const
    let net: NodeNetwork;
    const p2p = await createP2PNode({
      networkId: node.head.header.networkId,
      listenHost: cfg.p2p.listen_address,
      port: cfg.p2p.port,
      bootstrapPeers: cfg.p2p.bootstrap_peers,
      maxPeers: cfg.network.max_peers,
      maxMessageBytes: cfg.p2p.max_message_bytes,
      banSeconds: cfg.p2p.ban_seconds,
      identitySecretKey: computeIdentitySeed(node.wallet.sign),
      // WebCrypto: a 1 MB envelope signs in ~10 ms off this thread (~100 ms with noble on it).
      signingKey: { publicKey: node.wallet.publicKey, sign: node.wallet.signAsync },
      verify: async (publicKey, message, signature) =>
        (await verifier.verifyBatch([{ publicKey, message, signature }]))[0] === true,
      blockRangeProvider: (from, count) => readBlockRange(node, from, count),
      blockByHashProvider: (hash) => net.readBlockByHash(toHex(hash)),
      log: {
        debug: (e, f) => log.debug(e, f),
        info: (e, f) => log.info(e, f),
        warn: (e, f) => log.warn(e, f),
      },
      reconnectIntervalMs: 2_000,
    });
    net = new NodeNetwork(p2p, node);
    p2p.onMessage("tx", (m) => net.onTxBatch(m.payload, m.fromPeer));
    p2p.onMessage("votes", async (m) => {
      let vote: Vote;
      try {
        vote = decodeVoteMessage(m.payload);
      } catch {
        return "reject";
      }
      return net.screenVote(vote) ?? await sink.onVote(vote);
    });
    p2p.onMessage("blocks", async (m) => {
      let msg: BlocksMessage;
      try {
        msg = decodeBlocksMessage(m.payload);
      } catch {
        return "reject";
      }
      if (msg.kind === "commit") {
        return net.screenCommit(msg.block) ?? await sink.onCommittedBlock(msg.block, msg.commit);
      }
      const early = net.screenProposal(msg.proposal);
      if (early !== null) return early;
      let block: Block | null;
      if (msg.kind === "proposal_ref") {
        // The block was too big to gossip inline: fetched by hash (hash checked there).
        block = await net.fetchBlockByHash(msg.proposal.blockHash, m.fromPeer);
        if (block === null) return "ignore";
      } else {
        block = msg.block;
      }
      const verdict = await sink.onProposal(msg.proposal, block);
      if (verdict === "accept") net.rememberBlock(msg.proposal.blockHash, block);
      return verdict;
    });
    node.onAdmitted = (txs) => net.publishTxs(txs);
    return net;
  }

  /**
   * Verdict on a received transaction batch. Reject: it does not decode, a
   * transaction does not parse, or a signature is wrong (an honest relay
   * never forwards such a batch). Accept (gossipsub forwards it): at least
   * one transaction was new and admitted. Ignore otherwise; a batch with
   * nothing new also takes a `tx_useless` token, and a peer over that budget
   * is penalised (`flood`).
   */
  async onTxBatch(payload: Uint8Array, fromPeer: string): Promise<Verdict> {
    if (this.#txBacklog >= TX_BACKLOG_MAX) {
      // Overloaded: not even decoded (the envelope was checked; no penalty).
      this.stats.txBatchesShed++;
      return "ignore";
    }
    let items: SignedTxJson[];
    try {
      items = decodeTxBatchMessage(payload);
    } catch {
      return "reject";
    }
    this.stats.txBatchesReceived++;
    this.stats.txsReceived += items.length;
    if (!this.p2p.takeRateBudget(fromPeer, "tx_items", items.length)) {
      this.stats.txsRateDropped += items.length;
      return "ignore";
    }
    const fresh: SignedTxJson[] = [];
    const inBatch = new Set<string>();
    for (const item of items) {
      const sig = item.signature;
      if (typeof sig === "string") {
        if (this.#seenTxs.has(sig) || inBatch.has(sig)) continue;
        inBatch.add(sig);
      }
      fresh.push(item);
    }
    let duplicates = items.length - fresh.length;
    this.stats.txDuplicatesSkipped += duplicates;
    let admitted = 0;
    if (fresh.length > 0) {
      if (this.#txBacklog > 0 && this.#txBacklog + fresh.length > TX_BACKLOG_MAX) {
        this.stats.txsShed += fresh.length;
        return "ignore";
      }
      this.#txBacklog += fresh.length;
      const run = this.#txChain.then(() => this.#admitFromNetwork(fresh));
      this.#txChain = run.catch(() => {});
      let outcome: { admitted: number; duplicates: number } | "reject";
      try {
        outcome = await run;
      } finally {
        this.#txBacklog -= fresh.length;
      }
      if (outcome === "reject") return "reject";
      admitted = outcome.admitted;
      duplicates += outcome.duplicates;
    }
    this.stats.txsAdmitted += admitted;
    if (admitted > 0) return "accept";
    if (duplicates === items.length) {
      this.stats.uselessTxBatches++;
      if (!this.p2p.takeRateBudget(fromPeer, "tx_useless", 1)) {
        this.penalise(fromPeer, "flood", "transaction batches with nothing new over the rate");
      }
    }
    return "ignore";
  }

  /**
   * Parses, verifies and admits received transactions (one batch at a time,
   * see {@link TX_BACKLOG_MAX}); "reject" when one is the sender's fault.
   */
  async #admitFromNetwork(
    fresh: readonly SignedTxJson[],
  ): Promise<{ admitted: number; duplicates: number } | "reject"> {
    const parsed = await this.#parseAndVerify(fresh);
    if (parsed === null) return "reject";
    const results = await this.node.admitBatch(parsed.txs, {
      fromNetwork: true,
      signaturesVerified: parsed.verified,
    });
    let admitted = 0;
    let duplicates = 0;
    for (let i = 0; i < results.length; i++) {
      const result = results[i]!;
      if (result instanceof ChainError) {
        if (TX_REJECT_CODES.has(result.code)) return "reject";
        if (result.code === "DUPLICATE_TX") duplicates++;
      } else {
        admitted++;
      }
      this.#rememberTx(fresh[i]!.signature);
    }
    return { admitted, duplicates };
  }

  /**
   * Parses the items and checks their signatures, in the verify workers when
   * the node's verifier can parse there. Null when an item does not parse or
   * (worker path) a signature is wrong: the batch is rejected.
   */
  async #parseAndVerify(
    items: readonly SignedTxJson[],
  ): Promise<{ txs: Tx[]; verified: boolean } | null> {
    const verifier = this.node.verifier;
    if (isParsingVerifier(verifier)) {
      const out = await verifier.parseAndVerify(items);
      const txs: Tx[] = [];
      for (const item of out) {
        if (!item.ok || !item.signatureValid) return null;
        txs.push(item.tx);
      }
      return { txs, verified: true };
    }
    const txs: Tx[] = [];
    for (const item of items) {
      try {
        txs.push(parseTransaction(item));
      } catch (e) {
        if (e instanceof ChainError) return null;
        throw e;
      }
    }
    // admitBatch verifies the signatures (BAD_SIGNATURE rejects the batch).
    return { txs, verified: false };
  }

  #rememberTx(signatureHex: string): void {
    if (this.#seenTxs.has(signatureHex)) return;
    this.#seenTxs.add(signatureHex);
    trimOldest(this.#seenTxs, SEEN_TX_CACHE_SIZE);
  }

  /** Voters of the next height, cached per head. */
  #nextSet(): ValidatorSet {
    const headHash = this.node.head.hash;
    if (this.#setCache?.headHash !== headHash) {
      this.#setCache = { headHash, set: this.node.getValidatorSet() };
    }
    return this.#setCache.set;
  }

  /**
   * Cheap verdict on a vote before its signature is checked, or null to go on.
   * Votes below the previous height are replays or late relays: ignored.
   * A vote of the next height by a key that is not a voter is forged: rejected.
   */
  screenVote(vote: Vote): Verdict | null {
    const next = this.node.head.header.height + 1;
    if (vote.height < next - 1) {
      this.stats.staleDropped++;
      return "ignore";
    }
    if (vote.height === next && !this.#nextSet().isVoter(vote.validator)) {
      this.stats.unauthorisedRejected++;
      return "reject";
    }
    return null;
  }

  /**
   * Cheap verdict on a proposal before its signatures are checked, or null to
   * go on. Past heights: ignored. Next height, but not from the proposer of
   * its round: rejected (every honest node at this height computes the same).
   */
  screenProposal(p: Proposal): Verdict | null {
    const head = this.node.head;
    const next = head.header.height + 1;
    if (p.height < next) {
      this.stats.staleDropped++;
      return "ignore";
    }
    if (p.height === next && p.networkId === head.header.networkId) {
      const set = this.#nextSet();
      if (set.validators.length === 0) return null;
      if (getProposer(set, head.hash, p.height, p.round).publicKey !== p.proposer) {
        this.stats.unauthorisedRejected++;
        return "reject";
      }
    }
    return null;
  }

  /** Cheap verdict on a committed block: finalized heights are ignored, or null to go on. */
  screenCommit(block: Block): Verdict | null {
    if (block.header.height <= this.node.head.header.height) {
      this.stats.staleDropped++;
      return "ignore";
    }
    return null;
  }

  /** Keeps a proposal block to answer block-by-hash requests. */
  rememberBlock(hash: string, block: Block): void {
    this.#keepRecentBlock(hash, block);
    if (this.#seenBlocks.has(hash)) return;
    this.#seenBlocks.set(hash, encodeBlockMessage(block));
    trimOldest(this.#seenBlocks, SEEN_BLOCKS_CACHE_SIZE);
  }

  #keepRecentBlock(hash: string, block: Block): void {
    this.#recentBlocks.delete(hash);
    this.#recentBlocks.set(hash, block);
    trimOldest(this.#recentBlocks, RECENT_BLOCKS_DECODED);
  }

  /** Block-by-hash provider: a proposal block seen lately, or a stored block. */
  async readBlockByHash(hashHex: string): Promise<Uint8Array | null> {
    let bytes = this.#seenBlocks.get(hashHex) ?? null;
    if (bytes === null) {
      const height = await this.node.store.getBlockHeightByHash(hashHex);
      const block = height === null ? null : await this.node.store.getBlock(height);
      bytes = block === null ? null : encodeBlockMessage(block);
    }
    if (bytes !== null) this.stats.servedByHash++;
    return bytes;
  }

  /**
   * Fetches the block whose hash is `hashHex` from connected peers, one after
   * the other (at most {@link FETCH_BY_HASH_MAX_PEERS}, 5 s each). An answer
   * that does not decode or does not hash to `hashHex` costs the peer
   * (`malformed` / `invalid_block`). Resolves to null when no peer has it.
   * Concurrent calls for one hash share one fetch.
   */
  fetchBlockByHash(hashHex: string, preferPeer?: string): Promise<Block | null> {
    const recent = this.#recentBlocks.get(hashHex);
    if (recent !== undefined) return Promise.resolve(recent);
    const running = this.#fetching.get(hashHex);
    if (running !== undefined) return running;
    const fetch = this.#fetchBlockByHash(hashHex, preferPeer)
      .finally(() => this.#fetching.delete(hashHex));
    this.#fetching.set(hashHex, fetch);
    return fetch;
  }

  async #fetchBlockByHash(hashHex: string, preferPeer?: string): Promise<Block | null> {
    const hash = fromHex(hashHex);
    // The peer that relayed a proposal_ref accepted it, so it holds the block: ask it first.
    const peers = this.p2p.peers().filter((p) => p.connected && p.bannedUntilMs === null)
      .sort((a, b) =>
        (b.id === preferPeer ? 1 : 0) - (a.id === preferPeer ? 1 : 0) || b.score - a.score
      )
      .slice(0, FETCH_BY_HASH_MAX_PEERS);
    for (const peer of peers) {
      let bytes: Uint8Array | null;
      try {
        bytes = await this.p2p.requestBlockByHash(peer.id, hash);
      } catch (e) {
        this.node.log.debug("p2p.fetch_by_hash_failed", { peer: peer.id, error: String(e) });
        continue;
      }
      if (bytes === null) continue;
      let block: Block;
      try {
        block = decodeBlockMessage(bytes);
      } catch (e) {
        this.stats.badByHashAnswers++;
        this.penalise(peer.id, "malformed", `block-by-hash answer: ${(e as Error).message}`);
        continue;
      }
      const got = computeBlockHash(block.header);
      if (got !== hashHex) {
        this.stats.badByHashAnswers++;
        this.penalise(peer.id, "invalid_block", `asked block ${hashHex}, got ${got}`);
        continue;
      }
      this.stats.fetchedByHash++;
      this.node.log.info("p2p.fetched_by_hash", { peer: peer.id, hash: hashHex });
      this.#keepRecentBlock(hashHex, block);
      return block;
    }
    return null;
  }

  /** Lowers a peer's reputation (bans it at the threshold); see docs/p2p.md §6. */
  penalise(peer: string, offence: Offence, reason: string): void {
    const r = this.p2p.penalise(peer, offence, reason);
    this.node.log.warn("p2p.peer_penalised", {
      peer,
      offence,
      reason,
      score: Math.round(r.score),
      banned: r.banned,
    });
  }

  get peerId(): string {
    return this.p2p.peerId;
  }

  async start(): Promise<void> {
    await this.p2p.start();
    let last = "";
    this.#statsTimer = setInterval(() => {
      const line = JSON.stringify(this.stats);
      if (line !== last) this.node.log.info("p2p.tx_stats", { ...this.stats });
      last = line;
    }, STATS_LOG_INTERVAL_MS);
  }

  async stop(): Promise<void> {
    this.node.onAdmitted = null;
    clearInterval(this.#statsTimer);
    clearTimeout(this.#txFlushTimer);
    this.#txFlushTimer = undefined;
    this.#txQueue = [];
    await this.p2p.stop();
  }

  multiaddrs(): string[] {
    return this.p2p.multiaddrs();
  }

  peers(): PeerInfo[] {
    return this.p2p.peers();
  }

  /** This node's clock minus its peers' (see node/p2p/clock_offset.ts), or null before any gossip. */
  clockOffset(): ClockOffset | null {
    return this.p2p.clockOffset();
  }

  peerCount(): number {
    return this.p2p.peerCount();
  }

  /**
   * Queues transactions admitted by this node for gossip. A batch is sent as
   * soon as it is full ({@link TX_BATCH_MAX_TXS} or {@link TX_BATCH_MAX_BYTES}),
   * the rest at most {@link TX_FLUSH_MS} later.
   */
  publishTxs(txs: readonly Tx[]): void {
    const maxBytes = this.#txBatchMaxBytes();
    for (const tx of txs) {
      const wire = toSignedTxJson(tx);
      this.#rememberTx(wire.signature);
      const item = encodeTxItem(wire);
      const next = this.#txQueueBytes + item.length +
        computeTxBatchOverheadBytes(this.#txQueue.length + 1);
      if (this.#txQueue.length > 0 && next > maxBytes) this.flushTxs();
      this.#txQueue.push(item);
      this.#txQueueBytes += item.length;
      if (this.#txQueue.length >= TX_BATCH_MAX_TXS) this.flushTxs();
    }
    if (this.#txQueue.length > 0) {
      this.#txFlushTimer ??= setTimeout(() => this.flushTxs(), TX_FLUSH_MS);
    }
  }

  /** Publishes the queued transactions now, as one batch. */
  flushTxs(): void {
    clearTimeout(this.#txFlushTimer);
    this.#txFlushTimer = undefined;
    if (this.#txQueue.length === 0) return;
    const items = this.#txQueue;
    this.#txQueue = [];
    this.#txQueueBytes = 0;
    this.stats.txBatchesSent++;
    this.stats.txsSent += items.length;
    this.publish("tx", encodeTxBatchMessage(items));
  }

  #txBatchMaxBytes(): number {
    const maxMessage = this.#maxMessageBytes();
    return Math.max(1, Math.min(TX_BATCH_MAX_BYTES, maxMessage - ENVELOPE_OVERHEAD_BYTES));
  }

  publishVote(vote: Vote): void {
    this.publish("votes", encodeVoteMessage(vote));
  }

  /**
   * Gossips a proposal with its block, or, when the block is bigger than
   * {@link PROPOSAL_INLINE_MAX_BYTES} or would not fit in one gossip message
   * (`max_message_bytes`), the proposal alone (`proposal_ref`): receivers
   * fetch the block by hash (§5a, up to 8 MiB), once each.
   */
  publishProposal(proposal: Proposal, block: Block): void {
    this.rememberBlock(proposal.blockHash, block);
    const blockBytes = this.#seenBlocks.get(proposal.blockHash)?.length ?? 0;
    if (blockBytes + PROPOSAL_OVERHEAD_BYTES > this.#inlineBlockMaxBytes()) {
      this.stats.proposalRefsSent++;
      this.publish("blocks", encodeBlocksMessage({ kind: "proposal_ref", proposal }));
      return;
    }
    this.publish("blocks", encodeBlocksMessage({ kind: "proposal", proposal, block }));
  }

  /**
   * Gossips a finalized block with its commit, for peers still at the
   * previous height. A block bigger than {@link PROPOSAL_INLINE_MAX_BYTES}
   * (or than one gossip message) is not sent: the validators that voted for
   * it hold it, the others sync it (§5, 8 MiB responses).
   */
  publishCommittedBlock(block: Block, commit: Commit): void {
    const known = this.#seenBlocks.get(computeBlockHash(block.header))?.length;
    if (known !== undefined && known + PROPOSAL_OVERHEAD_BYTES > this.#inlineBlockMaxBytes()) {
      return;
    }
    const payload = encodeBlocksMessage({ kind: "commit", block, commit });
    if (payload.length + ENVELOPE_OVERHEAD_BYTES > this.#inlineBlockMaxBytes()) return;
    this.publish("blocks", payload);
  }

  #maxMessageBytes(): number {
    return this.node.config.p2p.max_message_bytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  }

  #inlineBlockMaxBytes(): number {
    return Math.min(this.#maxMessageBytes(), PROPOSAL_INLINE_MAX_BYTES);
  }

  private publish(topic: "tx" | "votes" | "blocks", payload: Uint8Array): void {
    this.p2p.publish(topic, payload).catch((e) =>
      this.node.log.debug("p2p.publish_failed", { topic, error: (e as Error).message })
    );
  }

  /**
   * Blocks `from .. from+count-1` with their commits from `peer`, decoded and
   * shape-checked. An element that does not decode costs the peer `malformed`;
   * heights other than `from, from+1, ...` cost it `bad_response`. Both throw
   * {@link PeerAnswerError}.
   */
  async requestRange(peer: string, from: number, count: number): Promise<BlockWithCommit[]> {
    const asked = Math.min(count, MAX_BLOCKS_PER_REQUEST);
    const raw = await this.p2p.requestBlocks(peer, from, asked);
    const items: BlockWithCommit[] = [];
    for (const bytes of raw) {
      try {
        items.push(decodeBlockWithCommit(bytes));
      } catch (e) {
        const reason = `block range element: ${(e as Error).message}`;
        this.penalise(peer, "malformed", reason);
        throw new PeerAnswerError("MALFORMED", peer, reason);
      }
    }
    const wrong = items.findIndex((it, i) => it.block.header.height !== from + i);
    if (wrong >= 0) {
      const reason = `asked heights from ${from}, element ${wrong} has height ${
        items[wrong]!.block.header.height
      }`;
      this.penalise(peer, "bad_response", reason);
      throw new PeerAnswerError("WRONG_RANGE", peer, reason);
    }
    return items;
  }
}

/** Serves stored blocks with their commits (block-range protocol). */
async function readBlockRange(node: GridNode, from: number, count: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  const last = Math.min(node.head.header.height, from + count - 1);
  for (let h = from; h <= last; h++) {
    const rec = await node.store.getBlockRecord(h);
    const block = await node.store.getBlock(h);
    if (rec === null || block === null) break;
    out.push(encodeBlockWithCommit({ block, commit: (rec.commit as Commit | undefined) ?? null }));
  }
  return out;
}
