/**
 * libp2p adapter of GridTokenX: moves opaque byte payloads on named gossip
 * topics, serves block ranges, and keeps peer reputation. Knows nothing of
 * blocks or transactions; the chain layer injects validators and providers.
 * @module
 */

import { createLibp2p, type Libp2p } from "libp2p";
import { tcp } from "@libp2p/tcp";
import { noise } from "@libp2p/noise";
import { yamux } from "@libp2p/yamux";
import { type GossipSub, gossipsub, type Message, TopicValidatorResult } from "@libp2p/gossipsub";
import { identify } from "@libp2p/identify";
import { ping } from "@libp2p/ping";
import { bootstrap } from "@libp2p/bootstrap";
import { generateKeyPairFromSeed } from "@libp2p/crypto/keys";
import { peerIdFromString } from "@libp2p/peer-id";
import { multiaddr } from "@multiformats/multiaddr";
import { createHash } from "node:crypto";
import { CLOCK_OFFSET_WARN_MS, type ClockOffset, ClockOffsetEstimator } from "./clock_offset.ts";
import { checkEnvelope, createEnvelope, type EnvelopeSigner, type VerifyFn } from "./envelope.ts";
import {
  type Offence,
  type PenaltyResult,
  type RateBucket,
  ReputationBook,
  type ReputationConfig,
} from "./reputation.ts";
import {
  type BlockRangeProvider,
  exchangeBlockRange,
  serveBlockRange,
  type Stream,
} from "./block_range.ts";
import {
  type BlockByHashProvider,
  exchangeBlockByHash,
  serveBlockByHash,
} from "./block_by_hash.ts";
import { computeGossipScoreParams, GOSSIP_SCORE_THRESHOLDS } from "./gossip_scoring.ts";
import {
  BLOCK_BY_HASH_TIMEOUT_MS,
  BLOCK_REQUEST_TIMEOUT_MS,
  computeBlockByHashProtocol,
  computeBlocksProtocol,
  computeTopic,
  DEFAULT_MAX_MESSAGE_BYTES,
  isTopicName,
  MAX_BLOCKS_PER_REQUEST,
  MAX_FUTURE_SKEW_MS,
  MAX_MESSAGE_AGE_MS,
  TOPIC_NAMES,
  type TopicName,
} from "./topics.ts";
import { P2PError } from "./errors.ts";

/** What an application validator says about a gossip message. */
export type Verdict = "accept" | "reject" | "ignore";

/** A gossip message whose envelope passed size, decoding and signature checks. */
export interface GossipMessage {
  /** Short topic name. */
  topic: TopicName;
  /** Opaque application payload. */
  payload: Uint8Array;
  /** Ed25519 public key that signed the envelope (32 bytes). */
  senderPublicKey: Uint8Array;
  /** Sender's clock at signing, ms since epoch. */
  sentAtMs: number;
  /** Peer id of the peer that forwarded it to us (not necessarily the author). */
  fromPeer: string;
}

/**
 * Validates and consumes a message. Called once per distinct message, before
 * it is forwarded; "accept" forwards it, "ignore" drops it, "reject" drops it
 * and penalises the forwarding peer. Should resolve quickly (< 100 ms).
 */
export type MessageHandler = (message: GossipMessage) => Verdict | Promise<Verdict>;

/** Minimal structured logger; one line per event. */
export interface P2PLog {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
}

/** Options of {@link createP2PNode}. */
export interface P2PNodeOptions {
  /** Chain network id (u32); part of every topic, protocol id and signature. */
  networkId: number;
  /** Interface to listen on. Default "127.0.0.1". */
  listenHost?: string;
  /** TCP port; 0 picks a free port. Default 0 (config supplies 9000). */
  port?: number;
  /** Multiaddrs with `/p2p/<peerId>` to connect to and keep connected. */
  bootstrapPeers?: string[];
  /** Maximum simultaneous connections. Default 50. */
  maxPeers?: number;
  /** Maximum encoded envelope size. Default 1 MiB. */
  maxMessageBytes?: number;
  /** Ban length for misbehaving peers. Default 3600. */
  banSeconds?: number;
  /** 32-byte Ed25519 seed for the libp2p identity (stable peer id). */
  identitySecretKey: Uint8Array;
  /** Application key that signs envelopes. */
  signingKey: EnvelopeSigner;
  /** Ed25519 verification used for envelopes. */
  verify: VerifyFn;
  /** Serves block ranges to peers; without it, block requests are refused. */
  blockRangeProvider?: BlockRangeProvider;
  /** Serves one block by its 32-byte hash; without it, block-by-hash requests are refused. */
  blockByHashProvider?: BlockByHashProvider;
  /** Logger; default silent. */
  log?: P2PLog;
  /** Overrides of reputation tunables (rate limit, penalties, threshold, half-life). */
  reputation?: Partial<Omit<ReputationConfig, "banMs">>;
  /** Interval between bootstrap reconnect attempts. Default 10000. */
  reconnectIntervalMs?: number;
}

/** One peer as seen by this node. */
export interface PeerInfo {
  /** Peer id (base58btc string). */
  id: string;
  /** Remote addresses of open connections. */
  addresses: string[];
  /** Our reputation score (0 is neutral, ban at threshold). */
  score: number;
  /** Gossipsub's own score of the peer. */
  gossipScore: number;
  /** End of ban in ms since epoch, or null. */
  bannedUntilMs: number | null;
  /** Whether a connection is open. */
  connected: boolean;
}

/** A running (or startable) p2p node. */
export interface P2PNode {
  /** Our libp2p peer id (base58btc string). */
  readonly peerId: string;
  /** Starts listening, subscribes to all topics and dials bootstrap peers. */
  start(): Promise<void>;
  /** Stops timers and libp2p; idempotent. */
  stop(): Promise<void>;
  /** Listen addresses including `/p2p/<peerId>`. */
  multiaddrs(): string[];
  /** Signs and publishes `payload`; returns how many peers it was sent to. */
  publish(topic: TopicName, payload: Uint8Array): Promise<number>;
  /** Adds a validator/consumer for a topic; returns a function that removes it. */
  onMessage(topic: TopicName, handler: MessageHandler): () => void;
  /** Asks `peer` for blocks `fromHeight .. fromHeight+count-1` (count 1..256, 10 s deadline). */
  requestBlocks(peer: string, fromHeight: number, count: number): Promise<Uint8Array[]>;
  /**
   * Asks `peer` for the block whose hash is `hash` (32 bytes; 5 s deadline).
   * Resolves to the encoded block, or null when the peer does not hold it. The
   * caller must check that the answer hashes to `hash` and {@link penalise} otherwise.
   */
  requestBlockByHash(peer: string, hash: Uint8Array): Promise<Uint8Array | null>;
  /**
   * Lowers `peer`'s reputation for an offence found by the application (an
   * invalid block served in sync, a wrong block-by-hash answer, ...). Bans,
   * hangs up and gates the peer when its score reaches the ban threshold.
   */
  penalise(peer: string, offence: Offence, reason: string): PenaltyResult;
  /**
   * Takes `count` tokens from `peer`'s `bucket` (docs/p2p.md §6): false, and
   * nothing taken, when the peer is over that rate. The application charges
   * `tx_items` (transactions carried) and `tx_useless` (messages with nothing
   * new) itself; what being over costs is the caller's choice.
   */
  takeRateBudget(peer: string, bucket: RateBucket, count: number): boolean;
  /** Connected peers plus banned peers. */
  peers(): PeerInfo[];
  /** Number of connected peers (for `gridtokenx_network_peers`). */
  peerCount(): number;
  /**
   * This node's clock minus its peers' (median of the send times on their
   * gossip), or null before any peer was heard. See `clock_offset.ts`.
   */
  clockOffset(): ClockOffset | null;
  /** Dials a multiaddr; returns the remote peer id. */
  dial(address: string): Promise<string>;
  // --- operator block list (issue #9): see the connectionGater in createP2PNode ---
  /**
   * Blocks `peer` until {@link unblockPeer}: dials to it and connections from
   * it are denied, open connections are closed. In memory only (a restart
   * clears it). Throws P2PError "INVALID_OPTION" for a malformed peer id or our own.
   */
  blockPeer(peer: string): Promise<void>;
  /** Lifts a block; returns whether `peer` was blocked. Bootstrap peers are redialled. */
  unblockPeer(peer: string): boolean;
  /** Peer ids blocked by the operator, sorted. */
  blockedPeers(): string[];
  // --- end operator block list ---
}

const SILENT_LOG: P2PLog = { debug() {}, info() {}, warn() {} };

type Services = { pubsub: GossipSub; identify: unknown; ping: unknown };

/**
 * Creates a p2p node (not started).
 * @example
 * const node = await createP2PNode({ networkId: 7, identitySecretKey: seed, signingKey, verify });
 * node.onMessage("tx", (m) => isValidTx(m.payload) ? "accept" : "reject");
 * await node.start();
 * await node.publish("tx", txBytes);
 */
export async function createP2PNode(opts: P2PNodeOptions): Promise<P2PNode> {
  validateOptions(opts);
  const log = opts.log ?? SILENT_LOG;
  const maxMessageBytes = opts.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const book = new ReputationBook({ ...opts.reputation, banMs: (opts.banSeconds ?? 3600) * 1000 });
  const privateKey = await generateKeyPairFromSeed("Ed25519", opts.identitySecretKey);
  const bootstrapPeers = opts.bootstrapPeers ?? [];
  const handlers = new Map<TopicName, Set<MessageHandler>>();
  const topicOf = new Map<string, TopicName>(
    TOPIC_NAMES.map((name) => [computeTopic(opts.networkId, name), name]),
  );
  const blocksProtocol = computeBlocksProtocol(opts.networkId);
  const blockByHashProtocol = computeBlockByHashProtocol(opts.networkId);
  const isBanned = (peerId: { toString(): string }) => book.isBanned(peerId.toString(), Date.now());
  // --- operator block list (issue #9) ---
  const blocked = new Set<string>();
  const isGated = (peerId: { toString(): string }) =>
    blocked.has(peerId.toString()) || isBanned(peerId);
  // --- end operator block list ---

  const libp2p: Libp2p<Services> = await createLibp2p({
    start: false,
    privateKey,
    addresses: { listen: [`/ip4/${opts.listenHost ?? "127.0.0.1"}/tcp/${opts.port ?? 0}`] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: bootstrapPeers.length > 0
      ? [bootstrap({ list: bootstrapPeers, timeout: 100 })]
      : [],
    connectionManager: { maxConnections: opts.maxPeers ?? 50 },
    // --- operator block list (issue #9): banned or blocked peers are gated ---
    connectionGater: {
      denyDialPeer: isGated,
      denyInboundEncryptedConnection: isGated,
      denyOutboundEncryptedConnection: isGated,
      denyInboundUpgradedConnection: isGated,
      denyOutboundUpgradedConnection: isGated,
    },
    services: {
      identify: identify(),
      ping: ping(),
      pubsub: gossipsub({
        globalSignaturePolicy: "StrictNoSign",
        fallbackToFloodsub: false,
        // Native SHA-256: a 1 MB proposal hashes in ~2 ms instead of ~16 ms with noble, per copy.
        msgIdFn: (msg: Message) => new Uint8Array(createHash("sha256").update(msg.data).digest()),
        allowPublishToZeroTopicPeers: true,
        ignoreDuplicatePublishError: true,
        emitSelf: false,
        seenTTL: 2 * MAX_MESSAGE_AGE_MS,
        maxInboundDataLength: maxMessageBytes + 64 * 1024,
        allowedTopics: [...topicOf.keys()],
        scoreParams: computeGossipScoreParams(
          opts.networkId,
          (peerId) => book.getScore(peerId, Date.now()),
        ),
        scoreThresholds: GOSSIP_SCORE_THRESHOLDS,
      }),
    },
  });
  const peerId = libp2p.peerId.toString();
  const pubsub = libp2p.services.pubsub;
  // The GossipSub interface does not expose the score; the implementation does.
  const scoreOf = (id: string): number =>
    (pubsub as unknown as { getScore?: (id: string) => number }).getScore?.(id) ?? 0;

  function penalise(peer: string, offence: Offence, reason: string): PenaltyResult {
    const result = book.penalise(peer, offence, Date.now());
    log.debug("p2p.penalty", { peer, offence, reason, score: result.score });
    if (result.banned) {
      log.warn("p2p.ban", { peer, offence, bannedUntilMs: result.bannedUntilMs });
      libp2p.hangUp(peerIdFromString(peer)).catch((err: Error) =>
        log.warn("p2p.hangup_failed", { peer, error: err.message })
      );
    }
    return result;
  }

  let rateDropped = 0;
  const clock = new ClockOffsetEstimator();
  let clockCheckedAtMs = -Infinity;
  let clockWarnedAtMs = -Infinity;

  /**
   * Samples the sender's clock (every envelope: cheap); looks at the estimate
   * at most every 10 s (it sorts every peer's samples) and warns at most once
   * a minute while ours is far off.
   */
  function sampleClock(peer: string, sentAtMs: number, nowMs: number): void {
    clock.record(peer, sentAtMs, nowMs);
    if (nowMs - clockCheckedAtMs < 10_000 || nowMs - clockWarnedAtMs < 60_000) return;
    clockCheckedAtMs = nowMs;
    const offset = clock.estimate(nowMs);
    if (offset === null || Math.abs(offset.offsetMs) <= CLOCK_OFFSET_WARN_MS) return;
    clockWarnedAtMs = nowMs;
    log.warn("p2p.clock_offset", {
      offset_ms: offset.offsetMs,
      peers: offset.peers,
      hint: `this node's clock is ${Math.abs(offset.offsetMs)} ms ${
        offset.offsetMs > 0 ? "ahead of" : "behind"
      } its peers': peers drop gossip sent over ${MAX_FUTURE_SKEW_MS} ms ahead or ${MAX_MESSAGE_AGE_MS} ms old, and refuse proposals too far ahead; fix the clock (NTP)`,
    });
  }

  async function runHandlers(name: TopicName, message: GossipMessage): Promise<Verdict> {
    let verdict: Verdict = "accept";
    for (const handler of handlers.get(name) ?? []) {
      let result: Verdict;
      try {
        result = await handler(message);
      } catch (err) {
        // After stop, handlers still running fail as the node closes under them: expected.
        const fields = { topic: name, error: (err as Error).message };
        if (started) log.warn("p2p.handler_error", fields);
        else log.debug("p2p.handler_error", fields);
        result = "ignore";
      }
      if (result === "reject") return "reject";
      if (result === "ignore") verdict = "ignore";
    }
    return verdict;
  }

  async function validate(
    name: TopicName,
    topic: string,
    from: { toString(): string },
    msg: Message,
  ): Promise<TopicValidatorResult> {
    const peer = from.toString();
    const nowMs = Date.now();
    if (book.isBanned(peer, nowMs)) return TopicValidatorResult.Ignore;
    if (name === "tx") {
      // Transactions are honest bulk traffic: over the rate they are dropped, not penalised.
      if (!book.takeToken(peer, nowMs, "tx_messages")) {
        rateDropped++;
        if (rateDropped % 1000 === 1) {
          log.debug("p2p.tx_rate_dropped", { peer, dropped: rateDropped });
        }
        return TopicValidatorResult.Ignore;
      }
    } else if (!book.takeToken(peer, nowMs)) {
      penalise(peer, "flood", `over ${book.config.rateLimitPerSecond} msg/s`);
      return TopicValidatorResult.Ignore;
    }
    const check = await checkEnvelope(msg.data, {
      networkId: opts.networkId,
      topic,
      maxMessageBytes,
      nowMs,
      verify: opts.verify,
    });
    if (check.kind === "offence") {
      penalise(peer, check.offence, check.reason);
      return TopicValidatorResult.Reject;
    }
    sampleClock(peer, check.kind === "stale" ? check.sentAtMs : check.envelope.sentAtMs, nowMs);
    if (check.kind === "stale") {
      log.debug("p2p.stale_message", { peer, topic: name, reason: check.reason });
      return TopicValidatorResult.Ignore;
    }
    const verdict = await runHandlers(name, {
      topic: name,
      payload: check.envelope.payload,
      senderPublicKey: check.envelope.senderPublicKey,
      sentAtMs: check.envelope.sentAtMs,
      fromPeer: peer,
    });
    if (verdict === "reject") {
      penalise(peer, "invalid_payload", `${name} payload rejected`);
      return TopicValidatorResult.Reject;
    }
    return verdict === "accept" ? TopicValidatorResult.Accept : TopicValidatorResult.Ignore;
  }

  /**
   * Serves one inbound request stream of a block protocol: refused when not
   * served or the peer is banned, rate limited (a flood costs reputation), and
   * a malformed request costs the peer `bad_request`.
   */
  async function handleRequestStream(
    stream: Stream,
    remote: string,
    what: string,
    serve: ((stream: Stream) => Promise<void>) | undefined,
  ): Promise<void> {
    const nowMs = Date.now();
    if (serve === undefined || book.isBanned(remote, nowMs)) {
      stream.abort(new P2PError("REQUEST_INVALID", `${what} requests not served`));
      return;
    }
    if (!book.takeToken(remote, nowMs)) {
      penalise(remote, "flood", `${what} requests over the rate limit`);
      stream.abort(new P2PError("REQUEST_INVALID", "rate limited"));
      return;
    }
    try {
      await serve(stream);
    } catch (err) {
      if (err instanceof P2PError && err.code === "REQUEST_INVALID") {
        penalise(remote, "bad_request", err.message);
      } else {
        log.debug("p2p.request_serve_failed", {
          protocol: what,
          peer: remote,
          error: (err as Error).message,
        });
      }
    }
  }

  function handleBlockStream(stream: Stream, remote: string): Promise<void> {
    const provider = opts.blockRangeProvider;
    return handleRequestStream(
      stream,
      remote,
      "block",
      provider &&
        ((s) => serveBlockRange(s, provider, AbortSignal.timeout(BLOCK_REQUEST_TIMEOUT_MS))),
    );
  }

  function handleBlockByHashStream(stream: Stream, remote: string): Promise<void> {
    const provider = opts.blockByHashProvider;
    return handleRequestStream(
      stream,
      remote,
      "block-by-hash",
      provider &&
        ((s) => serveBlockByHash(s, provider, AbortSignal.timeout(BLOCK_BY_HASH_TIMEOUT_MS))),
    );
  }

  let timer: ReturnType<typeof setInterval> | undefined;
  let started = false;

  function redialBootstrap(): void {
    const nowMs = Date.now();
    book.prune(nowMs);
    for (const address of bootstrapPeers) {
      const target = multiaddr(address);
      const id = target.getComponents().findLast((c) => c.name === "p2p")?.value;
      if (id === undefined || id === peerId || book.isBanned(id, nowMs)) continue;
      if (libp2p.getConnections(peerIdFromString(id)).length > 0) continue;
      libp2p.dial(target).catch((err: Error) =>
        log.debug("p2p.redial_failed", { peer: id, error: err.message })
      );
    }
  }

  return {
    peerId,

    async start() {
      if (started) return;
      await libp2p.start();
      started = true;
      for (const [topic, name] of topicOf) {
        pubsub.topicValidators.set(topic, (from, msg) => validate(name, topic, from, msg));
        pubsub.subscribe(topic);
      }
      await libp2p.handle(
        blocksProtocol,
        (stream, connection) => handleBlockStream(stream, connection.remotePeer.toString()),
        { maxInboundStreams: 4 },
      );
      await libp2p.handle(
        blockByHashProtocol,
        (stream, connection) => handleBlockByHashStream(stream, connection.remotePeer.toString()),
        { maxInboundStreams: 4 },
      );
      timer = setInterval(redialBootstrap, opts.reconnectIntervalMs ?? 10_000);
      log.info("p2p.started", {
        peerId,
        addresses: libp2p.getMultiaddrs().map((ma) => ma.toString()),
      });
    },

    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      if (!started) return;
      started = false;
      await libp2p.stop();
      log.info("p2p.stopped", { peerId });
    },

    multiaddrs() {
      return libp2p.getMultiaddrs().map((ma) => ma.toString());
    },

    async publish(name, payload) {
      if (!started) throw new P2PError("NOT_STARTED", "Cannot publish: p2p node not started");
      if (!isTopicName(name)) throw new P2PError("UNKNOWN_TOPIC", `Unknown topic "${name}"`);
      const topic = computeTopic(opts.networkId, name);
      const bytes = await createEnvelope({
        networkId: opts.networkId,
        topic,
        payload,
        sentAtMs: Date.now(),
        signer: opts.signingKey,
      });
      if (bytes.length > maxMessageBytes) {
        throw new P2PError(
          "MESSAGE_TOO_LARGE",
          `Cannot publish on ${name}: envelope is ${bytes.length} bytes, max ${maxMessageBytes}`,
          { sizeBytes: bytes.length, maxMessageBytes },
        );
      }
      const result = await pubsub.publish(topic, bytes);
      return result.recipients.length;
    },

    onMessage(name, handler) {
      if (!isTopicName(name)) throw new P2PError("UNKNOWN_TOPIC", `Unknown topic "${name}"`);
      const set = handlers.get(name) ?? new Set<MessageHandler>();
      set.add(handler);
      handlers.set(name, set);
      return () => {
        set.delete(handler);
      };
    },

    async requestBlocks(peer, fromHeight, count) {
      if (!started) {
        throw new P2PError("NOT_STARTED", "Cannot request blocks: p2p node not started");
      }
      if (!Number.isSafeInteger(fromHeight) || fromHeight < 0) {
        throw new P2PError("REQUEST_INVALID", `fromHeight must be a uint, got ${fromHeight}`);
      }
      if (!Number.isSafeInteger(count) || count < 1 || count > MAX_BLOCKS_PER_REQUEST) {
        throw new P2PError(
          "REQUEST_INVALID",
          `count must be 1..${MAX_BLOCKS_PER_REQUEST}, got ${count}`,
          { count },
        );
      }
      if (book.isBanned(peer, Date.now())) {
        throw new P2PError("PEER_BANNED", `Cannot request blocks: peer ${peer} is banned`);
      }
      const signal = AbortSignal.timeout(BLOCK_REQUEST_TIMEOUT_MS);
      try {
        const stream: Stream = await libp2p.dialProtocol(peerIdFromString(peer), blocksProtocol, {
          signal,
        });
        return await exchangeBlockRange(stream, { from: fromHeight, count }, signal);
      } catch (err) {
        if (err instanceof P2PError) {
          if (err.code === "RESPONSE_INVALID" || err.code === "RESPONSE_TOO_LARGE") {
            penalise(peer, "malformed", err.message);
          }
          throw err;
        }
        if (signal.aborted) {
          throw new P2PError("REQUEST_TIMEOUT", `Block request to ${peer} timed out`, { peer });
        }
        throw new P2PError(
          "REQUEST_FAILED",
          `Cannot request blocks from ${peer}: ${(err as Error).message}`,
          { peer },
        );
      }
    },

    async requestBlockByHash(peer, hash) {
      if (!started) {
        throw new P2PError("NOT_STARTED", "Cannot request a block: p2p node not started");
      }
      if (hash.length !== 32) {
        throw new P2PError("REQUEST_INVALID", `hash must be 32 bytes, got ${hash.length}`);
      }
      if (book.isBanned(peer, Date.now())) {
        throw new P2PError("PEER_BANNED", `Cannot request a block: peer ${peer} is banned`);
      }
      const signal = AbortSignal.timeout(BLOCK_BY_HASH_TIMEOUT_MS);
      try {
        const stream: Stream = await libp2p.dialProtocol(
          peerIdFromString(peer),
          blockByHashProtocol,
          { signal },
        );
        return await exchangeBlockByHash(stream, hash, signal);
      } catch (err) {
        if (err instanceof P2PError) {
          if (err.code === "RESPONSE_INVALID" || err.code === "RESPONSE_TOO_LARGE") {
            penalise(peer, "malformed", err.message);
          }
          throw err;
        }
        if (signal.aborted) {
          throw new P2PError("REQUEST_TIMEOUT", `Block-by-hash request to ${peer} timed out`, {
            peer,
          });
        }
        throw new P2PError(
          "REQUEST_FAILED",
          `Cannot request a block from ${peer}: ${(err as Error).message}`,
          { peer },
        );
      }
    },

    penalise(peer, offence, reason) {
      return penalise(peer, offence, reason);
    },

    takeRateBudget(peer, bucket, count) {
      return book.takeToken(peer, Date.now(), bucket, count);
    },

    peers() {
      const nowMs = Date.now();
      const byId = new Map<string, PeerInfo>();
      for (const connection of libp2p.getConnections()) {
        const id = connection.remotePeer.toString();
        const info: PeerInfo = byId.get(id) ?? {
          id,
          addresses: [],
          score: book.getScore(id, nowMs),
          gossipScore: scoreOf(id),
          bannedUntilMs: book.getBannedUntilMs(id, nowMs),
          connected: true,
        };
        info.addresses.push(connection.remoteAddr.toString());
        byId.set(id, info);
      }
      for (const standing of book.listStandings(nowMs)) {
        if (standing.bannedUntilMs === null || byId.has(standing.peerId)) continue;
        byId.set(standing.peerId, {
          id: standing.peerId,
          addresses: [],
          score: standing.score,
          gossipScore: 0,
          bannedUntilMs: standing.bannedUntilMs,
          connected: false,
        });
      }
      return [...byId.values()];
    },

    peerCount() {
      return libp2p.getPeers().length;
    },

    clockOffset() {
      return clock.estimate(Date.now());
    },

    // --- operator block list (issue #9) ---
    async blockPeer(peer) {
      try {
        peerIdFromString(peer);
      } catch {
        throw new P2PError("INVALID_OPTION", `Cannot block: "${peer}" is not a peer id`);
      }
      if (peer === peerId) {
        throw new P2PError("INVALID_OPTION", "Cannot block this node's own peer id");
      }
      blocked.add(peer);
      log.info("p2p.peer_blocked", { peer });
      if (started) await libp2p.hangUp(peerIdFromString(peer)).catch(() => {});
    },

    unblockPeer(peer) {
      const was = blocked.delete(peer);
      if (was) {
        log.info("p2p.peer_unblocked", { peer });
        if (started) redialBootstrap();
      }
      return was;
    },

    blockedPeers() {
      return [...blocked].sort();
    },
    // --- end operator block list ---

    async dial(address) {
      const connection = await libp2p.dial(multiaddr(address));
      return connection.remotePeer.toString();
    },
  };
}

function validateOptions(opts: P2PNodeOptions): void {
  if (!Number.isInteger(opts.networkId) || opts.networkId < 0 || opts.networkId > 0xffffffff) {
    throw new P2PError("INVALID_OPTION", `networkId must be a u32, got ${opts.networkId}`);
  }
  if (opts.identitySecretKey.length !== 32) {
    throw new P2PError(
      "INVALID_OPTION",
      `identitySecretKey must be 32 bytes, got ${opts.identitySecretKey.length}`,
    );
  }
  if (opts.signingKey.publicKey.length !== 32) {
    throw new P2PError("INVALID_OPTION", "signingKey.publicKey must be 32 bytes");
  }
  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new P2PError("INVALID_OPTION", `port must be 0..65535, got ${port}`);
  }
}
