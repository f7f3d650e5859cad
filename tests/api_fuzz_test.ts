/**
 * API fuzzing with fast-check: random and mutated requests at every endpoint
 * of the chain API. Whatever the request, the node never answers 5xx, every
 * error is `{"error": {"code", "message", "field"?}}` (with `field` when a
 * path parameter or a transaction field is at fault), and the node keeps
 * producing blocks and accepting valid transactions afterwards.
 *
 * Needs: --allow-net=127.0.0.1, --allow-read/--allow-write (temp dir, KV), --allow-env.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { toSignedTxJson } from "../node/chain/transaction.ts";
import { signWith, startTestNode, testWallet, waitFor } from "./helpers/test_node.ts";

const alice = testWallet("fuzz-alice");
const bob = testWallet("fuzz-bob");
/** Default `api.max_body_bytes` of the test config. */
const MAX_BODY_BYTES = 1_048_576;

interface Req {
  method: string;
  path: string;
  contentType?: string;
  body?: string | Uint8Array;
  /** The request was a JSON object with a `body` object: errors about it name a field. */
  expectField?: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A valid signed transfer in wire form (a fresh nonce every call is not needed: mutations break it). */
function validTxJson(nonce: number): Record<string, unknown> {
  const tx = signWith(alice, {
    kind: "transfer",
    nonce,
    feeSatang: 5,
    expiresAtMs: Date.now() + 600_000,
    payload: { to: bob.address, amountSatang: 10, amountWh: 0 },
  });
  return structuredClone(toSignedTxJson(tx)) as unknown as Record<string, unknown>;
}

/** Values chosen to break parsers: wrong types, huge and NaN-like numbers, nesting. */
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    "",
    "NaN",
    "Infinity",
    "-0",
    "1e309",
    "0x10",
    -1,
    -0,
    1.5,
    2 ** 53,
    2 ** 53 + 2,
    1e308,
    Number.MAX_SAFE_INTEGER,
    "9".repeat(400),
    [],
    {},
    { __proto__: { x: 1 } },
    "gtx1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
    "a".repeat(64),
    "A".repeat(64),
    "00".repeat(64),
    "\u0000\uffff\ud800",
  ),
  fc.jsonValue({ maxDepth: 4 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.nat({ max: 40 }).map((depth) => {
    let v: unknown = 1;
    for (let i = 0; i < depth * 50; i++) v = [v];
    return v;
  }),
);

/** One mutation of a JSON object at a (possibly nested) path. */
const mutation = fc.record({
  op: fc.constantFrom("remove", "replace", "add"),
  where: fc.constantFrom(
    [],
    ["body"],
    ["body", "payload"],
  ),
  key: fc.constantFrom(
    "body",
    "signature",
    "kind",
    "networkId",
    "from",
    "nonce",
    "feeSatang",
    "expiresAtMs",
    "payload",
    "to",
    "amountSatang",
    "amountWh",
    "extra",
    "__proto__",
    "constructor",
  ),
  value: nastyValue,
});

function applyMutations(
  tx: Record<string, unknown>,
  ms: { op: string; where: readonly string[]; key: string; value: unknown }[],
): unknown {
  for (const m of ms) {
    let target: unknown = tx;
    for (const k of m.where) target = (target as Record<string, unknown>)?.[k];
    if (typeof target !== "object" || target === null || Array.isArray(target)) continue;
    const obj = target as Record<string, unknown>;
    if (m.op === "remove") delete obj[m.key];
    else {Object.defineProperty(obj, m.key, {
        value: m.value,
        enumerable: true,
        writable: true,
        configurable: true,
      });}
  }
  return tx;
}

const txBodyRequest: fc.Arbitrary<Req> = fc.oneof(
  // A valid transaction with 1-3 mutations.
  fc.tuple(fc.nat({ max: 3 }), fc.array(mutation, { minLength: 1, maxLength: 3 })).map(
    ([nonce, ms]) => {
      const tx = applyMutations(validTxJson(nonce), ms);
      const text = JSON.stringify(tx);
      return {
        method: "POST",
        path: "/api/v1/transactions",
        contentType: "application/json",
        body: text ?? "",
        expectField: typeof tx === "object" && tx !== null &&
          typeof (tx as { body?: unknown }).body === "object",
      };
    },
  ),
  // Any JSON at all.
  fc.jsonValue({ maxDepth: 5 }).map((v) => ({
    method: "POST",
    path: "/api/v1/transactions",
    contentType: "application/json",
    body: JSON.stringify(v) ?? "",
  })),
  // Non-JSON bytes, with and without a JSON content type.
  fc.tuple(
    fc.uint8Array({ maxLength: 300 }),
    fc.constantFrom<string | undefined>(
      "application/json",
      "text/plain",
      undefined,
      "application/json; charset=utf-8",
      "multipart/form-data; boundary=x",
      "application/x-www-form-urlencoded",
      "\u00ff",
    ),
  ).map(([bytes, contentType]) => ({
    method: "POST",
    path: "/api/v1/transactions",
    contentType,
    body: bytes,
  })),
  // A valid transaction sent with the wrong content type.
  fc.constantFrom("text/plain", "application/xml", "image/png").map((contentType) => ({
    method: "POST",
    path: "/api/v1/transactions",
    contentType,
    body: JSON.stringify(validTxJson(0)),
  })),
);

const segment = fc.oneof(
  fc.string({ maxLength: 80 }).map(encodeURIComponent),
  fc.string({ unit: "binary", maxLength: 30 }).map(encodeURIComponent),
  fc.constantFrom(
    "%zz",
    "%",
    "%00",
    "..",
    "-1",
    "1e3",
    "00",
    "9007199254740993",
    "99999999999999999999",
    "0",
    "1",
    "latest",
    "a".repeat(64),
    "A".repeat(64),
    "f".repeat(65),
    "gtx1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq",
    alice.address,
    alice.address.toUpperCase(),
    "x".repeat(5000),
  ),
  fc.nat().map(String),
);

const pathRequest: fc.Arbitrary<Req> = fc.tuple(
  fc.constantFrom(
    "/api/v1/blocks/{}",
    "/api/v1/blocks/hash/{}",
    "/api/v1/transactions/{}",
    "/api/v1/accounts/{}",
    "/api/v1/accounts/{}/balance",
    "/api/v1/{}",
    "/{}",
    "/api/v2/blocks/{}",
    "/api/v1/blocks/{}/{}",
  ),
  segment,
  fc.constantFrom("GET", "GET", "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"),
).map(([template, seg, method]) => ({
  method,
  path: template.replaceAll("{}", seg),
  contentType: method === "GET" || method === "HEAD" ? undefined : "application/json",
  body: method === "GET" || method === "HEAD" ? undefined : "{}",
}));

interface Outcome {
  status: number;
  code?: string;
}

async function send(baseUrl: string, req: Req): Promise<Outcome> {
  const headers: Record<string, string> = {};
  if (req.contentType !== undefined) headers["content-type"] = req.contentType;
  const res = await fetch(baseUrl + req.path, {
    method: req.method,
    headers,
    body: req.body as BodyInit | undefined,
  });
  const text = await res.text();
  const where = `${req.method} ${req.path.slice(0, 120)} -> ${res.status} ${text.slice(0, 300)}`;
  assert.ok(res.status < 500, `server error: ${where}`);
  if (req.method === "HEAD") return { status: res.status };
  // Outside /api/ the console answers browsers with HTML pages (also for errors).
  const path = new URL(res.url).pathname;
  if (!path.startsWith("/api/")) {
    if (res.status >= 400 && !/text\/html/.test(res.headers.get("content-type") ?? "")) {
      assert.match(res.headers.get("content-type") ?? "", /application\/json/, where);
    }
    return { status: res.status };
  }
  if (res.status >= 400) {
    assert.match(res.headers.get("content-type") ?? "", /application\/json/, where);
    const body = JSON.parse(text);
    assert.equal(typeof body.error?.code, "string", where);
    assert.match(body.error.code, /^[A-Z_]+$/, where);
    assert.equal(typeof body.error.message, "string", where);
    assert.ok(body.error.message.length > 0, where);
    const allowed = new Set(["code", "message", "field"]);
    for (const k of Object.keys(body.error)) assert.ok(allowed.has(k), `extra key ${k}: ${where}`);
    if (body.error.field !== undefined) assert.equal(typeof body.error.field, "string");
    if (["BAD_PARAM", "BAD_ADDRESS"].includes(body.error.code)) {
      assert.ok(body.error.field, `a bad path parameter names its field: ${where}`);
    }
    if (req.expectField && body.error.code === "BAD_TRANSACTION") {
      assert.ok(body.error.field, `a bad transaction names its field: ${where}`);
    }
    return { status: res.status, code: body.error.code };
  }
  if (res.status !== 204) JSON.parse(text);
  return { status: res.status };
}

Deno.test("API fuzz: no 5xx, JSON errors everywhere, and the node keeps working", async () => {
  const node = await startTestNode({
    blockTimeMs: 150,
    // Hundreds of requests from one address: the rate limiter is not what is tested here.
    rateLimitPerSecond: 100_000,
    accounts: [{ address: alice.address, balanceSatang: 10_000_000 }],
  });
  const statuses = new Map<string, number>();
  const count = (o: Outcome) => {
    const k = `${o.status}${o.code ? " " + o.code : ""}`;
    statuses.set(k, (statuses.get(k) ?? 0) + 1);
  };
  try {
    const base = node.baseUrl;
    await fc.assert(
      fc.asyncProperty(txBodyRequest, async (req) => count(await send(base, req))),
      { numRuns: 300 },
    );
    await fc.assert(
      fc.asyncProperty(pathRequest, async (req) => count(await send(base, req))),
      { numRuns: 300 },
    );
    // Oversized bodies: 413 whether or not the length is announced.
    const big = new Uint8Array(MAX_BODY_BYTES + 1024).fill(0x20);
    const tooLarge = await send(base, {
      method: "POST",
      path: "/api/v1/transactions",
      contentType: "application/json",
      body: big,
    });
    assert.deepEqual(tooLarge, { status: 413, code: "BODY_TOO_LARGE" });
    const streamed = await fetch(`${base}/api/v1/transactions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: new Blob([big]).stream(),
    });
    assert.equal(streamed.status, 413);
    assert.equal((await streamed.json()).error.code, "BODY_TOO_LARGE");
    count(tooLarge);

    // The node still produces blocks and commits a valid transaction.
    const h0 = node.running.node.head.header.height;
    await waitFor(() => node.running.node.head.header.height >= h0 + 2, 5_000, "2 more blocks");
    const nonce = node.running.node.getAccount(alice.address).nonce;
    const tx = signWith(alice, {
      kind: "transfer",
      nonce,
      feeSatang: 1_000,
      expiresAtMs: Date.now() + 60_000,
      payload: { to: bob.address, amountSatang: 1, amountWh: 0 },
    });
    // Fuzzed valid transactions may still be pending with this nonce: replace them.
    const res = await fetch(`${base}/api/v1/transactions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(toSignedTxJson(tx)),
    });
    assert.equal(res.status, 202, await res.text());
    await waitFor(
      async () => {
        const s = await (await fetch(`${base}/api/v1/transactions/${tx.id}`)).json();
        return s.status === "committed";
      },
      5_000,
      "the valid transaction to commit",
    );
    assert.equal(node.running.node.fault, null);
    await sleep(0);
    console.log(
      "API fuzz outcomes:",
      [...statuses].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k}: ${n}`).join(", "),
    );
  } finally {
    await node.stop();
  }
});
