/**
 * KV commit time per block: `ChainStore.commitBlock` (block record, chunked
 * transactions, redo log, head move, state copy, tx index) of consecutive
 * 5,000-transfer blocks on a temp Deno KV file (the second block is timed:
 * it updates existing state keys, as a running chain does).
 *
 *   deno bench --allow-read --allow-write node/storage/chain_store_bench.ts
 */
import { type Block, type BlockHeader, computeBlockHash } from "../chain/block.ts";
import { buildBlock } from "../chain/build_block.ts";
import { computeGenesis } from "../chain/genesis.ts";
import { MemoryState } from "../chain/state.ts";
import { parseTransaction, toSignedTxJson, type TxBody } from "../chain/transaction.ts";
import { chainParamsFromConfig } from "../config/chain_params.ts";
import { DEFAULT_CONFIG_TOML } from "../config/default_config.ts";
import { parseConfig } from "../config/parse_config.ts";
import { addressFromPublicKey } from "../crypto/address.ts";
import { toHex } from "../crypto/hex.ts";
import { sha256 } from "../crypto/sha256.ts";
import { ChainStore, type CommitInput } from "./chain_store.ts";

const TXS = 5_000;
const BLOCKS = 2;
const T0 = 1_767_225_600_000;
const key = (i: number) => sha256(new TextEncoder().encode(`store bench ${i}`));
const publicKeys = Array.from({ length: TXS }, (_, i) => toHex(key(i)));
const addresses = Array.from({ length: TXS }, (_, i) => addressFromPublicKey(key(i)));
const params = chainParamsFromConfig(parseConfig(DEFAULT_CONFIG_TOML, "/bench.toml"));
params.consensus.maxBlockTransactions = TXS;
const spec = {
  networkId: 1001,
  networkName: "bench",
  timestampMs: T0,
  params,
  accounts: addresses.map((address) => ({ address, balanceSatang: 1_000_000, energyWh: 0 })),
  validators: [{ publicKey: toHex(key(-1)), stakeSatang: 1 }],
  authorities: [],
};
const genesis = computeGenesis(spec);
const state = new MemoryState();
state.apply(genesis.changes);

// Consecutive blocks: every sender sends one transfer per block.
const blocks: CommitInput[] = [];
let parent: BlockHeader = genesis.header;
for (let h = 1; h <= BLOCKS; h++) {
  const txs = publicKeys.map((from, i) =>
    parseTransaction({
      body: {
        kind: "transfer",
        networkId: 1001,
        from,
        nonce: h - 1,
        feeSatang: 1,
        expiresAtMs: T0 + 1e9,
        payload: { to: addresses[(i + h) % TXS]!, amountSatang: 3, amountWh: 0 },
      } as TxBody,
      signature: "22".repeat(64),
    })
  );
  const built = await buildBlock(state, parent, txs, {
    timestampMs: parent.timestampMs + 10_000,
    proposer: toHex(key(-1)),
  });
  if (built.included.length !== TXS) throw new Error("bench block did not fill");
  state.apply(built.changes);
  const block: Block = {
    header: built.header,
    txs: built.included.map(toSignedTxJson),
    signature: "",
  };
  blocks.push({
    block,
    hash: computeBlockHash(built.header),
    txIds: built.included.map((t) => t.id),
    changes: built.changes,
  });
  parent = built.header;
}

Deno.bench({
  name: `ChainStore.commitBlock, ${TXS}-transfer block (fresh KV file with genesis, untimed)`,
  n: 5,
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
      await store.commitBlock(blocks[1]!);
      b.end();
    } finally {
      store.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
