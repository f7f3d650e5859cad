/**
 * Crash safety: a child node producing blocks under load is killed with
 * SIGKILL at random moments (many of them aimed at the instant a block is
 * being committed), at least 20 times. After every restart the node must
 * resume at or above the last height the API showed, every transaction the
 * API reported as committed must still be in the chain, and the stored chain
 * must replay from genesis to exactly the stored head state root and state.
 *
 * Needs: --allow-run (child node), --allow-read/--allow-write (temp dir, KV),
 * --allow-net=127.0.0.1, --allow-env.
 */
import assert from "node:assert/strict";
import { computeBlockHash } from "../node/chain/block.ts";
import { computeGenesis } from "../node/chain/genesis.ts";
import { MemoryState } from "../node/chain/state.ts";
import { parseTransaction, toSignedTxJson } from "../node/chain/transaction.ts";
import { processBlock } from "../node/chain/transition.ts";
import "../node/runtime/modules.ts";
import type { Wallet } from "../node/runtime/wallet.ts";
import { ChainStore } from "../node/storage/chain_store.ts";
import {
  type NodeProcess,
  signWith,
  spawnNodeProcess,
  testConfigToml,
  testWallet,
} from "./helpers/test_node.ts";

const KILLS = 20;
const BLOCK_TIME_MS = 150;
const WALLETS = Array.from({ length: 8 }, (_, i) => testWallet(`crash-${i}`));
const SINK = testWallet("crash-sink");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface ReplayResult {
  headHeight: number;
  headStateRoot: string;
  replayedStateRoot: string;
  replayedState: Map<string, unknown>;
  /** Where each transaction id sits in the stored chain. */
  txHeights: Map<string, number>;
}

/**
 * Replays the chain stored in `kvPath` from its genesis spec, checking each
 * block's hash and state root; the KV file must not be open elsewhere.
 */
async function replayStoredChain(kvPath: string): Promise<ReplayResult> {
  const store = await ChainStore.open(kvPath);
  try {
    const spec = await store.getGenesisSpec();
    const head = await store.getHead();
    assert.ok(spec && head, "store has a genesis spec and a head");
    const genesis = computeGenesis(spec);
    const state = new MemoryState();
    state.apply(genesis.changes);
    const rec0 = await store.getBlockRecord(0);
    assert.deepEqual(rec0?.header, genesis.header, "stored genesis header = computed");
    let parent = genesis.header;
    const txHeights = new Map<string, number>();
    for (let h = 1; h <= head.height; h++) {
      const rec = await store.getBlockRecord(h);
      const block = await store.getBlock(h);
      assert.ok(rec && block, `block ${h} is stored`);
      assert.equal(computeBlockHash(block.header), rec.hash, `hash of block ${h}`);
      const txs = block.txs.map((t) => parseTransaction(t));
      const result = await processBlock(state, parent, block.header, txs);
      state.apply(result.changes);
      for (const tx of txs) txHeights.set(tx.id, h);
      parent = block.header;
    }
    assert.equal(computeBlockHash(parent), head.hash, "head hash = last replayed block");
    return {
      headHeight: head.height,
      headStateRoot: head.stateRoot,
      replayedStateRoot: parent.stateRoot,
      replayedState: state.entries,
      txHeights,
    };
  } finally {
    store.close();
  }
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  return await res.json();
}

/** What the client learnt from the API while one node instance ran. */
interface Observed {
  /** Transaction id -> height, as reported by GET /transactions/{id}. */
  committed: Map<string, number>;
  maxHeight: number;
  headTimestampMs: number;
}

/**
 * Submits signed transfers from every wallet until `stop.value` is set or
 * the node dies, and records what the API reports as committed.
 */
async function runLoad(
  baseUrl: string,
  wallets: Wallet[],
  stop: { value: boolean },
  seen: Observed,
): Promise<void> {
  const nonces = new Map<string, number>();
  const waiting = new Set<string>();
  const submitter = async () => {
    for (const w of wallets) {
      const a = await getJson(`${baseUrl}/api/v1/accounts/${w.address}`) as { nonce: number };
      nonces.set(w.address, a.nonce);
    }
    while (!stop.value) {
      await Promise.all(wallets.map(async (w) => {
        for (let k = 0; k < 4 && !stop.value; k++) {
          const nonce = nonces.get(w.address)!;
          const tx = signWith(w, {
            kind: "transfer",
            nonce,
            feeSatang: 1 + (nonce % 5),
            expiresAtMs: Date.now() + 600_000,
            payload: { to: SINK.address, amountSatang: 1 + (nonce % 97), amountWh: 0 },
          });
          const res = await fetch(`${baseUrl}/api/v1/transactions`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(toSignedTxJson(tx)),
            signal: AbortSignal.timeout(2_000),
          });
          await res.body?.cancel();
          if (res.status === 202) {
            waiting.add(tx.id);
            nonces.set(w.address, nonce + 1);
          } else {
            const a = await getJson(`${baseUrl}/api/v1/accounts/${w.address}`) as {
              nonce: number;
            };
            nonces.set(w.address, a.nonce);
          }
        }
      }));
      await sleep(5);
    }
  };
  const observer = async () => {
    while (!stop.value) {
      const s = await getJson(`${baseUrl}/api/v1/status`) as {
        height: number;
        head_timestamp_ms: number;
      };
      seen.maxHeight = Math.max(seen.maxHeight, s.height);
      seen.headTimestampMs = Math.max(seen.headTimestampMs, s.head_timestamp_ms);
      for (const id of [...waiting].slice(0, 60)) {
        const t = await getJson(`${baseUrl}/api/v1/transactions/${id}`) as {
          status: string;
          height?: number;
        };
        if (t.status === "committed") {
          seen.committed.set(id, t.height!);
          waiting.delete(id);
        }
      }
      await sleep(20);
    }
  };
  // Errors are expected: the node is killed under the client.
  await Promise.all([submitter().catch(() => {}), observer().catch(() => {})]);
}

Deno.test({
  name: "crash safety: SIGKILL during block production never loses or corrupts committed data",
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "gtx-crash-" });
    const configPath = `${dataDir}/config.toml`;
    await Deno.writeTextFile(
      configPath,
      testConfigToml({
        dataDir,
        blockTimeMs: BLOCK_TIME_MS,
        accounts: WALLETS.map((w) => ({ address: w.address, balanceSatang: 1_000_000_000 })),
      }),
    );
    const kvPath = `${dataDir}/chain.kv`;
    const seen: Observed = { committed: new Map(), maxHeight: 0, headTimestampMs: 0 };
    let proc: NodeProcess | undefined;
    const started = Date.now();
    let aimedKills = 0;
    let replaysWhileDown = 0;
    let recoveries = 0;
    const checkedIds = new Set<string>();
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        proc = await spawnNodeProcess(configPath);
        if (proc.lines.some((l) => l.includes('"storage.recovered"'))) recoveries++;
        const base = proc.baseUrl;
        const status = await getJson(`${base}/api/v1/status`) as { height: number };
        assert.ok(
          status.height >= seen.maxHeight,
          `restart ${kill}: height ${status.height} is below the ${seen.maxHeight} seen before`,
        );
        // What the API reported committed before the kill still is, at the same height.
        for (const [id, height] of seen.committed) {
          if (checkedIds.has(id)) continue;
          const s = await getJson(`${base}/api/v1/transactions/${id}`) as {
            status: string;
            height?: number;
          };
          assert.equal(s.status, "committed", `tx ${id} lost after restart ${kill}`);
          assert.equal(s.height, height);
          checkedIds.add(id);
        }
        const stop = { value: false };
        const load = runLoad(base, WALLETS, stop, seen);
        await sleep(150 + Math.floor(Math.random() * 300));
        if (kill % 3 !== 2) {
          // Aim at a commit: the producer starts at head timestamp + block
          // time; add a tiny random delay so the kill lands inside it.
          const s = await getJson(`${base}/api/v1/status`) as { head_timestamp_ms: number };
          const due = s.head_timestamp_ms + BLOCK_TIME_MS;
          await sleep(Math.max(0, due - Date.now()) + Math.floor(Math.random() * 20));
          aimedKills++;
        } else {
          await sleep(Math.floor(Math.random() * BLOCK_TIME_MS));
        }
        await proc.kill("SIGKILL");
        proc = undefined;
        stop.value = true;
        await load;
        if (kill % 4 === 3) {
          // While the node is down: the stored chain replays to its head root.
          const r = await replayStoredChain(kvPath);
          assert.equal(r.replayedStateRoot, r.headStateRoot, `replay root after kill ${kill}`);
          assert.ok(r.headHeight >= seen.maxHeight);
          replaysWhileDown++;
        }
      }
      // Final start: the node recovers, then stops gracefully.
      proc = await spawnNodeProcess(configPath);
      const final = await getJson(`${proc.baseUrl}/api/v1/status`) as { height: number };
      assert.ok(final.height >= seen.maxHeight);
      const stopped = proc;
      const exit = await stopped.kill("SIGTERM");
      proc = undefined;
      assert.equal(
        exit.code,
        0,
        `graceful stop after the crash series; stderr: ${stopped.stderrTail()}; log: ${
          stopped.lines.slice(-15).join("\n")
        }`,
      );

      const r = await replayStoredChain(kvPath);
      assert.equal(r.replayedStateRoot, r.headStateRoot, "final replay root = head root");
      assert.ok(r.headHeight >= final.height);
      const store = await ChainStore.open(kvPath);
      try {
        assert.equal(await store.getApplied(), r.headHeight, "redo log fully applied");
        const stored = await store.loadState();
        assert.deepEqual(stored, r.replayedState, "stored state = replayed state");
        for (const [id, height] of seen.committed) {
          assert.equal(r.txHeights.get(id), height, `committed tx ${id} is in block ${height}`);
          assert.equal((await store.getTxLocation(id))?.[0], height);
        }
      } finally {
        store.close();
      }
      assert.ok(seen.committed.size > 20, `load committed only ${seen.committed.size} txs`);
      console.log(
        `crash test: ${KILLS} SIGKILLs (${aimedKills} aimed at a commit), ` +
          `${recoveries} restarts redid the redo log, ${replaysWhileDown} replays while down, head ${r.headHeight}, ` +
          `${seen.committed.size} API-committed txs verified, ${Date.now() - started} ms`,
      );
    } finally {
      if (proc) await proc.kill("SIGKILL");
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
