import assert from "node:assert/strict";
import { InlineVerifier, NobleVerifier, sign } from "../crypto/ed25519.ts";
import { sha256 } from "../crypto/sha256.ts";
import { toHex } from "../crypto/hex.ts";
import { addressFromPublicKey } from "../crypto/address.ts";
import { getPublicKey } from "../crypto/ed25519.ts";
import { ChainError } from "./errors.ts";
import { EMPTY_ACCOUNT, MemoryState, stateKey, StateOverlay } from "./state.ts";
import {
  computeSignedBytes,
  parseTransaction,
  signTransaction,
  toSignedTxJson,
  type TxBody,
} from "./transaction.ts";
import { type BlockContext, processTransaction } from "./transition.ts";
import type { ChainParams } from "./params.ts";

function wallet(label: string) {
  const secret = sha256(new TextEncoder().encode(`tx test ${label}`));
  const publicKey = getPublicKey(secret);
  return {
    publicKeyHex: toHex(publicKey),
    address: addressFromPublicKey(publicKey),
    sign: (b: Uint8Array) => sign(b, secret),
  };
}
const alice = wallet("alice");
const bob = wallet("bob");
const proposer = wallet("proposer");

function body(over: Partial<TxBody> = {}, payload: Record<string, unknown> = {}): TxBody {
  return {
    kind: "transfer",
    networkId: 7,
    from: alice.publicKeyHex,
    nonce: 0,
    feeSatang: 10,
    expiresAtMs: 2_000,
    payload: { to: bob.address, amountSatang: 100, amountWh: 0, ...payload },
    ...over,
  } as TxBody;
}

function wire(b: TxBody): Record<string, unknown> {
  return structuredClone(toSignedTxJson(signTransaction(b, alice.sign))) as unknown as Record<
    string,
    unknown
  >;
}

function parseError(input: unknown): ChainError {
  try {
    parseTransaction(input);
  } catch (e) {
    assert.ok(e instanceof ChainError);
    return e;
  }
  assert.fail("parseTransaction accepted the input");
}

Deno.test("parseTransaction accepts a signed transfer and derives id and sender", () => {
  const tx = parseTransaction(wire(body()));
  assert.equal(tx.sender, alice.address);
  assert.match(tx.id, /^[0-9a-f]{64}$/);
  assert.deepEqual(tx.signedBytes, computeSignedBytes(tx.body));
});

Deno.test("parseTransaction rejects unknown fields, naming them", () => {
  const top = { ...wire(body()), extra: 1 };
  assert.deepEqual([parseError(top).code, parseError(top).field], ["BAD_TRANSACTION", "extra"]);
  const inBody = wire(body());
  (inBody.body as Record<string, unknown>).memo = "hi";
  assert.equal(parseError(inBody).field, "body.memo");
  const inPayload = wire(body());
  ((inPayload.body as Record<string, unknown>).payload as Record<string, unknown>).x = 1;
  assert.equal(parseError(inPayload).field, "body.payload.x");
});

Deno.test("parseTransaction rejects wrong types, unsafe integers and bad shapes", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ nonce: -1 }, "body.nonce"],
    [{ nonce: 1.5 }, "body.nonce"],
    [{ feeSatang: "10" }, "body.feeSatang"],
    [{ expiresAtMs: 2 ** 53 }, "body.expiresAtMs"],
    [{ networkId: 0 }, "body.networkId"],
    [{ from: "AB".repeat(32) }, "body.from"],
    [{ kind: "mint" }, "body.kind"],
  ];
  for (const [over, field] of cases) {
    const w = wire(body());
    Object.assign(w.body as object, over);
    const e = parseError(w);
    assert.equal(e.code, "BAD_TRANSACTION");
    assert.equal(e.field, field, JSON.stringify(over));
  }
  // Overflowing amounts never reach the state: 2^53 is not a safe integer.
  const overflow = wire(body());
  ((overflow.body as Record<string, unknown>).payload as Record<string, unknown>).amountSatang =
    2 ** 53;
  assert.equal(parseError(overflow).field, "body.payload.amountSatang");
  assert.equal(parseError({ ...wire(body()), signature: "00" }).field, "signature");
  const nothing = wire(body());
  ((nothing.body as Record<string, unknown>).payload as Record<string, unknown>).amountSatang = 0;
  assert.equal(parseError(nothing).field, "body.payload.amountSatang");
  assert.equal(parseError(null).code, "BAD_TRANSACTION");
});

Deno.test("a bad signature fails in both InlineVerifier and NobleVerifier", async () => {
  const good = parseTransaction(wire(body()));
  const tamperedBody = parseTransaction({
    body: { ...good.body, nonce: 1 },
    signature: toHex(good.signature),
  });
  const flipped = good.signature.slice();
  flipped[5]! ^= 1;
  const wrongKey = parseTransaction({
    body: { ...good.body, from: bob.publicKeyHex },
    signature: toHex(good.signature),
  });
  const items = [good, tamperedBody, wrongKey].map((t) => ({
    publicKey: t.publicKey,
    message: t.signedBytes,
    signature: t.signature,
  }));
  items.push({ ...items[0]!, signature: flipped });
  for (const verifier of [new InlineVerifier(), new NobleVerifier()]) {
    assert.deepEqual(await verifier.verifyBatch(items), [true, false, false, false]);
  }
});

const params = {
  fees: { minTxFeeSatang: 5 },
  consensus: { unbondingBlocks: 10, maxBlockTransactions: 100, minValidatorStakeSatang: 1e15 },
} as unknown as ChainParams;

function ctx(over: Partial<BlockContext> = {}): BlockContext {
  return {
    networkId: 7,
    height: 1,
    timestampMs: 1_000,
    proposerAddress: proposer.address,
    params,
    scratch: new Map(),
    services: {},
    ...over,
  } as BlockContext;
}

function stateWith(balanceSatang: number, nonce = 0, extra: [string, unknown][] = []) {
  const s = new MemoryState();
  s.entries.set(stateKey.params(), params);
  s.entries.set(stateKey.account(alice.address), { ...EMPTY_ACCOUNT, balanceSatang, nonce });
  for (const [k, v] of extra) s.entries.set(k, v);
  return new StateOverlay(s);
}

function processError(b: TxBody, state: StateOverlay, c = ctx()): ChainError {
  try {
    processTransaction(state, parseTransaction(wire(b)), c);
  } catch (e) {
    assert.ok(e instanceof ChainError);
    return e;
  }
  assert.fail("processTransaction accepted the transaction");
}

Deno.test("processTransaction: each invalid envelope has its code and field", () => {
  const cases: [TxBody, StateOverlay, string, string][] = [
    [body({ networkId: 8 }), stateWith(1_000), "WRONG_NETWORK", "body.networkId"],
    [body({ expiresAtMs: 999 }), stateWith(1_000), "EXPIRED", "body.expiresAtMs"],
    [body({ feeSatang: 4 }), stateWith(1_000), "FEE_TOO_LOW", "body.feeSatang"],
    [body({ nonce: 2 }), stateWith(1_000, 3), "NONCE_TOO_LOW", "body.nonce"],
    [body({ nonce: 4 }), stateWith(1_000, 3), "NONCE_GAP", "body.nonce"],
    [body(), stateWith(9), "INSUFFICIENT_BALANCE", "body.feeSatang"],
    [body(), stateWith(109), "INSUFFICIENT_BALANCE", "body.payload.amountSatang"],
    [
      body({}, { amountSatang: 0, amountWh: 1 }),
      stateWith(1_000),
      "INSUFFICIENT_ENERGY",
      "body.payload.amountWh",
    ],
    [
      body(),
      stateWith(1_000, 0, [[stateKey.account(bob.address), {
        ...EMPTY_ACCOUNT,
        balanceSatang: Number.MAX_SAFE_INTEGER - 50,
      }]]),
      "OVERFLOW",
      "body.payload.amountSatang",
    ],
  ];
  for (const [b, state, code, field] of cases) {
    const e = processError(b, state);
    assert.deepEqual([e.code, e.field], [code, field], e.message);
  }
});

Deno.test("nonce replay: the same transaction cannot apply twice", () => {
  const state = stateWith(1_000);
  const tx = parseTransaction(wire(body()));
  processTransaction(state, tx, ctx());
  assert.equal(state.getAccount(alice.address).nonce, 1);
  assert.throws(() => processTransaction(state, tx, ctx()), { code: "NONCE_TOO_LOW" });
});
