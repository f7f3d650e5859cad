import assert from "node:assert/strict";
import {
  generateSecretKey,
  getPublicKey,
  InlineVerifier,
  NobleVerifier,
  sign,
  type VerifyItem,
} from "../node/crypto/ed25519.ts";
import { createRegistry } from "../node/metrics/registry.ts";
import { createVerifyMetrics } from "../node/metrics/verify_metrics.ts";
import { verifierCases } from "../tests/vectors/crypto/verify_cases.ts";
import { VerifyPool, VerifyPoolError } from "./verify_pool.ts";
import { handleVerifyRequest, packVerifyRequest } from "./verify_protocol.ts";

function randomItems(n: number, badEvery: number): { items: VerifyItem[]; expected: boolean[] } {
  const keys = Array.from({ length: 8 }, () => generateSecretKey());
  const items: VerifyItem[] = [];
  const expected: boolean[] = [];
  for (let i = 0; i < n; i++) {
    const secret = keys[i % keys.length]!;
    const message = crypto.getRandomValues(new Uint8Array(20 + (i % 90)));
    const signature = sign(message, secret);
    const bad = i % badEvery === 3;
    if (bad) signature[40]! ^= 1;
    items.push({ publicKey: getPublicKey(secret), message, signature });
    expected.push(!bad);
  }
  return { items, expected };
}

Deno.test("protocol handler: packed request gives the vector verdicts", async () => {
  const { items, expected } = verifierCases();
  const { request, malformed } = packVerifyRequest(7, items);
  const result = await handleVerifyRequest(request);
  assert.equal(result.type, "verified");
  if (result.type !== "verified") return;
  assert.equal(result.id, 7);
  const got = Array.from(result.valid, (v, i) => v === 1 && !malformed[i]);
  assert.deepEqual(got, expected);
});

Deno.test("VerifyPool gives the same verdicts as InlineVerifier and NobleVerifier on the vectors", async () => {
  const pool = new VerifyPool({ workers: 2 });
  try {
    const { items, expected } = verifierCases();
    assert.deepEqual(await pool.verifyBatch(items), expected);
    assert.deepEqual(await new InlineVerifier().verifyBatch(items), expected);
    assert.deepEqual(await new NobleVerifier().verifyBatch(items), expected);
    assert.deepEqual(await pool.verifyBatch([]), []);
  } finally {
    pool.close();
  }
});

Deno.test("VerifyPool: many concurrent callers, big and small, each get their own results in order", async () => {
  const registry = createRegistry();
  const metrics = createVerifyMetrics(registry);
  const pool = new VerifyPool({ workers: 2, maxJobItems: 64, maxBufferMs: 1, metrics });
  try {
    const { items, expected } = randomItems(600, 17);
    const calls: Promise<boolean[]>[] = [];
    const wants: boolean[][] = [];
    // One big call, then many single-item calls, then medium ones.
    calls.push(pool.verifyBatch(items.slice(0, 300)));
    wants.push(expected.slice(0, 300));
    for (let i = 300; i < 400; i++) {
      calls.push(pool.verifyBatch([items[i]!]));
      wants.push([expected[i]!]);
    }
    for (let i = 400; i < 600; i += 50) {
      calls.push(pool.verifyBatch(items.slice(i, i + 50)));
      wants.push(expected.slice(i, i + 50));
    }
    assert.deepEqual(await Promise.all(calls), wants);
    const text = await registry.metrics();
    assert.match(text, /gridtokenx_verify_batch_items_count \d+/);
    const valid = expected.filter((v) => v).length;
    assert.match(
      text,
      new RegExp(`gridtokenx_verify_signatures_total\\{result="valid"\\} ${valid}`),
    );
    assert.equal(pool.queuedItems, 0);
  } finally {
    pool.close();
  }
});

Deno.test("VerifyPool: close rejects later calls with CLOSED", async () => {
  const pool = new VerifyPool({ workers: 1 });
  pool.close();
  await assert.rejects(
    pool.verifyBatch(randomItems(1, 5).items),
    (e) => e instanceof VerifyPoolError && e.code === "CLOSED",
  );
});
