/**
 * Security headers on every response. A route that set its own header (the
 * console sets a Content-Security-Policy for its HTML pages) keeps it.
 */
import type { MiddlewareHandler } from "hono";

/** Default policy for API (JSON) responses: nothing may be loaded or framed. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

const DEFAULT_HEADERS: readonly (readonly [string, string])[] = [
  ["X-Content-Type-Options", "nosniff"],
  ["X-Frame-Options", "DENY"],
  ["Referrer-Policy", "no-referrer"],
  ["Content-Security-Policy", API_CONTENT_SECURITY_POLICY],
  ["Cross-Origin-Resource-Policy", "same-site"],
];

export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    for (const [name, value] of DEFAULT_HEADERS) {
      if (!headers.has(name)) {
        try {
          headers.set(name, value);
        } catch {
          // Immutable headers (a proxied Response): leave them as they are.
        }
      }
    }
  };
}
