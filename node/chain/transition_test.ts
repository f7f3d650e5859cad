import assert from "node:assert/strict";
import fc from "fast-check";
import { addressFromPublicKey } from "../crypto/address.ts";
import { getPublicKey, sign } from "../crypto/ed25519.ts";
import { toHex } from "../crypto/hex.ts";
import { sha256 } from "../crypto/sha256.ts";
import { chainParamsFromConfig } from "../config/chain_params.ts";
import { DEFAULT_CONFIG_TOML } from "../config/default_config.ts";
import { parseConfig } from "../config/parse_config.ts";
import { type BlockHeader, computeBlockHash } from "./block.ts";
import { buildBlock } from "./build_block.ts";
import { ChainError } from "./errors.ts";
import { computeGenesis } from "./genesis.ts";
import { computeMerkleRoot } from "./merkle.ts";
import { type ChainParams } from "./params.ts";
import { getAccount, MemoryState, StateOverlay } from "./state.ts";
import { signTransaction, type Tx, type TxBody } from "./transaction.ts";
import { applyTransaction, computeBlockContext, processBlock } from "./transition.ts";

function wallet(label: string) {
  const secret = sha256(new TextEncoder().encode(`transition test ${label}`));
  const publicKey = getPublicKey(secret);
  return {
    publicKeyHex: toHex(publicKey),
    address: addressFromPublicKey(publicKey),
    sign: (b: Uint8Array) => sign(b, secret),
  };
}
const users = ["u0", "u1", "u2", "u3"].map(wallet);
const validator = wallet("validator");
const T0 = 1_767_225_600_000;

function genesis(over: (p: ChainParams) => void = () => {}) {
  const params = chainParamsFromConfig(parseConfig(DEFAULT_CONFIG_TOML, "/t.toml"));
  over(params);
  const g = computeGenesis({
    networkId: 9,
    networkName: "t",
    timestampMs: T0,
    params,
    accounts: users.map((u) => ({ address: u.address, balanceSatang: 10_000, energyWh: 500 })),
    validators: [{ publicKey: validator.publicKeyHex, stakeSatang: 1_000_000 }],
    authorities: [],
  });
  const state = new MemoryState();
  state.apply(g.changes);
  return { state, parent: g.header };
}

function tx(u: typeof users[number], nonce: number, kind: string, payload: unknown, fee = 3): Tx {
  return signTransaction(
    {
      kind,
      networkId: 9,
      from: u.publicKeyHex,
      nonce,
      feeSatang: fee,
      expiresAtMs: T0 + 1e9,
      payload,
    } as TxBody,
    u.sign,
  );
}

const snapshot = (s: MemoryState) => JSON.stringify([...s.entries].sort());

async function commit(state: MemoryState, parent: BlockHeader, txs: Tx[], dtMs = 1_000) {
  const built = await buildBlock(state, parent, txs, {
    timestampMs: parent.timestampMs + dtMs,
    proposer: validator.publicKeyHex,
  });
  const result = await processBlock(state, parent, built.header, built.included);
  assert.equal(result.stateRoot, built.header.stateRoot);
  state.apply(result.changes);
  return built;
}

Deno.test("buildBlock and processBlock agree on random blocks (fast-check)", async () => {
  const op = fc.record({
    user: fc.nat({ max: 3 }),
    to: fc.nat({ max: 3 }),
    kind: fc.constantFrom("transfer", "transfer", "stake", "unstake"),
    amount: fc.integer({ min: 1, max: 6_000 }),
    wh: fc.nat({ max: 300 }),
    fee: fc.integer({ min: 0, max: 20 }),
    nonceSkew: fc.constantFrom(0, 0, 0, 0, 1, -1),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 25 }), async (ops) => {
      const { state, parent } = genesis();
      const before = snapshot(state);
      const nonces = [0, 0, 0, 0];
      const txs = ops.map((o) => {
        const n = Math.max(0, nonces[o.user]! + o.nonceSkew);
        nonces[o.user] = n + 1;
        const payload = o.kind === "transfer"
          ? { to: users[o.to]!.address, amountSatang: o.amount, amountWh: o.wh }
          : { amountSatang: o.amount };
        return tx(users[o.user]!, n, o.kind, payload, o.fee);
      });
      const unique = [...new Map(txs.map((t) => [t.id, t])).values()];
      const built = await buildBlock(state, parent, unique, {
        timestampMs: T0 + 1_000,
        proposer: validator.publicKeyHex,
      });
      assert.equal(built.included.length + built.rejected.length, unique.length);
      const result = await processBlock(state, parent, built.header, built.included);
      assert.equal(result.stateRoot, built.header.stateRoot);
      assert.deepEqual(result.changes, built.changes);
      assert.equal(snapshot(state), before, "neither builder nor validator mutates state");
      // Money is conserved: balances + stake + unbonding sum to the genesis total.
      const after = new MemoryState(new Map(state.entries));
      after.apply(result.changes);
      const total = [...users, validator].reduce((sum, u) => {
        const a = getAccount(after, u.address);
        return sum + a.balanceSatang + a.stakeSatang +
          a.unbonding.reduce((s, [, amt]) => s + amt, 0);
      }, 0);
      assert.equal(total, 4 * 10_000 + 1_000_000);
    }),
    { numRuns: 60 },
  );
});

Deno.test("unstake: stake returns to the balance exactly unbondingBlocks later", async () => {
  const { state, parent: g } = genesis((p) => (p.consensus.unbondingBlocks = 3));
  const u = users[0]!;
  let parent = (await commit(state, g, [tx(u, 0, "stake", { amountSatang: 4_000 })])).header;
  const unstake = await commit(state, parent, [tx(u, 1, "unstake", { amountSatang: 1_500 })]);
  parent = unstake.header;
  const h = parent.height;
  assert.deepEqual(getAccount(state, u.address).unbonding, [[h + 3, 1_500]]);
  const balance = getAccount(state, u.address).balanceSatang;
  for (let i = 1; i <= 3; i++) {
    parent = (await commit(state, parent, [])).header;
    const a = getAccount(state, u.address);
    if (i < 3) {
      assert.equal(a.balanceSatang, balance, `not released at ${parent.height}`);
    } else {
      assert.equal(a.balanceSatang, balance + 1_500, `released at ${parent.height}`);
      assert.equal(a.stakeSatang, 2_500);
      assert.deepEqual(a.unbonding, []);
    }
  }
});

Deno.test("an invalid transaction is never half-applied", () => {
  const { state, parent } = genesis();
  const ctx = computeBlockContext(state, {
    networkId: 9,
    height: 1,
    timestampMs: T0 + 1,
    proposer: validator.publicKeyHex,
  });
  const overlay = new StateOverlay(state);
  // The fee and nonce are charged before the transfer fails on its amount.
  const bad = tx(users[0]!, 0, "transfer", {
    to: users[1]!.address,
    amountSatang: 9_999,
    amountWh: 0,
  }, 5);
  assert.throws(() => applyTransaction(overlay, bad, ctx), { code: "INSUFFICIENT_BALANCE" });
  assert.equal(overlay.size, 0, "no write survives the failed transaction");
  assert.equal(overlay.getAccount(users[0]!.address).nonce, 0);
  void parent;
});

Deno.test("processBlock rejects bad headers with their codes", async () => {
  const { state, parent } = genesis();
  const txs = [
    tx(users[0]!, 0, "transfer", { to: users[1]!.address, amountSatang: 1, amountWh: 0 }),
  ];
  const built = await buildBlock(state, parent, txs, {
    timestampMs: T0 + 1_000,
    proposer: validator.publicKeyHex,
  });
  const h = built.header;
  const cases: [Partial<BlockHeader>, Tx[], string][] = [
    [{ networkId: 10 }, txs, "WRONG_NETWORK"],
    [{ height: 2 }, txs, "BAD_HEIGHT"],
    [{ prevHash: "00".repeat(32) }, txs, "PARENT_UNKNOWN"],
    [{ timestampMs: T0 }, txs, "BAD_TIMESTAMP"],
    [{ txCount: 2 }, txs, "BAD_TX_COUNT"],
    [{ txRoot: computeMerkleRoot([]) }, txs, "BAD_TX_ROOT"],
    [{ stateRoot: "ab".repeat(32) }, txs, "BAD_STATE_ROOT"],
    [
      { txCount: 2, txRoot: computeMerkleRoot([txs[0]!.id, txs[0]!.id]) },
      [txs[0]!, txs[0]!],
      "DUPLICATE_TX",
    ],
  ];
  for (const [over, list, code] of cases) {
    await assert.rejects(
      () => processBlock(state, parent, { ...h, ...over }, list),
      (e: unknown) => e instanceof ChainError && e.code === code,
      code,
    );
  }
  assert.notEqual(computeBlockHash(h), computeBlockHash({ ...h, seal: "1" }));
});

Deno.test("processBlock rejects a block over maxBlockTransactions", async () => {
  const { state, parent } = genesis((p) => (p.consensus.maxBlockTransactions = 2));
  const txs = [0, 1, 2].map((n) =>
    tx(users[0]!, n, "transfer", { to: users[1]!.address, amountSatang: 1, amountWh: 0 })
  );
  const built = await buildBlock(state, parent, txs, {
    timestampMs: T0 + 1_000,
    proposer: validator.publicKeyHex,
  });
  assert.equal(built.included.length, 2, "the builder stops at the limit");
  const header = { ...built.header, txCount: 3, txRoot: computeMerkleRoot(txs.map((t) => t.id)) };
  await assert.rejects(() => processBlock(state, parent, header, txs), { code: "BLOCK_TOO_LARGE" });
});
