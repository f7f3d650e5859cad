/**
 * Per-IP rate limiting of the HTTP API with token buckets. Denied requests
 * get 429 with `Retry-After` (whole seconds, at least 1) and the JSON error
 * `RATE_LIMITED`. The client is the TCP peer address: `X-Forwarded-For` is
 * not trusted, because anyone can set it.
 */
import type { Context, MiddlewareHandler } from "hono";
import { toErrorResponse } from "../errors.ts";
import { ApiError } from "../errors.ts";
import { TokenBuckets } from "./token_bucket.ts";

export interface RateLimitOptions {
  ratePerSecond: number;
  burst: number;
  /** Bound on remembered client addresses (memory bound). Default 10,000. */
  maxClients?: number;
  /** Paths never limited: cheap health endpoints answered from memory. */
  exemptPaths?: readonly string[];
  /** Clock, for tests. */
  nowMs?: () => number;
}

/** The TCP peer's IP address of a request served by Deno.serve, or "unknown". */
export function getClientIp(c: Context): string {
  const info = c.env as { remoteAddr?: { hostname?: string } } | undefined;
  return info?.remoteAddr?.hostname ?? "unknown";
}

/** Hono middleware enforcing a per-IP token bucket; exposes its buckets for tests. */
export function rateLimit(
  opts: RateLimitOptions,
): MiddlewareHandler & { buckets: TokenBuckets } {
  const buckets = new TokenBuckets({
    ratePerSecond: opts.ratePerSecond,
    burst: opts.burst,
    maxClients: opts.maxClients ?? 10_000,
  });
  const exempt = new Set(opts.exemptPaths ?? []);
  const now = opts.nowMs ?? Date.now;
  const handler: MiddlewareHandler = async (c, next) => {
    if (exempt.has(c.req.path)) return await next();
    const result = buckets.take(getClientIp(c), now());
    if (!result.allowed) {
      const retryAfterS = Math.max(1, Math.ceil(result.retryAfterMs / 1000));
      const { status, body } = toErrorResponse(
        new ApiError(
          "RATE_LIMITED",
          `Too many requests from this address (limit ${opts.ratePerSecond}/s, burst ${opts.burst}); retry after ${retryAfterS} s`,
        ),
      );
      c.header("Retry-After", String(retryAfterS));
      return c.json(body, status as 429);
    }
    return await next();
  };
  return Object.assign(handler, { buckets });
}
