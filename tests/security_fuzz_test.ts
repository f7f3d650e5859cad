/**
 * Fuzz tests (fast-check) of the transaction decoder and the state
 * transition: random input never makes them throw anything but ChainError,
 * and random transaction sequences never make a balance negative or create
 * or destroy money or energy.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { computeBlockHash } from "../node/chain/block.ts";
import { buildBlock } from "../node/chain/build_block.ts";
import { decodeCanonical, encodeCanonical } from "../node/chain/encoding.ts";
import { ChainError } from "../node/chain/errors.ts";
import { computeGenesis, type GenesisSpec } from "../node/chain/genesis.ts";
import { getAccount, MemoryState } from "../node/chain/state.ts";
import { parseTransaction, type Tx, type TxBody } from "../node/chain/transaction.ts";
import { processBlock } from "../node/chain/transition.ts";
import { chainParamsFromConfig } from "../node/config/chain_params.ts";
import { parseConfig } from "../node/config/parse_config.ts";
import { testConfigToml, testWallet } from "./helpers/test_node.ts";

const NUM_RUNS = Number(Deno.env.get("GTX_FUZZ_RUNS") ?? "200");
const MAX = Number.MAX_SAFE_INTEGER;
const DUMMY_SIGNATURE = "ab".repeat(64);

function onlyChainErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ChainError)) throw e;
    assert.match(e.code, /^[A-Z_]+$/);
    assert.ok(e.message.length > 0);
  }
}

const wallets = ["a", "b", "c", "d"].map((l) => testWallet(`fuzz-${l}`));
const validator = testWallet("fuzz-validator");

const validBody = (): TxBody => ({
  kind: "transfer",
  networkId: 1001,
  from: wallets[0]!.publicKeyHex,
  nonce: 0,
  feeSatang: 1,
  expiresAtMs: 2_000_000_000_000,
  payload: { to: wallets[1]!.address, amountSatang: 5, amountWh: 0 },
});

Deno.test("fuzz: parseTransaction throws only ChainError on arbitrary input", () => {
  fc.assert(
    fc.property(fc.anything(), (input) => onlyChainErrors(() => parseTransaction(input))),
    { numRuns: NUM_RUNS * 5 },
  );
  // Mutations of a valid transaction: one field replaced by anything.
  const keys = ["kind", "networkId", "from", "nonce", "feeSatang", "expiresAtMs", "payload"];
  fc.assert(
    fc.property(fc.constantFrom(...keys), fc.anything(), fc.boolean(), (key, value, inPayload) => {
      const body = validBody() as unknown as Record<string, unknown>;
      if (inPayload) {
        (body.payload as Record<string, unknown>)[key === "kind" ? "to" : "amountSatang"] = value;
      } else body[key] = value;
      onlyChainErrors(() => parseTransaction({ body, signature: DUMMY_SIGNATURE }));
    }),
    { numRuns: NUM_RUNS * 5 },
  );
});

Deno.test("fuzz: decodeCanonical throws only ChainError, and round-trips what it accepts", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
      try {
        const value = decodeCanonical(bytes);
        assert.deepEqual(encodeCanonical(value), bytes);
      } catch (e) {
        if (!(e instanceof ChainError)) throw e;
        assert.equal(e.code, "BAD_ENCODING");
      }
    }),
    { numRuns: NUM_RUNS * 10 },
  );
  // Canonical encodings of a tx with one byte flipped.
  const good = encodeCanonical(validBody());
  fc.assert(
    fc.property(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
      const bytes = good.slice();
      bytes[i] = bytes[i]! ^ x;
      onlyChainErrors(() =>
        parseTransaction({ body: decodeCanonical(bytes), signature: DUMMY_SIGNATURE })
      );
    }),
    { numRuns: NUM_RUNS * 5 },
  );
});

/** A random operation of one block's candidate list. */
const amount = fc.oneof(
  fc.integer({ min: 0, max: 1_000 }),
  fc.integer({ min: 0, max: MAX }),
  fc.constantFrom(0, 1, MAX, MAX - 1, 2 ** 52),
);
const opArb = fc.record({
  from: fc.nat(3),
  to: fc.nat(3),
  kind: fc.constantFrom("transfer", "transfer", "stake", "unstake"),
  nonceSkew: fc.constantFrom(0, 0, 0, 0, 1, -1),
  feeSatang: fc.oneof(fc.integer({ min: 0, max: 20 }), amount),
  amountSatang: amount,
  amountWh: amount,
  expired: fc.nat(9).map((n) => n === 0),
});

function genesisState() {
  const cfg = parseConfig(testConfigToml({ dataDir: "/tmp/unused" }), "/tmp/unused/config.toml");
  const params = chainParamsFromConfig(cfg);
  params.consensus.unbondingBlocks = 2;
  const spec: GenesisSpec = {
    networkId: 1001,
    networkName: "fuzz",
    timestampMs: 1_767_225_600_000,
    params,
    accounts: wallets.map((w, i) => ({
      address: w.address,
      balanceSatang: i === 3 ? MAX - 100 : 10_000 * (i + 1),
      energyWh: i === 2 ? MAX - 100 : 5_000,
    })),
    validators: [{ publicKey: validator.publicKeyHex, stakeSatang: 1_000_000 }],
    authorities: [],
  };
  const g = computeGenesis(spec);
  const state = new MemoryState();
  state.apply(g.changes);
  return { state, header: g.header };
}

function totals(state: MemoryState): { money: bigint; energy: bigint } {
  let money = 0n, energy = 0n;
  for (const address of [...wallets.map((w) => w.address), validator.address]) {
    const a = getAccount(state, address);
    for (const v of [a.balanceSatang, a.stakeSatang, a.energyWh, a.lockedSatang, a.lockedWh]) {
      assert.ok(Number.isSafeInteger(v) && v >= 0, `${address}: negative or unsafe amount ${v}`);
    }
    money += BigInt(a.balanceSatang) + BigInt(a.stakeSatang) + BigInt(a.lockedSatang);
    for (const [, unbondingSatang] of a.unbonding) money += BigInt(unbondingSatang);
    energy += BigInt(a.energyWh) + BigInt(a.lockedWh);
  }
  return { money, energy };
}

Deno.test("fuzz: random transaction sequences keep balances >= 0 and conserve money and energy", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(opArb, { maxLength: 12 }), { minLength: 1, maxLength: 6 }),
      async (blocks) => {
        const { state, header: genesis } = genesisState();
        const start = totals(state);
        let parent = genesis;
        const nonces = wallets.map(() => 0);
        for (const ops of blocks) {
          const timestampMs = parent.timestampMs + 1_000;
          const candidates: Tx[] = [];
          for (const op of ops) {
            const sender = wallets[op.from]!;
            const payload = op.kind === "transfer"
              ? {
                to: wallets[op.to]!.address,
                amountSatang: op.amountSatang,
                amountWh: op.amountWh,
              }
              : { amountSatang: op.amountSatang };
            const body = {
              kind: op.kind,
              networkId: 1001,
              from: sender.publicKeyHex,
              nonce: Math.max(0, nonces[op.from]! + op.nonceSkew),
              feeSatang: op.feeSatang,
              expiresAtMs: op.expired ? timestampMs - 1 : timestampMs + 60_000,
              payload,
            };
            try {
              candidates.push(parseTransaction({ body, signature: DUMMY_SIGNATURE }));
              nonces[op.from]!++;
            } catch (e) {
              if (!(e instanceof ChainError)) throw e;
            }
          }
          const built = await buildBlock(state, parent, candidates, {
            timestampMs,
            proposer: validator.publicKeyHex,
          });
          // The validator's path computes the same result as the builder's.
          const checked = await processBlock(state, parent, built.header, built.included);
          assert.equal(checked.stateRoot, built.header.stateRoot);
          assert.deepEqual(checked.changes, built.changes);
          // A tampered header is refused with a ChainError.
          await assert.rejects(
            () =>
              processBlock(
                state,
                parent,
                { ...built.header, stateRoot: "00".repeat(32) },
                built.included,
              ),
            (e: unknown) => e instanceof ChainError && e.code === "BAD_STATE_ROOT",
          );
          state.apply(built.changes);
          for (let i = 0; i < wallets.length; i++) {
            nonces[i] = getAccount(state, wallets[i]!.address).nonce;
          }
          parent = built.header;
          const now = totals(state);
          assert.equal(now.money, start.money, "money is conserved");
          assert.equal(now.energy, start.energy, "energy is conserved");
        }
        assert.notEqual(computeBlockHash(parent), computeBlockHash(genesis));
      },
    ),
    { numRuns: NUM_RUNS },
  );
});
