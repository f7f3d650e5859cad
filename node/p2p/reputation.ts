/**
 * Per-peer reputation: penalties, exponential decay back toward 0, a token-bucket
 * rate limit and bans. Pure: no I/O and no clock; every call takes `nowMs`.
 * The p2p node turns a `banned` result into hangUp + connection-gater denial.
 * @module
 */

/** Misbehaviours that cost reputation. */
export type Offence =
  | "invalid_signature"
  | "invalid_payload"
  | "malformed"
  | "oversized"
  | "flood"
  | "bad_request"
  | "invalid_block"
  | "bad_response";

/**
 * Token buckets kept per peer (docs/p2p.md §6):
 * - `messages`: gossip messages on `blocks` and `votes`, and inbound block
 *   requests. Over it: ignored and `flood`.
 * - `tx_messages`: messages on the `tx` topic. Over it: ignored, no penalty.
 * - `tx_items`: transactions carried by `tx` messages. Over it: ignored, no penalty.
 * - `tx_useless`: `tx` messages that carried nothing new (every transaction a
 *   duplicate). Over it: `flood`, so a duplicate flood still ends in a ban.
 */
export type RateBucket = "messages" | "tx_messages" | "tx_items" | "tx_useless";

/** Sustained rate and burst of one token bucket. */
export interface RateLimit {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket capacity. */
  burst: number;
}

/** Tunables of the reputation book. */
export interface ReputationConfig {
  /** Score change per offence (negative numbers). */
  penalties: Record<Offence, number>;
  /** A peer whose score falls to or below this is banned. */
  banThreshold: number;
  /** Ban length in milliseconds. */
  banMs: number;
  /** Time for a negative score to halve while the peer behaves. */
  decayHalfLifeMs: number;
  /** Sustained gossip messages per second allowed per peer. */
  rateLimitPerSecond: number;
  /** Token-bucket capacity: burst of messages allowed above the sustained rate. */
  rateBurst: number;
  /** Messages on the `tx` topic per peer (over: dropped, no penalty). */
  txMessages: RateLimit;
  /** Transactions carried by `tx` messages per peer (over: dropped, no penalty). */
  txItems: RateLimit;
  /** `tx` messages with nothing new per peer (over: `flood`). */
  txUseless: RateLimit;
}

/** Defaults used by the node (documented in docs/p2p.md). */
export const DEFAULT_REPUTATION_CONFIG: ReputationConfig = {
  penalties: {
    invalid_signature: -60,
    malformed: -60,
    oversized: -60,
    invalid_payload: -20,
    bad_request: -10,
    flood: -2,
    invalid_block: -60,
    bad_response: -20,
  },
  banThreshold: -100,
  banMs: 3_600_000,
  decayHalfLifeMs: 300_000,
  rateLimitPerSecond: 100,
  rateBurst: 200,
  txMessages: { perSecond: 500, burst: 1_000 },
  txItems: { perSecond: 10_000, burst: 20_000 },
  txUseless: { perSecond: 50, burst: 200 },
};

/** Result of a penalty. `banned` is true only on the call that started the ban. */
export interface PenaltyResult {
  /** Score after the penalty (reset to 0 when the ban starts). */
  score: number;
  /** True if this penalty started a ban. */
  banned: boolean;
  /** End of the ban in ms since epoch, if the peer is banned. */
  bannedUntilMs: number | null;
}

/** Read-only view of one peer's standing. */
export interface PeerStanding {
  peerId: string;
  score: number;
  bannedUntilMs: number | null;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

interface Entry {
  score: number;
  scoreAtMs: number;
  /** Token buckets touched so far (a missing bucket is full). */
  buckets: Partial<Record<RateBucket, Bucket>>;
  bannedUntilMs: number | null;
}

/** Scores below this magnitude are treated as 0 when pruning. */
const NEGLIGIBLE_SCORE = 0.5;

/**
 * Tracks reputation of peers by peer-id string.
 * @example
 * const book = new ReputationBook();
 * book.penalise("12D3Koo...", "invalid_signature", Date.now());
 */
export class ReputationBook {
  readonly config: ReputationConfig;
  readonly #entries = new Map<string, Entry>();

  constructor(config: Partial<ReputationConfig> = {}) {
    this.config = {
      ...DEFAULT_REPUTATION_CONFIG,
      ...config,
      penalties: { ...DEFAULT_REPUTATION_CONFIG.penalties, ...config.penalties },
    };
  }

  /** Current (decayed) score of a peer; 0 for unknown peers. */
  getScore(peerId: string, nowMs: number): number {
    const entry = this.#entries.get(peerId);
    return entry === undefined ? 0 : this.#decay(entry, nowMs);
  }

  /** True while the peer is banned. */
  isBanned(peerId: string, nowMs: number): boolean {
    return this.getBannedUntilMs(peerId, nowMs) !== null;
  }

  /** End of the current ban, or null if the peer is not banned at `nowMs`. */
  getBannedUntilMs(peerId: string, nowMs: number): number | null {
    const until = this.#entries.get(peerId)?.bannedUntilMs ?? null;
    return until !== null && until > nowMs ? until : null;
  }

  /** Applies the penalty for `offence`; bans the peer if the score reaches the threshold. */
  penalise(peerId: string, offence: Offence, nowMs: number): PenaltyResult {
    const entry = this.#entry(peerId, nowMs);
    const score = this.#decay(entry, nowMs) + this.config.penalties[offence];
    entry.score = score;
    entry.scoreAtMs = nowMs;
    const alreadyBanned = entry.bannedUntilMs !== null && entry.bannedUntilMs > nowMs;
    if (!alreadyBanned && score <= this.config.banThreshold) {
      entry.bannedUntilMs = nowMs + this.config.banMs;
      entry.score = 0;
      return { score: 0, banned: true, bannedUntilMs: entry.bannedUntilMs };
    }
    return {
      score,
      banned: false,
      bannedUntilMs: alreadyBanned ? entry.bannedUntilMs : null,
    };
  }

  /**
   * Takes `count` tokens (default 1) from the peer's `bucket` (default
   * `messages`). Returns false, and takes nothing, when the peer is over that
   * rate; the caller decides what that costs (see {@link RateBucket}).
   */
  takeToken(
    peerId: string,
    nowMs: number,
    bucket: RateBucket = "messages",
    count = 1,
  ): boolean {
    const entry = this.#entry(peerId, nowMs);
    const limit = this.limitOf(bucket);
    const b = entry.buckets[bucket] ??= { tokens: limit.burst, atMs: nowMs };
    const elapsedMs = Math.max(0, nowMs - b.atMs);
    b.tokens = Math.min(limit.burst, b.tokens + (elapsedMs * limit.perSecond) / 1000);
    b.atMs = nowMs;
    if (b.tokens < count) return false;
    b.tokens -= count;
    return true;
  }

  /** The rate and burst of a bucket. */
  limitOf(bucket: RateBucket): RateLimit {
    switch (bucket) {
      case "messages":
        return { perSecond: this.config.rateLimitPerSecond, burst: this.config.rateBurst };
      case "tx_messages":
        return this.config.txMessages;
      case "tx_items":
        return this.config.txItems;
      case "tx_useless":
        return this.config.txUseless;
    }
  }

  /** Lists peers with a non-negligible score or an active ban. */
  listStandings(nowMs: number): PeerStanding[] {
    const out: PeerStanding[] = [];
    for (const [peerId, entry] of this.#entries) {
      const score = this.#decay(entry, nowMs);
      const bannedUntilMs = this.getBannedUntilMs(peerId, nowMs);
      if (Math.abs(score) >= NEGLIGIBLE_SCORE || bannedUntilMs !== null) {
        out.push({ peerId, score, bannedUntilMs });
      }
    }
    return out;
  }

  /** Drops entries with negligible score, no ban and a full bucket, to bound memory. */
  prune(nowMs: number): void {
    for (const [peerId, entry] of this.#entries) {
      const idle = Math.abs(this.#decay(entry, nowMs)) < NEGLIGIBLE_SCORE &&
        this.getBannedUntilMs(peerId, nowMs) === null &&
        this.#bucketsFull(entry, nowMs);
      if (idle) this.#entries.delete(peerId);
    }
  }

  #entry(peerId: string, nowMs: number): Entry {
    let entry = this.#entries.get(peerId);
    if (entry === undefined) {
      entry = {
        score: 0,
        scoreAtMs: nowMs,
        buckets: {},
        bannedUntilMs: null,
      };
      this.#entries.set(peerId, entry);
    }
    return entry;
  }

  #bucketsFull(entry: Entry, nowMs: number): boolean {
    for (const [name, b] of Object.entries(entry.buckets) as [RateBucket, Bucket][]) {
      const limit = this.limitOf(name);
      if (b.tokens + ((nowMs - b.atMs) * limit.perSecond) / 1000 < limit.burst) return false;
    }
    return true;
  }

  #decay(entry: Entry, nowMs: number): number {
    const elapsedMs = Math.max(0, nowMs - entry.scoreAtMs);
    return entry.score * Math.pow(0.5, elapsedMs / this.config.decayHalfLifeMs);
  }
}
