import assert from "node:assert/strict";
import { Hono } from "hono";
import { toErrorResponse } from "../node/api/errors.ts";
import {
  isSameSecret,
  requestTimeout,
  requireOperatorToken,
  TokenBuckets,
} from "../node/api/middleware/mod.ts";
import { createLogger } from "../node/log/logger.ts";
import { startNode } from "../node/runtime/start_node.ts";
import { TEST_PASSPHRASE } from "./helpers/test_node.ts";
import { opsConfig } from "./ops_helpers.ts";

async function withNode(
  apiToml: string,
  fn: (baseUrl: string) => Promise<void>,
): Promise<void> {
  const dataDir = await Deno.makeTempDir({ prefix: "gtx-sec-api-" });
  Deno.env.set("GRIDTOKENX_PASSPHRASE", TEST_PASSPHRASE);
  const cfg = opsConfig({ dataDir, apiToml, blockTimeMs: 200 });
  const log = createLogger({ level: "warn", format: "json", console: false });
  const running = await startNode(cfg, log, { handleSignals: false });
  try {
    await fn(`http://127.0.0.1:${running.http.port}`);
  } finally {
    await running.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  }
}

function appWithErrors(): Hono {
  const app = new Hono();
  app.onError((e, c) => {
    const { status, body } = toErrorResponse(e);
    return c.json(body, status as 400);
  });
  return app;
}

Deno.test("API: security headers on every response; CORS off by default", async () => {
  await withNode("", async (baseUrl) => {
    for (const path of ["/api/v1/status", "/api/v1/nope", "/metrics"]) {
      const res = await fetch(`${baseUrl}${path}`, {
        headers: { Origin: "https://evil.example" },
      });
      await res.body?.cancel();
      assert.equal(res.headers.get("x-content-type-options"), "nosniff", path);
      assert.equal(res.headers.get("x-frame-options"), "DENY", path);
      assert.equal(res.headers.get("referrer-policy"), "no-referrer", path);
      assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'/, path);
      assert.equal(res.headers.get("access-control-allow-origin"), null, path);
    }
  });
});

Deno.test("API: CORS allows only the configured origins", async () => {
  await withNode('cors_origins = ["https://console.example.org"]', async (baseUrl) => {
    const ok = await fetch(`${baseUrl}/api/v1/status`, {
      headers: { Origin: "https://console.example.org" },
    });
    await ok.body?.cancel();
    assert.equal(ok.headers.get("access-control-allow-origin"), "https://console.example.org");
    const other = await fetch(`${baseUrl}/api/v1/status`, {
      headers: { Origin: "https://evil.example" },
    });
    await other.body?.cancel();
    assert.notEqual(other.headers.get("access-control-allow-origin"), "https://evil.example");
    assert.notEqual(other.headers.get("access-control-allow-origin"), "*");
  });
});

Deno.test("API: a client over its rate gets 429 RATE_LIMITED with Retry-After; /status stays open", async () => {
  await withNode("rate_limit_per_second = 2\nrate_limit_burst = 5", async (baseUrl) => {
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${baseUrl}/api/v1/blocks/latest`);
      statuses.push(res.status);
      if (res.status === 429 && limited === undefined) limited = res;
      else await res.body?.cancel();
    }
    assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200]);
    assert.equal(statuses[7], 429);
    assert.ok(limited);
    const retryAfterS = Number(limited.headers.get("retry-after"));
    assert.ok(Number.isInteger(retryAfterS) && retryAfterS >= 1, `Retry-After ${retryAfterS}`);
    const body = await limited.json();
    assert.equal(body.error.code, "RATE_LIMITED");
    assert.match(body.error.message, /retry after/);
    for (let i = 0; i < 20; i++) {
      const status = await fetch(`${baseUrl}/api/v1/status`);
      assert.equal(status.status, 200);
      await status.body?.cancel();
    }
  });
});

Deno.test("API: duplicate JSON keys in a request body are rejected with the key named", async () => {
  await withNode("", async (baseUrl) => {
    const res = await fetch(`${baseUrl}/api/v1/transactions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"body":{"kind":"transfer","nonce":0,"nonce":1},"signature":"00"}',
    });
    assert.equal(res.status, 400);
    const body = await res.json();
    assert.equal(body.error.code, "BAD_JSON");
    assert.match(body.error.message, /Duplicate key "nonce".*\$\.body/);
    assert.equal(body.error.field, "body.nonce");
  });
});

Deno.test("token buckets: memory stays bounded under many client addresses", () => {
  const buckets = new TokenBuckets({ ratePerSecond: 10, burst: 20, maxClients: 1000 });
  for (let i = 0; i < 100_000; i++) buckets.take(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, i);
  assert.equal(buckets.size, 1000);
  // Refill: a drained bucket gets a token back after 1/rate seconds.
  const one = new TokenBuckets({ ratePerSecond: 10, burst: 1, maxClients: 10 });
  assert.equal(one.take("a", 0).allowed, true);
  const denied = one.take("a", 0);
  assert.deepEqual(denied, { allowed: false, retryAfterMs: 100 });
  assert.equal(one.take("a", 100).allowed, true);
});

Deno.test("request time limit: a slow handler gets 504 REQUEST_TIMEOUT", async () => {
  const app = appWithErrors();
  app.use("*", requestTimeout(100));
  app.get("/slow", async (c) => {
    await new Promise((r) => setTimeout(r, 400));
    return c.text("late");
  });
  app.get("/fast", (c) => c.text("ok"));
  const res = await app.request("/slow");
  assert.equal(res.status, 504);
  assert.equal((await res.json()).error.code, "REQUEST_TIMEOUT");
  assert.equal((await app.request("/fast")).status, 200);
  await new Promise((r) => setTimeout(r, 450));
});

Deno.test("operator token: Bearer auth with constant-time comparison; off without a token", async () => {
  const app = appWithErrors();
  app.post(
    "/wallet",
    requireOperatorToken({ operator_token_env: "X" }, { token: "s3cret-token" }),
    (c) => c.json({ ok: true }),
  );
  const off = appWithErrors();
  off.post(
    "/wallet",
    requireOperatorToken({ operator_token_env: "GTX_TEST_UNSET_OPERATOR_TOKEN" }),
    (c) => c.json({ ok: true }),
  );
  const none = await app.request("/wallet", { method: "POST" });
  assert.equal(none.status, 401);
  assert.equal((await none.json()).error.code, "UNAUTHORIZED");
  assert.match(none.headers.get("www-authenticate") ?? "", /Bearer/);
  const wrong = await app.request("/wallet", {
    method: "POST",
    headers: { Authorization: "Bearer s3cret-tokeN" },
  });
  assert.equal(wrong.status, 401);
  const right = await app.request("/wallet", {
    method: "POST",
    headers: { Authorization: "Bearer s3cret-token" },
  });
  assert.equal(right.status, 200);
  const disabled = await off.request("/wallet", {
    method: "POST",
    headers: { Authorization: "Bearer anything" },
  });
  assert.equal(disabled.status, 403);
  assert.match((await disabled.json()).error.message, /GTX_TEST_UNSET_OPERATOR_TOKEN/);
  assert.equal(isSameSecret("a", "a"), true);
  assert.equal(isSameSecret("a", "ab"), false);
  assert.equal(isSameSecret("", "a"), false);
});
