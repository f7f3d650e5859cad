/**
 * Runner of the state transition vectors in tests/vectors/chain/*.json
 * (format: tests/vectors/chain/README.md). Each vector is a pre-state, one
 * block of transactions, and either the expected post-state or the error
 * code (and field) that makes the block invalid. For every vector the
 * builder (`buildBlock`) and the validator (`processBlock`) must agree.
 *
 * Needs: --allow-read.
 */
import assert from "node:assert/strict";
import { type BlockHeader, computeBlockHash } from "../node/chain/block.ts";
import { buildBlock } from "../node/chain/build_block.ts";
import { ChainError } from "../node/chain/errors.ts";
import { computeMerkleRoot } from "../node/chain/merkle.ts";
import type { ChainParams } from "../node/chain/params.ts";
import { type Account, EMPTY_ACCOUNT, MemoryState, stateKey } from "../node/chain/state.ts";
import { signTransaction, type Tx, type TxBody } from "../node/chain/transaction.ts";
import { processBlock } from "../node/chain/transition.ts";
import { chainParamsFromConfig } from "../node/config/chain_params.ts";
import { DEFAULT_CONFIG_TOML } from "../node/config/default_config.ts";
import { parseConfig } from "../node/config/parse_config.ts";
import { testWallet } from "./helpers/test_node.ts";

const VECTOR_DIR = new URL("./vectors/chain/", import.meta.url);

interface Vector {
  name: string;
  description: string;
  networkId: number;
  /** Deep-merged over the chain parameters of the default config. */
  params?: Record<string, unknown>;
  pre: {
    height: number;
    timestampMs: number;
    /** Accounts by wallet label; omitted fields are 0 / []. */
    accounts: Record<string, Partial<Account>>;
    /** Other state entries by state key. */
    state?: Record<string, unknown>;
  };
  block: {
    timestampMs: number;
    /** Wallet label of the proposer (a validator of the pre-state). */
    proposer: string;
    txs: { signer: string; body: Omit<TxBody, "from"> }[];
  };
  expect:
    | { post: { accounts: Record<string, Partial<Account>>; state?: Record<string, unknown> } }
    | { error: { code: string; txIndex?: number; field?: string } };
}

/** `"$addr:label"` -> the address of wallet `label`, anywhere in a JSON value. */
function resolveLabels(value: unknown): unknown {
  if (typeof value === "string" && value.startsWith("$addr:")) {
    return testWallet(value.slice(6)).address;
  }
  if (Array.isArray(value)) return value.map(resolveLabels);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveLabels(v)]));
  }
  return value;
}

function deepMerge(base: unknown, over: unknown): unknown {
  if (typeof base !== "object" || base === null || typeof over !== "object" || over === null) {
    return over;
  }
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(out[k], v);
  return out;
}

const defaultParams = chainParamsFromConfig(parseConfig(DEFAULT_CONFIG_TOML, "/vectors.toml"));

function buildPreState(v: Vector): { state: MemoryState; parent: BlockHeader } {
  const params = deepMerge(defaultParams, v.params ?? {}) as ChainParams;
  const state = new MemoryState();
  state.entries.set(stateKey.params(), params);
  const proposer = testWallet(v.block.proposer);
  state.entries.set(stateKey.validators(), [
    { publicKey: proposer.publicKeyHex, address: proposer.address },
  ]);
  state.entries.set(stateKey.authorities(), []);
  for (const [label, fields] of Object.entries(v.pre.accounts)) {
    state.entries.set(
      stateKey.account(testWallet(label).address),
      { ...EMPTY_ACCOUNT, ...(resolveLabels(fields) as Partial<Account>) },
    );
  }
  for (const [key, value] of Object.entries(v.pre.state ?? {})) {
    state.entries.set(key, resolveLabels(value));
  }
  const parent: BlockHeader = {
    version: 1,
    networkId: v.networkId,
    height: v.pre.height,
    prevHash: "11".repeat(32),
    timestampMs: v.pre.timestampMs,
    proposer: proposer.publicKeyHex,
    txRoot: computeMerkleRoot([]),
    stateRoot: "22".repeat(32),
    txCount: 0,
    difficulty: 0,
    seal: "",
  };
  return { state, parent };
}

function signTxs(v: Vector): Tx[] {
  return v.block.txs.map(({ signer, body }) => {
    const wallet = testWallet(signer);
    const full = { ...(resolveLabels(body) as object), from: wallet.publicKeyHex } as TxBody;
    return signTransaction(full, wallet.sign);
  });
}

function snapshot(state: MemoryState): string {
  return JSON.stringify([...state.entries].sort(([a], [b]) => (a < b ? -1 : 1)));
}

async function runVector(v: Vector): Promise<void> {
  const { state, parent } = buildPreState(v);
  const before = snapshot(state);
  const txs = signTxs(v);
  const proposer = testWallet(v.block.proposer).publicKeyHex;
  const built = await buildBlock(state, parent, txs, {
    timestampMs: v.block.timestampMs,
    proposer,
  });
  assert.equal(snapshot(state), before, "buildBlock never modifies the committed state");
  if ("error" in v.expect) {
    const { code, txIndex, field } = v.expect.error;
    if (txIndex !== undefined) {
      // The builder leaves the bad transaction out, with the same code...
      const rejected = built.rejected.find((r) => r.tx.id === txs[txIndex]!.id);
      assert.equal(rejected?.error.code, code, "buildBlock rejects the transaction");
      if (field !== undefined) assert.equal(rejected?.error.field, field);
    }
    // ...and a block that includes it anyway is invalid as a whole.
    const header: BlockHeader = {
      ...built.header,
      txRoot: computeMerkleRoot(txs.map((t) => t.id)),
      txCount: txs.length,
    };
    await assert.rejects(
      () => processBlock(state, parent, header, txs),
      (e: unknown) => {
        assert.ok(e instanceof ChainError, String(e));
        assert.equal(e.code, code);
        if (txIndex !== undefined) assert.equal(e.field, `txs.${txIndex}`);
        return true;
      },
    );
    assert.equal(snapshot(state), before, "an invalid block changes nothing");
    return;
  }
  assert.deepEqual(
    built.rejected.map((r) => `${r.error.code}: ${r.error.message}`),
    [],
    "every transaction applies",
  );
  const result = await processBlock(state, parent, built.header, txs);
  assert.equal(result.stateRoot, built.header.stateRoot, "builder and validator agree on the root");
  assert.deepEqual(result.changes, built.changes);
  assert.notEqual(computeBlockHash(built.header), computeBlockHash(parent));
  state.apply(result.changes);
  for (const [label, fields] of Object.entries(v.expect.post.accounts)) {
    const account = state.get(stateKey.account(testWallet(label).address)) ?? EMPTY_ACCOUNT;
    const got = Object.fromEntries(
      Object.keys(fields).map((k) => [k, (account as unknown as Record<string, unknown>)[k]]),
    );
    assert.deepEqual(got, resolveLabels(fields), `account ${label}`);
  }
  for (const [key, value] of Object.entries(v.expect.post.state ?? {})) {
    assert.deepEqual(state.get(key) ?? null, resolveLabels(value), `state ${key}`);
  }
}

const files = [...Deno.readDirSync(VECTOR_DIR)]
  .filter((e) => e.isFile && e.name.endsWith(".json"))
  .map((e) => e.name)
  .sort();

Deno.test("chain vectors: the directory holds vectors", () => {
  assert.ok(files.length >= 10, `only ${files.length} vectors`);
});

for (const file of files) {
  const v = JSON.parse(Deno.readTextFileSync(new URL(file, VECTOR_DIR))) as Vector;
  Deno.test(`chain vector ${file}: ${v.name}`, () => runVector(v));
}
