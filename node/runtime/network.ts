/**
 * The node's side of the p2p layer: creates the libp2p node from the config
 * (identity derived from the node key), encodes chain messages on the gossip
 * topics (wire_messages.ts), hands decoded ones to a sink (the consensus
 * driver), relays locally admitted transactions, serves block ranges with
 * their commits from storage and single blocks by hash (proposals it has
 * seen, stored blocks), and fetches a missing block by hash from peers.
 *
 * Cheap filters run before the consensus sink: messages of past heights
 * (replays) are ignored without a signature check; a vote of the next
 * height by a key that is not a voter, or a proposal of the next height by a
 * key that is not that round's proposer, is rejected (the peer pays).
 */
import { type Block, computeBlockHash } from "../chain/block.ts";
import { ChainError } from "../chain/errors.ts";
import { parseTransaction, toSignedTxJson, type Tx } from "../chain/transaction.ts";
import { getProposer } from "../consensus/proposer.ts";
import type { ValidatorSet } from "../consensus/validator_set.ts";
import type { Commit, Proposal, Vote } from "../consensus/votes.ts";
import { fromHex, toHex } from "../crypto/hex.ts";
import { sha256 } from "../crypto/sha256.ts";
import { createP2PNode, type P2PNode, type PeerInfo, type Verdict } from "../p2p/p2p_node.ts";
import type { Offence } from "../p2p/reputation.ts";
import { MAX_BLOCKS_PER_REQUEST } from "../p2p/topics.ts";
import type { GridNode } from "./grid_node.ts";
import {
  type BlocksMessage,
  type BlockWithCommit,
  decodeBlockMessage,
  decodeBlocksMessage,
  decodeBlockWithCommit,
  decodeTxMessage,
  decodeVoteMessage,
  encodeBlockMessage,
  encodeBlocksMessage,
  encodeBlockWithCommit,
  encodeTxMessage,
  encodeVoteMessage,
  WireError,
} from "./wire_messages.ts";

/** Receiver of decoded consensus messages; each returns the gossip verdict. */
export interface NetworkSink {
  onVote(vote: Vote): Promise<Verdict>;
  onProposal(proposal: Proposal, block: Block): Promise<Verdict>;
  onCommittedBlock(block: Block, commit: Commit): Promise<Verdict>;
}

/** Codes of transaction admission failures that are the sender's fault wherever it is checked. */
const TX_REJECT_CODES = new Set(["BAD_SIGNATURE", "WRONG_NETWORK", "BAD_TRANSACTION"]);

/** Proposal blocks kept to answer block-by-hash requests (oldest dropped first). */
export const SEEN_BLOCKS_CACHE_SIZE = 64;

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
  };
  /** Encoded proposal blocks by hash, insertion-ordered (oldest first). */
  #seenBlocks = new Map<string, Uint8Array>();
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
      signingKey: { publicKey: node.wallet.publicKey, sign: node.wallet.sign },
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
    p2p.onMessage("tx", (m) => net.onTx(m.payload));
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
      const verdict = await sink.onProposal(msg.proposal, msg.block);
      if (verdict === "accept") net.rememberBlock(msg.proposal.blockHash, msg.block);
      return verdict;
    });
    node.onAdmitted = (txs) => net.publishTxs(txs);
    return net;
  }

  private async onTx(payload: Uint8Array): Promise<Verdict> {
    let tx: Tx;
    try {
      tx = parseTransaction(decodeTxMessage(payload));
    } catch (e) {
      return e instanceof WireError || e instanceof ChainError ? "reject" : "ignore";
    }
    const [result] = await this.node.admitBatch([tx], { fromNetwork: true });
    if (!(result instanceof ChainError)) return "accept";
    // State-dependent failures (nonce, balance, duplicate, expiry) are "ignore".
    return TX_REJECT_CODES.has(result.code) ? "reject" : "ignore";
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
    if (this.#seenBlocks.has(hash)) return;
    this.#seenBlocks.set(hash, encodeBlockMessage(block));
    while (this.#seenBlocks.size > SEEN_BLOCKS_CACHE_SIZE) {
      const oldest = this.#seenBlocks.keys().next().value;
      if (oldest === undefined) break;
      this.#seenBlocks.delete(oldest);
    }
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
  fetchBlockByHash(hashHex: string): Promise<Block | null> {
    const running = this.#fetching.get(hashHex);
    if (running !== undefined) return running;
    const fetch = this.#fetchBlockByHash(hashHex).finally(() => this.#fetching.delete(hashHex));
    this.#fetching.set(hashHex, fetch);
    return fetch;
  }

  async #fetchBlockByHash(hashHex: string): Promise<Block | null> {
    const hash = fromHex(hashHex);
    const peers = this.p2p.peers().filter((p) => p.connected && p.bannedUntilMs === null)
      .sort((a, b) => b.score - a.score)
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
  }

  async stop(): Promise<void> {
    this.node.onAdmitted = null;
    await this.p2p.stop();
  }

  multiaddrs(): string[] {
    return this.p2p.multiaddrs();
  }

  peers(): PeerInfo[] {
    return this.p2p.peers();
  }

  peerCount(): number {
    return this.p2p.peerCount();
  }

  /** Gossips transactions admitted by this node (one message each). */
  publishTxs(txs: readonly Tx[]): void {
    for (const tx of txs) {
      this.publish("tx", encodeTxMessage(toSignedTxJson(tx)));
    }
  }

  publishVote(vote: Vote): void {
    this.publish("votes", encodeVoteMessage(vote));
  }

  publishProposal(proposal: Proposal, block: Block): void {
    this.rememberBlock(proposal.blockHash, block);
    this.publish("blocks", encodeBlocksMessage({ kind: "proposal", proposal, block }));
  }

  publishCommittedBlock(block: Block, commit: Commit): void {
    this.publish("blocks", encodeBlocksMessage({ kind: "commit", block, commit }));
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
