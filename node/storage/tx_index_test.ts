import assert from "node:assert/strict";
import { type BlockHeader, computeBlockHash } from "../chain/block.ts";
import { buildBlock } from "../chain/build_block.ts";
import { computeGenesis, type GenesisSpec } from "../chain/genesis.ts";
import { MemoryState } from "../chain/state.ts";
import { parseTransaction, toSignedTxJson, type Tx, type TxBody } from "../chain/transaction.ts";
import { chainParamsFromConfig } from "../config/chain_params.ts";
import { DEFAULT_CONFIG_TOML } from "../config/default_config.ts";
import { parseConfig } from "../config/parse_config.ts";
import { addressFromPublicKey } from "../crypto/address.ts";
import { toHex } from "../crypto/hex.ts";
import { sha256 } from "../crypto/sha256.ts";
import { ChainStore, type CommitInput } from "./chain_store.ts";
import { kvKey } from "./kv_layout.ts";
import {
  computeTxBucket,
  decodeBlockTxIndex,
  encodeBlockTxIndex,
  encodeFoldPages,
  findInFoldPage,
  planTxPageMerge,
  type TxPageSetsRecord,
} from "./tx_index.ts";

const T0 = 1_767_225_600_000;
const seed = (i: number) => sha256(new TextEncoder().encode(`tx index test ${i}`));
/** Enough senders that a block does not fit one atomic commit (the staged path, not the fast one). */
const SENDERS = 900;

function makeChain() {
  const params = chainParamsFromConfig(parseConfig(DEFAULT_CONFIG_TOML, "/t.toml"));
  const spec: GenesisSpec = {
    networkId: 9,
    networkName: "tx-index-test",
    timestampMs: T0,
    params,
    accounts: Array.from({ length: SENDERS }, (_, i) => ({
      address: addressFromPublicKey(seed(i)),
      balanceSatang: 1_000_000,
      energyWh: 0,
    })),
    validators: [{ publicKey: toHex(seed(99)), stakeSatang: 1 }],
    authorities: [],
  };
  const g = computeGenesis(spec);
  const state = new MemoryState();
  state.apply(g.changes);
  return { spec, g, state };
}

function transfer(from: number, nonce: number): Tx {
  const body = {
    kind: "transfer",
    networkId: 9,
    from: toHex(seed(from)),
    nonce,
    feeSatang: 1,
    expiresAtMs: T0 + 1e9,
    payload: { to: addressFromPublicKey(seed((from + 1) % SENDERS)), amountSatang: 3, amountWh: 0 },
  } as TxBody;
  return parseTransaction({ body, signature: "11".repeat(64) });
}

/** `blocks` consecutive blocks of `perBlock` transfers each. */
async function makeBlocks(
  state: MemoryState,
  parent: BlockHeader,
  blocks: number,
  perBlock = SENDERS,
) {
  const out: CommitInput[] = [];
  for (let h = 1; h <= blocks; h++) {
    const txs = Array.from({ length: perBlock }, (_, i) => transfer(i, h - 1));
    const built = await buildBlock(state, parent, txs, {
      timestampMs: parent.timestampMs + 1_000,
      proposer: toHex(seed(99)),
    });
    assert.equal(built.included.length, perBlock);
    state.apply(built.changes);
    out.push({
      block: { header: built.header, txs: built.included.map(toSignedTxJson), signature: "" },
      hash: computeBlockHash(built.header),
      txIds: built.included.map((t) => t.id),
      changes: built.changes,
    });
    parent = built.header;
  }
  return out;
}

const sorted = (m: Map<string, unknown>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));

async function withDir(fn: (path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "gtx-txindex-" });
  try {
    await fn(`${dir}/chain.kv`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function assertAllIndexed(store: ChainStore, blocks: CommitInput[]) {
  for (const b of blocks) {
    for (const [i, id] of b.txIds.entries()) {
      assert.deepEqual(await store.getTxLocation(id), [b.block.header.height, i], id);
    }
  }
}

Deno.test("tx index records: block prefixes and fold pages round-trip", () => {
  const ids = Array.from({ length: 50 }, (_, i) => toHex(seed(1000 + i)));
  const prefixes = decodeBlockTxIndex(encodeBlockTxIndex(ids));
  assert.deepEqual(prefixes, ids.map((id) => id.slice(0, 32)));
  const pages = encodeFoldPages(prefixes.map((p, i) => [p, [7, i]]));
  for (const [i, id] of ids.entries()) {
    const bucket = computeTxBucket(id);
    assert.ok(bucket >= 0 && bucket < 4096);
    assert.deepEqual(findInFoldPage(pages.get(bucket)!, id), [7, i]);
  }
  assert.equal(findInFoldPage(pages.values().next().value!, "f".repeat(64)), null);
});

Deno.test("ChainStore tx index: level 0, folds, reopen, unknown ids", async () => {
  await withDir(async (path) => {
    const { spec, g, state } = makeChain();
    const blocks = await makeBlocks(state, g.header, 5);
    let store = await ChainStore.open(path, { txIndexFoldTxs: 10 });
    await store.initGenesis(spec, g.header, computeBlockHash(g.header), g.changes);
    for (const [k, b] of blocks.entries()) {
      await store.commitBlock({ ...b, deferApply: k % 2 === 0 });
      await assertAllIndexed(store, blocks.slice(0, k + 1));
    }
    await store.drain();
    // 30 transactions with a fold every 10+: some are in level-1 pages now.
    const pages = await Array.fromAsync(store.kv.list({ prefix: ["txp"] }));
    assert.ok(pages.length > 0, "fold pages written");
    const folded = (await store.kv.get<number>(kvKey.txFolded())).value!;
    assert.ok(folded >= 2, `folded up to ${folded}`);
    assert.equal((await store.kv.get(kvKey.txIndexChunk(1, 0))).value, null, "level 0 deleted");
    assert.equal(await store.getTxLocation("ab".repeat(32)), null);
    assert.equal(await store.getTxLocation("not an id"), null);
    store.close();
    store = await ChainStore.open(path);
    await assertAllIndexed(store, blocks);
    assert.deepEqual(sorted(await store.loadState()), sorted(state.entries));
    store.close();
  });
});

Deno.test("ChainStore: deferred step 3 cut short by close() is redone by recover()", async () => {
  await withDir(async (path) => {
    const { spec, g, state } = makeChain();
    const blocks = await makeBlocks(state, g.header, 4);
    let store = await ChainStore.open(path);
    await store.initGenesis(spec, g.header, computeBlockHash(g.header), g.changes);
    for (const b of blocks.slice(0, 3)) await store.commitBlock({ ...b, deferApply: true });
    // Readers wait for the background step 3 of what is committed.
    assert.equal(await store.getApplied(), 3);
    await store.commitBlock({ ...blocks[3]!, deferApply: true });
    // "Crash": close while block 4's step 3 may still be running.
    store.close();
    store = await ChainStore.open(path);
    const redone = await store.recover();
    assert.ok(redone.length <= 1, `redone ${redone}`);
    assert.equal(await store.getApplied(), 4);
    assert.equal((await store.getHead())?.height, 4);
    await assertAllIndexed(store, blocks);
    assert.deepEqual(sorted(await store.loadState()), sorted(state.entries));
    store.close();
  });
});

Deno.test("tx index merge plan: 8 sets of one level become one of the next, up to level 3", () => {
  const sets = (levels: number[]) => levels.map((level, i) => ({ upTo: i * 10, level }));
  assert.equal(planTxPageMerge(sets([0, 0, 0, 0, 0, 0, 0])), null);
  assert.deepEqual(planTxPageMerge(sets([1, 0, 0, 0, 0, 0, 0, 0, 0])), {
    inputs: sets([1, 0, 0, 0, 0, 0, 0, 0, 0]).slice(1),
    output: { upTo: 80, level: 1 },
    sets: [{ upTo: 0, level: 1 }, { upTo: 80, level: 1 }],
  });
  assert.equal(planTxPageMerge(sets([1, 1, 1, 1, 1, 1, 1, 0])), null);
  assert.equal(planTxPageMerge(sets([3, 3, 3, 3, 3, 3, 3, 3])), null);
  assert.deepEqual(planTxPageMerge(sets([2, 2, 2, 2, 2, 2, 2, 2]))?.output, { upTo: 70, level: 3 });
});

Deno.test("ChainStore tx index: page sets merge in the background; a merge cut by close() finishes on reopen", async () => {
  await withDir(async (path) => {
    const { spec, g, state } = makeChain();
    const blocks = await makeBlocks(state, g.header, 17, 40);
    let store = await ChainStore.open(path, { txIndexFoldTxs: 10 });
    await store.initGenesis(spec, g.header, computeBlockHash(g.header), g.changes);
    const record = async () =>
      (await store.kv.get<TxPageSetsRecord>(kvKey.txPageSets())).value ?? { sets: [], retired: [] };
    /** Until everything up to `height` is folded and no merge is due or half done. */
    const settled = async (height: number) => {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const r = await record();
        const folded = (await store.kv.get<number>(kvKey.txFolded())).value;
        if (folded === height && r.retired.length === 0 && planTxPageMerge(r.sets) === null) {
          return r;
        }
        assert.ok(Date.now() < deadline, `folded ${folded}, page sets ${JSON.stringify(r)}`);
        await new Promise((res) => setTimeout(res, 20));
      }
    };
    // A fold per block (over 10 transactions each): the 8th fold's sets merge into one of level 1.
    for (const b of blocks.slice(0, 7)) {
      await store.commitBlock(b);
      await settled(b.block.header.height);
    }
    await store.commitBlock(blocks[7]!);
    await store.drain(); // the fold, not the merge it starts
    store.close(); // cuts the merge
    store = await ChainStore.open(path, { txIndexFoldTxs: 10 });
    await assertAllIndexed(store, blocks.slice(0, 8));
    assert.deepEqual((await settled(8)).sets, [{ upTo: 8, level: 1 }]);
    for (const b of blocks.slice(8)) {
      await store.commitBlock(b);
      await settled(b.block.header.height);
    }
    assert.deepEqual((await record()).sets, [{ upTo: 8, level: 1 }, { upTo: 16, level: 1 }, {
      upTo: 17,
      level: 0,
    }]);
    await assertAllIndexed(store, blocks);
    // Only these 3 sets' pages are left: the merged inputs are deleted.
    const pageKeys = await Array.fromAsync(store.kv.list({ prefix: ["txp"] }), (e) => e.key);
    const setsOfKeys = new Set(
      pageKeys.map((k) => `${String(k[2])}/${Math.floor(Number(k[3]) / 2 ** 20)}`),
    );
    assert.deepEqual([...setsOfKeys].sort(), ["16/1", "17/0", "8/1"]);
    store.close();
    store = await ChainStore.open(path);
    await assertAllIndexed(store, blocks);
    store.close();
  });
});
