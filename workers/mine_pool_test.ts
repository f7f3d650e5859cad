import assert from "node:assert/strict";
import type { BlockHeader } from "../node/chain/block.ts";
import { computePreSealHash, isValidSeal, mineSealInline } from "../node/consensus/pow.ts";
import { sha256 } from "../node/crypto/sha256.ts";
import { InlineMiner, MinePool, type Miner } from "./mine_pool.ts";

function header(i: number, difficulty: number): BlockHeader {
  return {
    version: 1,
    networkId: 1,
    height: i,
    prevHash: "ab".repeat(32),
    timestampMs: 1_767_225_600_000 + i,
    proposer: "cd".repeat(32),
    txRoot: "ef".repeat(32),
    stateRoot: "12".repeat(32),
    txCount: 1,
    difficulty,
    seal: "",
  };
}

/** The shared suite every Miner passes. */
async function minerSuite(miner: Miner): Promise<void> {
  for (let i = 0; i < 6; i++) {
    const h = header(i, 10 + (i % 3));
    const nonce = await miner.mine(computePreSealHash(h), h.difficulty);
    assert.ok(nonce !== null);
    assert.ok(isValidSeal({ ...h, seal: String(nonce) }), `seal ${nonce} of block ${i}`);
  }
  // Abort: an already aborted search resolves null.
  const ac = new AbortController();
  ac.abort();
  assert.equal(await miner.mine(sha256(new Uint8Array([1])), 40, ac.signal), null);
}

Deno.test("InlineMiner passes the miner suite", async () => {
  await minerSuite(new InlineMiner());
});

Deno.test("MinePool (2 workers) passes the miner suite", async () => {
  const pool = new MinePool({ workers: 2 });
  try {
    await minerSuite(pool);
  } finally {
    pool.close();
  }
});

Deno.test("MinePool with 1 worker finds the same nonce as the same-thread miner", async () => {
  const pool = new MinePool({ workers: 1 });
  try {
    for (let i = 0; i < 4; i++) {
      const h = header(100 + i, 12);
      const pre = computePreSealHash(h);
      assert.equal(await pool.mine(pre, 12), mineSealInline(pre, 12));
    }
  } finally {
    pool.close();
  }
});

Deno.test("MinePool: a hopeless search is cancelled by abort and by a new search", async () => {
  const pool = new MinePool({ workers: 2 });
  try {
    const ac = new AbortController();
    const hopeless = pool.mine(sha256(new Uint8Array([2])), 48, ac.signal);
    setTimeout(() => ac.abort(), 50);
    assert.equal(await hopeless, null);
    const again = pool.mine(sha256(new Uint8Array([3])), 48);
    const h = header(7, 8);
    const next = await pool.mine(computePreSealHash(h), 8);
    assert.equal(await again, null);
    assert.ok(isValidSeal({ ...h, seal: String(next) }));
  } finally {
    pool.close();
  }
});

Deno.test("MinePool starts its workers with the first search and stops them when idle", async () => {
  const pool = new MinePool({ workers: 2, idleStopMs: 50 });
  try {
    assert.equal(pool.runningWorkers, 0);
    const h = header(200, 8);
    const nonce = await pool.mine(computePreSealHash(h), 8);
    assert.ok(isValidSeal({ ...h, seal: String(nonce) }));
    assert.equal(pool.runningWorkers, 2);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(pool.runningWorkers, 0);
    // Restarted by the next search, with the same nonce split.
    const h2 = header(201, 9);
    const again = await pool.mine(computePreSealHash(h2), 9);
    assert.ok(isValidSeal({ ...h2, seal: String(again) }));
    assert.equal(pool.runningWorkers, 2);
  } finally {
    pool.close();
  }
  assert.equal(pool.runningWorkers, 0);
});
