/**
 * KV commit time per block: `ChainStore.commitBlock` (block record, chunked
 * transactions, redo log, head move, state copy, tx index) of consecutive
 * 5,000-transfer blocks on a temp Deno KV file (the second block is timed:
 * it updates existing state keys, as a running chain does), with step 3
 * awaited and with it deferred (the block producer's path: timed to the
 * commit point). The redo log reuses the state root's canonical CBOR (the
 * blocks' change lists were hashed by `buildBlock`), so no encoding is timed.
 *
 *   deno bench --allow-read --allow-write node/storage/chain_store_bench.ts
 */
import { computeBlockHash } from "../chain/block.ts";
import { ChainStore } from "./chain_store.ts";
import { computeTransferBlocks } from "./bench_blocks.ts";

const TXS = 5_000;
const BLOCKS = 2;
const { spec, genesis, blocks } = await computeTransferBlocks({
  txs: TXS,
  blocks: BLOCKS,
  networkId: 1001,
  label: "store bench",
});

for (const deferApply of [false, true]) {
  Deno.bench({
    name: `ChainStore.commitBlock, ${TXS}-transfer block${
      deferApply ? ", deferApply (to the commit point)" : ""
    } (fresh KV file with genesis, untimed)`,
    n: 8,
    warmup: 1,
    async fn(b) {
      const dir = await Deno.makeTempDir({ prefix: "gtx-bench-kv-" });
      const store = await ChainStore.open(`${dir}/chain.kv`);
      try {
        await store.initGenesis(
          spec,
          genesis.header,
          computeBlockHash(genesis.header),
          genesis.changes,
        );
        await store.commitBlock(blocks[0]!);
        b.start();
        await store.commitBlock({ ...blocks[1]!, deferApply });
        b.end();
        await store.drain();
      } finally {
        store.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
