/**
 * The node's side of the p2p layer: creates the libp2p node from the config
 * (identity derived from the node key), encodes chain messages on the gossip
 * topics (wire_messages.ts), hands decoded ones to a sink (the consensus
 * driver), relays locally admitted transactions, and serves block ranges
 * with their commits from storage.
 */
import type { Block } from "../chain/block.ts";
import { ChainError } from "../chain/errors.ts";
import { parseTransaction, toSignedTxJson, type Tx } from "../chain/transaction.ts";
import type { Commit, Proposal, Vote } from "../consensus/votes.ts";
import { sha256 } from "../crypto/sha256.ts";
import { createP2PNode, type P2PNode, type PeerInfo, type Verdict } from "../p2p/p2p_node.ts";
import { MAX_BLOCKS_PER_REQUEST } from "../p2p/topics.ts";
import type { GridNode } from "./grid_node.ts";
import {
  type BlocksMessage,
  type BlockWithCommit,
  decodeBlocksMessage,
  decodeBlockWithCommit,
  decodeTxMessage,
  decodeVoteMessage,
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

/** The libp2p identity seed: stable for a key, and not the key itself. */
export function computeIdentitySeed(sign: (bytes: Uint8Array) => Uint8Array): Uint8Array {
  // Ed25519 signatures are deterministic, so this is a fixed secret of the key.
  return sha256(sign(new TextEncoder().encode("GRIDTOKENX_P2P_IDENTITY_V1")));
}

/** The running network of a node. */
export class NodeNetwork {
  private constructor(readonly p2p: P2PNode, private readonly node: GridNode) {}

  /** Creates (does not start) the p2p node of `node` and wires the topics to `sink`. */
  static async create(node: GridNode, sink: NetworkSink): Promise<NodeNetwork> {
    const cfg = node.config;
    const log = node.log.child({ module: "p2p" });
    const verifier = node.verifier;
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
      log: {
        debug: (e, f) => log.debug(e, f),
        info: (e, f) => log.info(e, f),
        warn: (e, f) => log.warn(e, f),
      },
      reconnectIntervalMs: 2_000,
    });
    const net = new NodeNetwork(p2p, node);
    p2p.onMessage("tx", (m) => net.onTx(m.payload));
    p2p.onMessage("votes", async (m) => {
      let vote: Vote;
      try {
        vote = decodeVoteMessage(m.payload);
      } catch {
        return "reject";
      }
      return await sink.onVote(vote);
    });
    p2p.onMessage("blocks", async (m) => {
      let msg: BlocksMessage;
      try {
        msg = decodeBlocksMessage(m.payload);
      } catch {
        return "reject";
      }
      return msg.kind === "proposal"
        ? await sink.onProposal(msg.proposal, msg.block)
        : await sink.onCommittedBlock(msg.block, msg.commit);
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

  /** Blocks `from .. from+count-1` with their commits from `peer`, decoded and shape-checked. */
  async requestRange(peer: string, from: number, count: number): Promise<BlockWithCommit[]> {
    const raw = await this.p2p.requestBlocks(peer, from, Math.min(count, MAX_BLOCKS_PER_REQUEST));
    return raw.map(decodeBlockWithCommit);
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
