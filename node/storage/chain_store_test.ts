import assert from "node:assert/strict";
import { encode as cborgEncode } from "cborg";
import { type Block, type BlockHeader, computeBlockHash } from "../chain/block.ts";
import { buildBlock } from "../chain/build_block.ts";
import { encodeCanonicalReference } from "../chain/encoding.ts";
import { computeGenesis, type GenesisSpec } from "../chain/genesis.ts";
import { MemoryState, type StateChange } from "../chain/state.ts";
import { parseTransaction, toSignedTxJson, type Tx, type TxBody } from "../chain/transaction.ts";
import { chainParamsFromConfig } from "../config/chain_params.ts";
import { DEFAULT_CONFIG_TOML } from "../config/default_config.ts";
import { parseConfig } from "../config/parse_config.ts";
import { addressFromPublicKey } from "../crypto/address.ts";
import { toHex } from "../crypto/hex.ts";
import { sha256 } from "../crypto/sha256.ts";
import { ChainStore } from "./chain_store.ts";
import { KvBatch } from "./kv_batch.ts";
import { kvKey } from "./kv_layout.ts";

const T0 = 1_767_225_600_000;
const keyHex = (i: number) => toHex(sha256(new TextEncoder().encode(`store test ${i}`)));
const addressOf = (i: number) =>
  addressFromPublicKey(sha256(new TextEncoder().encode(`store test ${i}`)));

/** A chain of `senders` funded accounts; storage never checks signatures, so txs are unsigned. */
function makeChain(senders: number) {
  const params = chainParamsFromConfig(parseConfig(DEFAULT_CONFIG_TOML, "/t.toml"));
  params.consensus.maxBlockTransactions = 10_000;
  const spec: GenesisSpec = {
    networkId: 5,
    networkName: "store-test",
    timestampMs: T0,
    params,
    accounts: Array.from({ length: senders }, (_, i) => ({
      address: addressOf(i),
      balanceSatang: 1_000_000,
      energyWh: 0,
    })),
    validators: [{ publicKey: keyHex(1_000_000), stakeSatang: 1 }],
    authorities: [],
  };
  const g = computeGenesis(spec);
  const state = new MemoryState();
  state.apply(g.changes);
  return { spec, g, state };
}

function transfer(from: number, to: number, nonce: number): Tx {
  const body = {
    kind: "transfer",
    networkId: 5,
    from: keyHex(from),
    nonce,
    feeSatang: 1,
    expiresAtMs: T0 + 1e9,
    payload: { to: addressOf(to), amountSatang: 7, amountWh: 0 },
  } as TxBody;
  return parseTransaction({ body, signature: "11".repeat(64) });
}

async function nextBlock(state: MemoryState, parent: BlockHeader, txs: Tx[]) {
  const built = await buildBlock(state, parent, txs, {
    timestampMs: parent.timestampMs + 1_000,
    proposer: keyHex(1_000_000),
  });
  assert.equal(built.rejected.length, 0);
  const block: Block = {
    header: built.header,
    txs: built.included.map(toSignedTxJson),
    signature: "",
  };
  return {
    input: {
      block,
      hash: computeBlockHash(built.header),
      txIds: built.included.map((t) => t.id),
      changes: built.changes,
    },
    changes: built.changes,
  };
}

async function withStore(fn: (store: ChainStore, path: string) => Promise<void>) {
  const dir = await Deno.makeTempDir({ prefix: "gtx-store-" });
  const store = await ChainStore.open(`${dir}/chain.kv`);
  try {
    await fn(store, `${dir}/chain.kv`);
  } finally {
    try {
      store.close();
    } catch { /* already closed */ }
    await Deno.remove(dir, { recursive: true });
  }
}

const sorted = (m: Map<string, unknown>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));

Deno.test("ChainStore: genesis + block commit, read back, refuse a non-next height", async () => {
  await withStore(async (store) => {
    const { spec, g, state } = makeChain(3);
    await store.initGenesis(spec, g.header, computeBlockHash(g.header), g.changes);
    assert.deepEqual(await store.getGenesisSpec(), spec);
    await assert.rejects(
      () => store.initGenesis(spec, g.header, computeBlockHash(g.header), g.changes),
      { code: "ALREADY_INITIALISED" },
    );
    const b1 = await nextBlock(state, g.header, [transfer(0, 1, 0), transfer(1, 2, 0)]);
    await store.commitBlock(b1.input);
    state.apply(b1.changes);
    assert.deepEqual(await store.getBlock(1), b1.input.block);
    assert.equal(await store.getBlockHeightByHash(b1.input.hash), 1);
    assert.deepEqual(await store.getTxLocation(b1.input.txIds[1]!), [1, 1]);
    assert.deepEqual(await store.getHead(), {
      height: 1,
      hash: b1.input.hash,
      stateRoot: b1.input.block.header.stateRoot,
    });
    assert.deepEqual(sorted(await store.loadState()), sorted(state.entries));
    assert.equal(await store.getBlock(2), null);
    await assert.rejects(() => store.commitBlock(b1.input), { code: "NOT_NEXT" });
  });
});

/** Puts `state/*`, the tx index and `meta/applied` back as they were before block `h`'s phase 3. */
async function undoPhase3(
  store: ChainStore,
  h: number,
  changes: readonly StateChange[],
  before: MemoryState,
  txIds: readonly string[],
  keepFirst = 0,
) {
  const batch = new KvBatch(store.kv);
  changes.slice(keepFirst).forEach(([k]) => {
    const old = before.get(k);
    if (old === undefined) batch.delete(kvKey.state(k));
    else batch.set(kvKey.state(k), old);
  });
  txIds.slice(keepFirst).forEach((id) => batch.delete(kvKey.tx(id)));
  batch.set(kvKey.applied(), h - 1);
  await batch.flush();
}

Deno.test("ChainStore: a crash between the commit point and phase 3 is redone by recover()", async () => {
  await withStore(async (store, path) => {
    const { spec, g, state } = makeChain(4);
    await store.initGenesis(spec, g.header, computeBlockHash(g.header), g.changes);
    const before = new MemoryState(new Map(state.entries));
    const b1 = await nextBlock(state, g.header, [transfer(0, 1, 0), transfer(2, 3, 0)]);
    await store.commitBlock(b1.input);
    state.apply(b1.changes);
    // Crash right after the head moved: none (then half) of phase 3 happened.
    for (const keepFirst of [0, 1]) {
      await undoPhase3(store, 1, b1.changes, before, b1.input.txIds, keepFirst);
      assert.equal(await store.getApplied(), 0);
      store.close();
      store = await ChainStore.open(path);
      assert.deepEqual(await store.recover(), [1]);
      assert.deepEqual(await store.recover(), [], "recover is idempotent");
      assert.equal(await store.getApplied(), 1);
      assert.deepEqual(sorted(await store.loadState()), sorted(state.entries));
      for (const [i, id] of b1.input.txIds.entries()) {
        assert.deepEqual(await store.getTxLocation(id), [1, i]);
      }
    }
    store.close();
  });
});

Deno.test("ChainStore: the redo log is the state root's canonical CBOR; an older plain-CBOR log still redoes", async () => {
  await withStore(async (store, path) => {
    const { spec, g, state } = makeChain(4);
    await store.initGenesis(spec, g.header, computeBlockHash(g.header), g.changes);
    const before = new MemoryState(new Map(state.entries));
    const b1 = await nextBlock(state, g.header, [transfer(0, 1, 0), transfer(2, 3, 0)]);
    await store.commitBlock(b1.input);
    state.apply(b1.changes);
    const diff = (await store.kv.get<Uint8Array>(kvKey.diffChunk(1, 0))).value;
    assert.deepEqual(diff, encodeCanonicalReference(b1.changes));
    // A store written before: plain CBOR (cborg's default map key order), step 3 not done.
    await store.kv.set(kvKey.diffChunk(1, 0), cborgEncode(b1.changes));
    await undoPhase3(store, 1, b1.changes, before, b1.input.txIds);
    store.close();
    store = await ChainStore.open(path);
    assert.deepEqual(await store.recover(), [1]);
    assert.deepEqual(sorted(await store.loadState()), sorted(state.entries));
    store.close();
  });
});

Deno.test("ChainStore: a crash before the commit point leaves no trace of the block", async () => {
  await withStore(async (store) => {
    const { spec, g, state } = makeChain(3);
    await store.initGenesis(spec, g.header, computeBlockHash(g.header), g.changes);
    // Phase 1 of a block that never got its head write.
    const orphan = await nextBlock(state, g.header, [transfer(0, 1, 0), transfer(1, 2, 0)]);
    const batch = new KvBatch(store.kv);
    batch.set(kvKey.block(1), {
      header: orphan.input.block.header,
      signature: "",
      hash: orphan.input.hash,
      txChunks: 1,
      diffChunks: 1,
    });
    batch.set(kvKey.blockByHash(orphan.input.hash), 1);
    await batch.flush();
    assert.equal(await store.getBlock(1), null);
    assert.equal(await store.getBlockHeightByHash(orphan.input.hash), null);
    assert.deepEqual(await store.recover(), []);
    // A different block 1 commits over the leftovers.
    const real = await nextBlock(state, g.header, [transfer(2, 0, 0)]);
    await store.commitBlock(real.input);
    assert.deepEqual(await store.getBlock(1), real.input.block);
    assert.equal(await store.getBlockHeightByHash(real.input.hash), 1);
  });
});

Deno.test("ChainStore: a 5,000-transaction block stays within Deno KV limits", async () => {
  await withStore(async (store) => {
    const { spec, g, state } = makeChain(5_000);
    await store.initGenesis(spec, g.header, computeBlockHash(g.header), g.changes);
    const txs = Array.from({ length: 5_000 }, (_, i) => transfer(i, (i + 1) % 5_000, 0));
    const b1 = await nextBlock(state, g.header, txs);
    assert.equal(b1.input.block.txs.length, 5_000);
    await store.commitBlock(b1.input);
    state.apply(b1.changes);
    const rec = await store.getBlockRecord(1);
    assert.ok(rec!.txChunks > 1, "transactions span several chunks");
    assert.deepEqual(await store.getBlock(1), b1.input.block);
    assert.deepEqual(await store.getTxLocation(b1.input.txIds[4_999]!), [1, 4_999]);
    assert.deepEqual(sorted(await store.loadState()), sorted(state.entries));
  });
});

Deno.test("KvBatch refuses a value over the per-value limit", () => {
  const batch = new KvBatch({} as Deno.Kv);
  assert.throws(() => batch.set(["x"], new Uint8Array(64 * 1024)), { code: "VALUE_TOO_LARGE" });
});
