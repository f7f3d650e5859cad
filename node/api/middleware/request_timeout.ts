/**
 * Bounds the time a handler may take. A request still unanswered after
 * `timeoutMs` gets 504 `REQUEST_TIMEOUT`; the handler's late result is
 * dropped. Streaming responses are unaffected once their headers are sent.
 */
import type { MiddlewareHandler } from "hono";
import { ApiError } from "../errors.ts";

export function requestTimeout(
  timeoutMs: number,
  opts: { exemptPaths?: readonly string[] } = {},
): MiddlewareHandler {
  const exempt = new Set(opts.exemptPaths ?? []);
  return async (c, next) => {
    if (exempt.has(c.req.path)) return await next();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new ApiError(
            "REQUEST_TIMEOUT",
            `Request took longer than ${timeoutMs} ms (api.request_timeout_ms)`,
          ),
        );
      }, timeoutMs);
    });
    try {
      await Promise.race([next(), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}
