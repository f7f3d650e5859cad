/**
 * Operator-token auth for endpoints that act with the node's own wallet.
 * The token is read from the environment variable NAMED by
 * `api.operator_token_env` (the config never holds the token). Clients send
 * `Authorization: Bearer <token>`; the comparison takes the same time
 * whatever the guess. With no token configured, these endpoints are off
 * (403), never open.
 *
 * @example
 * ```ts
 * addRoutes((app, node) => {
 *   app.post("/api/v1/market/node-orders", requireOperatorToken(node.config.api), handler);
 * });
 * ```
 */
import type { MiddlewareHandler } from "hono";
import { sha256 } from "../../crypto/sha256.ts";
import { ApiError } from "../errors.ts";

const encoder = new TextEncoder();

/**
 * Compares two secrets in time independent of where they differ and of
 * their lengths (both are hashed to 32 bytes first).
 */
export function isSameSecret(a: string, b: string): boolean {
  const ha = sha256(encoder.encode(a));
  const hb = sha256(encoder.encode(b));
  let diff = 0;
  for (let i = 0; i < ha.length; i++) diff |= ha[i]! ^ hb[i]!;
  return diff === 0;
}

/** Reads the operator token from the env var `envName`; undefined when unset or empty. */
export function readOperatorToken(envName: string): string | undefined {
  let value: string | undefined;
  try {
    value = Deno.env.get(envName);
  } catch {
    return undefined; // no --allow-env for it: treated as not configured
  }
  return value === undefined || value === "" ? undefined : value;
}

/**
 * Middleware that lets a request through only with the operator token.
 * @param api the node's `[api]` config (only `operator_token_env` is read)
 * @param opts.token the token itself, for tests; otherwise read from the env var once
 */
export function requireOperatorToken(
  api: { operator_token_env: string },
  opts: { token?: string } = {},
): MiddlewareHandler {
  const token = opts.token ?? readOperatorToken(api.operator_token_env);
  return async (c, next) => {
    if (token === undefined) {
      throw new ApiError(
        "FORBIDDEN",
        `Node-wallet endpoints are disabled: set the environment variable ${api.operator_token_env} to an operator token`,
      );
    }
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (match === null || !isSameSecret(match[1]!, token)) {
      c.header("WWW-Authenticate", 'Bearer realm="gridtokenx-operator"');
      throw new ApiError(
        "UNAUTHORIZED",
        match === null
          ? "This endpoint needs the operator token: Authorization: Bearer <token>"
          : "Operator token is not valid",
        "authorization",
      );
    }
    await next();
  };
}
