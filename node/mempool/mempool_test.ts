import assert from "node:assert/strict";
import { addressFromPublicKey } from "../crypto/address.ts";
import { fromHex } from "../crypto/hex.ts";
import { parseTransaction, type Tx, type TxBody } from "../chain/transaction.ts";
import { Mempool, type SenderState } from "./mempool.ts";

// The mempool trusts that signatures were verified: unsigned test transactions suffice.
const key = (n: number) => n.toString(16).padStart(2, "0").repeat(32);
const RECIPIENT = addressFromPublicKey(fromHex(key(99)));

function tx(sender: number, nonce: number, feeSatang: number, amountSatang = 1, exp = 10_000): Tx {
  const body = {
    kind: "transfer",
    networkId: 1,
    from: key(sender),
    nonce,
    feeSatang,
    expiresAtMs: exp,
    payload: { to: RECIPIENT, amountSatang, amountWh: 0 },
  } as TxBody;
  return parseTransaction({ body, signature: "00".repeat(64) });
}

const rich: SenderState = { nonce: 0, balanceSatang: 1_000_000 };
const nonceOf = (nonces: Record<string, number> = {}) => (s: string) => nonces[s] ?? 0;

function codeOf(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return "accepted";
}

Deno.test("selectForBlock: highest fee first across senders, nonce order within a sender", () => {
  const m = new Mempool({ maxTransactions: 100 });
  const a0 = tx(1, 0, 1), a1 = tx(1, 1, 50), b0 = tx(2, 0, 10), c0 = tx(3, 0, 10);
  for (const t of [a1, a0, b0, c0]) m.add(t, rich);
  // a1 pays most but waits for a0; b0 and c0 tie on fee: oldest first.
  assert.deepEqual(m.selectForBlock(10, nonceOf()).map((t) => t.id), [
    b0.id,
    c0.id,
    a0.id,
    a1.id,
  ]);
  assert.deepEqual(m.selectForBlock(2, nonceOf()).map((t) => t.id), [b0.id, c0.id]);
});

Deno.test("selectForBlock stops at a nonce gap and starts at the account's nonce", () => {
  const m = new Mempool({ maxTransactions: 100 });
  for (const n of [0, 1, 3]) m.add(tx(1, n, 5), rich);
  assert.deepEqual(m.selectForBlock(10, nonceOf()).map((t) => t.body.nonce), [0, 1]);
  const sender = tx(1, 0, 5).sender;
  assert.deepEqual(m.selectForBlock(10, nonceOf({ [sender]: 1 })).map((t) => t.body.nonce), [1]);
  assert.deepEqual(m.selectForBlock(10, nonceOf({ [sender]: 2 })), []);
});

Deno.test("admission codes: duplicate, nonce too low, nonce gap, balance with pending spend", () => {
  const m = new Mempool({ maxTransactions: 100, maxNonceGap: 4 });
  const t = tx(1, 2, 5);
  m.add(t, { nonce: 2, balanceSatang: 100 });
  assert.equal(codeOf(() => m.add(t, { nonce: 2, balanceSatang: 100 })), "DUPLICATE_TX");
  assert.equal(codeOf(() => m.add(tx(1, 1, 5), { nonce: 2, balanceSatang: 100 })), "NONCE_TOO_LOW");
  assert.equal(codeOf(() => m.add(tx(1, 6, 5), { nonce: 2, balanceSatang: 100 })), "NONCE_GAP");
  // 6 pending (5 + 1) + 90 + 5 > 100.
  assert.equal(
    codeOf(() => m.add(tx(1, 3, 5, 90), { nonce: 2, balanceSatang: 100 })),
    "INSUFFICIENT_BALANCE",
  );
  assert.equal(codeOf(() => m.add(tx(1, 3, 5, 89), { nonce: 2, balanceSatang: 100 })), "accepted");
  assert.equal(m.pendingSpendSatang(t.sender), 100);
});

Deno.test("replacement: same nonce needs a strictly higher fee", () => {
  const m = new Mempool({ maxTransactions: 100 });
  const first = tx(1, 0, 10);
  m.add(first, rich);
  assert.equal(codeOf(() => m.add(tx(1, 0, 10, 2), rich)), "REPLACEMENT_UNDERPRICED");
  const better = tx(1, 0, 11, 2);
  m.add(better, rich);
  assert.equal(m.size, 1);
  assert.ok(!m.has(first.id) && m.has(better.id));
});

Deno.test("eviction when full: the cheapest tail goes, never a nonce in the middle", () => {
  const m = new Mempool({ maxTransactions: 3 });
  const a0 = tx(1, 0, 1), a1 = tx(1, 1, 100), b0 = tx(2, 0, 5);
  for (const t of [a0, a1, b0]) m.add(t, rich);
  // a0 is the cheapest but evicting it would strand a1; b0 (a tail) goes.
  assert.equal(codeOf(() => m.add(tx(3, 0, 5), rich)), "MEMPOOL_FULL");
  const c0 = tx(3, 0, 6);
  m.add(c0, rich);
  assert.ok(!m.has(b0.id) && m.has(a0.id) && m.has(a1.id) && m.has(c0.id));
  assert.equal(m.size, 3);
});

Deno.test("prune drops included and stale nonces; pruneExpired drops expired", () => {
  const m = new Mempool({ maxTransactions: 100 });
  const a = [0, 1, 2].map((n) => tx(1, n, 5));
  const late = tx(2, 0, 5, 1, 500);
  for (const t of [...a, late]) m.add(t, rich);
  m.prune([a[0]!.sender], nonceOf({ [a[0]!.sender]: 2 }));
  assert.deepEqual([m.has(a[0]!.id), m.has(a[1]!.id), m.has(a[2]!.id)], [false, false, true]);
  assert.deepEqual(m.pruneExpired(501).map((t) => t.id), [late.id]);
  assert.equal(m.size, 1);
  m.remove(a[2]!.id);
  assert.equal(m.size, 0);
  assert.deepEqual(m.selectForBlock(10, nonceOf()), []);
});
