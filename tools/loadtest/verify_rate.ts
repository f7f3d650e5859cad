/**
 * Measures the machine's Ed25519 verification ceiling: signatures per second
 * with the worker pool (all cores) and on one thread (InlineVerifier).
 *
 *   deno run -A tools/loadtest/verify_rate.ts [--seconds 5] [--workers N]
 */
import { parseArgs } from "node:util";
import {
  generateSecretKey,
  getPublicKey,
  InlineVerifier,
  sign,
  type SignatureVerifier,
  type VerifyItem,
} from "../../node/crypto/ed25519.ts";
import { VerifyPool } from "../../workers/verify_pool.ts";

const { values } = parseArgs({
  options: { seconds: { type: "string", default: "5" }, workers: { type: "string" } },
});
const seconds = Number(values.seconds);
const items: VerifyItem[] = [];
const keys = Array.from({ length: 1000 }, () => generateSecretKey());
for (let i = 0; i < 4096; i++) {
  const secret = keys[i % keys.length]!;
  const message = crypto.getRandomValues(new Uint8Array(180));
  items.push({ publicKey: getPublicKey(secret), message, signature: sign(message, secret) });
}

async function measure(name: string, v: SignatureVerifier, concurrency: number, batch: number) {
  await v.verifyBatch(items.slice(0, 512)); // warm up (workers start, keys imported)
  let done = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async (_, k) => {
    let at = (k * batch) % items.length;
    while (performance.now() < end) {
      const slice = items.slice(at, at + batch);
      at = (at + batch) % (items.length - batch);
      const out = await v.verifyBatch(slice);
      if (!out.every((x) => x)) throw new Error("a valid signature failed");
      done += slice.length;
    }
  }));
  console.log(`${name}: ${Math.round(done / seconds)} verifications/s`);
}

await measure("inline (main thread, 256 in flight)", new InlineVerifier(), 1, 256);
const pool = new VerifyPool(values.workers ? { workers: Number(values.workers) } : {});
await measure(`pool (${pool.workerCount} workers, 8 callers x 128)`, pool, 8, 128);
pool.close();
