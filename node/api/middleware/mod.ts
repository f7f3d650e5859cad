/** HTTP hardening middleware: rate limit, time limit, security headers, CORS, operator auth. */
export { HEALTH_PATHS, installApiHardening } from "./hardening.ts";
export { isSameSecret, readOperatorToken, requireOperatorToken } from "./operator_auth.ts";
export { getClientIp, rateLimit, type RateLimitOptions } from "./rate_limit.ts";
export { requestTimeout } from "./request_timeout.ts";
export { API_CONTENT_SECURITY_POLICY, securityHeaders } from "./security_headers.ts";
export { type TakeResult, type TokenBucketOptions, TokenBuckets } from "./token_bucket.ts";
