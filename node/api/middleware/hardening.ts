/**
 * Mounts the HTTP hardening middleware in its order: security headers (on
 * every response, errors included), CORS (only when origins are configured),
 * per-IP rate limit and the request time limit. Health endpoints
 * (`/api/v1/status`, `/metrics`) answer from memory and are exempt from the
 * rate limit so monitoring keeps working while a client floods the API.
 */
import type { Hono } from "hono";
import { cors } from "hono/cors";
import type { NodeConfig } from "../../config/node_config.ts";
import { rateLimit } from "./rate_limit.ts";
import { requestTimeout } from "./request_timeout.ts";
import { securityHeaders } from "./security_headers.ts";

/** Paths that skip the rate limit and the time limit. */
export const HEALTH_PATHS = ["/api/v1/status", "/metrics"] as const;

export function installApiHardening(app: Hono, api: NodeConfig["api"]): void {
  app.use("*", securityHeaders());
  if (api.cors_origins.length > 0) {
    app.use(
      "*",
      cors({
        origin: api.cors_origins.includes("*") ? "*" : [...api.cors_origins],
        allowMethods: ["GET", "POST", "DELETE", "OPTIONS"],
        allowHeaders: ["Content-Type", "Authorization"],
        maxAge: 600,
      }),
    );
  }
  app.use(
    "*",
    rateLimit({
      ratePerSecond: api.rate_limit_per_second,
      burst: api.rate_limit_burst,
      exemptPaths: HEALTH_PATHS,
    }),
  );
  app.use("*", requestTimeout(api.request_timeout_ms, { exemptPaths: HEALTH_PATHS }));
}
