/**
 * PoW benchmarks: `deno bench --allow-read node/consensus/pow_bench.ts`.
 * Hash rate in one thread, and seals of difficulty 16 (65,536 expected
 * hashes) found by the worker pool with 1 and 2 workers.
 */
import { MinePool } from "../../workers/mine_pool.ts";
import { sha256 } from "../crypto/sha256.ts";
import { meetsDifficulty, PowHasher } from "./pow.ts";

const hasher = new PowHasher(sha256(new Uint8Array([1])));
let nonce = 0;

Deno.bench("pow hash (same thread), 1 hash", { group: "hash" }, () => {
  meetsDifficulty(hasher.hash(nonce++), 20);
});

const pool1 = new MinePool({ workers: 1 });
const pool2 = new MinePool({ workers: 2 });
let seed = 0;
const nextPre = () => sha256(new Uint8Array([seed & 255, (seed++ >> 8) & 255, 9]));

Deno.bench("pow seal, difficulty 16, 1 worker", { group: "seal", baseline: true }, async () => {
  await pool1.mine(nextPre(), 16);
});

Deno.bench("pow seal, difficulty 16, 2 workers", { group: "seal" }, async () => {
  await pool2.mine(nextPre(), 16);
});

globalThis.addEventListener("unload", () => {
  pool1.close();
  pool2.close();
});
