/**
 * Per-client token buckets with a hard bound on memory. Pure: the caller
 * passes the clock, so tests need no timers.
 *
 * Each client's bucket holds up to `burst` tokens and refills at
 * `ratePerSecond`; a request takes one token. At most `maxClients` buckets
 * are kept: the least recently used bucket is dropped when a new client
 * arrives (that client then starts again with a full bucket, which only
 * ever loosens the limit for the evicted client, never for the new one).
 */
import { trimOldest } from "../../util/trim_oldest.ts";

export interface TokenBucketOptions {
  ratePerSecond: number;
  burst: number;
  /** Upper bound on remembered clients. */
  maxClients: number;
}

/** Result of one `take`: allowed, or denied with the wait until a token is back. */
export type TakeResult = { allowed: true } | { allowed: false; retryAfterMs: number };

interface Bucket {
  tokens: number;
  updatedMs: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(readonly opts: TokenBucketOptions) {
    if (!(opts.ratePerSecond > 0) || !(opts.burst >= 1) || !(opts.maxClients >= 1)) {
      throw new RangeError(
        `Token bucket needs ratePerSecond > 0, burst >= 1, maxClients >= 1, got ${
          JSON.stringify(opts)
        }`,
      );
    }
  }

  /** Number of clients currently remembered (never above `maxClients`). */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes one token from `client`'s bucket at time `nowMs`. */
  take(client: string, nowMs: number): TakeResult {
    const { ratePerSecond, burst, maxClients } = this.opts;
    let bucket = this.buckets.get(client);
    if (bucket === undefined) {
      trimOldest(this.buckets, maxClients - 1);
      bucket = { tokens: burst, updatedMs: nowMs };
    } else {
      // Re-insert to keep the map in least-recently-used order.
      this.buckets.delete(client);
      const elapsedMs = Math.max(0, nowMs - bucket.updatedMs);
      bucket.tokens = Math.min(burst, bucket.tokens + (elapsedMs * ratePerSecond) / 1000);
      bucket.updatedMs = nowMs;
    }
    this.buckets.set(client, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return {
      allowed: false,
      retryAfterMs: Math.ceil(((1 - bucket.tokens) * 1000) / ratePerSecond),
    };
  }
}
