/**
 * Throughput of `ChainStore.commitBlock` for consecutive 5,000-transfer
 * blocks (every sender sends one transfer per block, so state keys are
 * rewritten as in a running chain), with step 3 (state copy and transaction
 * index) awaited, and with it deferred as the block producer does (the time
 * until the commit point; the background work is drained untimed).
 *
 *   deno bench --allow-read --allow-write node/storage/commit_throughput_bench.ts
 */
import { computeBlockHash } from "../chain/block.ts";
import { ChainStore } from "./chain_store.ts";
import { computeTransferBlocks } from "./bench_blocks.ts";

const TXS = 5_000;
const BLOCKS = 4;
const { spec, genesis, blocks } = await computeTransferBlocks({
  txs: TXS,
  blocks: BLOCKS,
  networkId: 1002,
  label: "throughput bench",
});

/** Commits blocks 1..BLOCKS on a fresh store; times blocks 2..BLOCKS. */
async function run(b: Deno.BenchContext, deferApply: boolean): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "gtx-bench-commit-" });
  const store = await ChainStore.open(`${dir}/chain.kv`);
  try {
    await store.initGenesis(
      spec,
      genesis.header,
      computeBlockHash(genesis.header),
      genesis.changes,
    );
    await store.commitBlock({ ...blocks[0]!, deferApply });
    await (store as { drain?: () => Promise<void> }).drain?.();
    b.start();
    for (const input of blocks.slice(1)) await store.commitBlock({ ...input, deferApply });
    b.end();
    await (store as { drain?: () => Promise<void> }).drain?.();
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.bench({
  name: `commitBlock x${BLOCKS - 1}, ${TXS} transfers each, step 3 awaited`,
  n: 4,
  warmup: 1,
  async fn(b) {
    await run(b, false);
  },
});

Deno.bench({
  name: `commitBlock x${BLOCKS - 1}, ${TXS} transfers each, step 3 deferred (producer path)`,
  n: 4,
  warmup: 1,
  async fn(b) {
    await run(b, true);
  },
});
