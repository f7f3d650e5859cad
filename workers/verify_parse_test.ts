import assert from "node:assert/strict";
import { ChainError } from "../node/chain/errors.ts";
import { parseTransaction, toSignedTxJson, type TxBody } from "../node/chain/transaction.ts";
import { generateSecretKey, getPublicKey, InlineVerifier, sign } from "../node/crypto/ed25519.ts";
import { toHex } from "../node/crypto/hex.ts";
import { addressFromPublicKey } from "../node/crypto/address.ts";
import { signTransaction } from "../node/chain/transaction.ts";
import { VerifyPool } from "./verify_pool.ts";
import { handleParseVerifyRequest, type ParsedItem } from "./verify_protocol.ts";

/** Signed transfers (wire JSON), some with a broken signature, plus malformed items. */
function rawItems(n: number): unknown[] {
  const secret = generateSecretKey();
  const from = toHex(getPublicKey(secret));
  const to = addressFromPublicKey(getPublicKey(generateSecretKey()));
  const items: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const body = {
      kind: "transfer",
      networkId: 7,
      from,
      nonce: i,
      feeSatang: 1,
      expiresAtMs: 2_000_000_000_000,
      payload: { to, amountSatang: 5 + i, amountWh: 0 },
    } as TxBody;
    const wire = toSignedTxJson(signTransaction(body, (m) => sign(m, secret)));
    if (i % 7 === 3) wire.signature = "00" + wire.signature.slice(2);
    items.push(wire);
  }
  items.push({ body: { kind: "transfer" }, signature: "zz" });
  items.push("not a transaction");
  items.push(null);
  return items;
}

/** What the main-thread path gives: parseTransaction, then InlineVerifier. */
async function expectedOf(items: unknown[]) {
  const verifier = new InlineVerifier();
  return await Promise.all(items.map(async (raw) => {
    try {
      const tx = parseTransaction(raw);
      const [valid] = await verifier.verifyBatch([
        { publicKey: tx.publicKey, message: tx.signedBytes, signature: tx.signature },
      ]);
      return { ok: true, id: tx.id, sender: tx.sender, body: tx.body, valid };
    } catch (e) {
      assert.ok(e instanceof ChainError);
      return { ok: false, code: e.code, message: e.message, field: e.field };
    }
  }));
}

function summary(items: ParsedItem[]) {
  return items.map((item) =>
    item.ok
      ? {
        ok: true,
        id: item.tx.id,
        sender: item.tx.sender,
        body: item.tx.body,
        valid: item.signatureValid,
      }
      : { ok: false, code: item.code, message: item.message, field: item.field }
  );
}

Deno.test("parse-and-verify handler gives what parseTransaction + InlineVerifier give", async () => {
  const items = rawItems(20);
  const { result } = await handleParseVerifyRequest({ type: "parse_verify", id: 3, items });
  assert.equal(result.type, "parsed");
  if (result.type !== "parsed") return;
  assert.deepEqual(summary(result.items), await expectedOf(items));
  const first = result.items[0];
  assert.ok(first?.ok);
  assert.deepEqual(first.tx.signedBytes, parseTransaction(items[0]).signedBytes);
});

Deno.test("VerifyPool.parseAndVerify splits over the workers and keeps the item order", async () => {
  const pool = new VerifyPool({ workers: 2, maxJobItems: 16 });
  try {
    const items = rawItems(100);
    const [a, b] = await Promise.all([pool.parseAndVerify(items), pool.parseAndVerify([])]);
    assert.deepEqual(b, []);
    assert.equal(a.length, items.length);
    assert.deepEqual(summary(a), await expectedOf(items));
    const tx = a[0]!.ok ? a[0]!.tx : null;
    assert.ok(tx && tx.publicKey.length === 32 && tx.signature.length === 64);
    // Verifying the worker-parsed bytes again gives the same verdicts.
    const again = await pool.verifyBatch(
      a.flatMap((i) =>
        i.ok
          ? [{ publicKey: i.tx.publicKey, message: i.tx.signedBytes, signature: i.tx.signature }]
          : []
      ),
    );
    assert.deepEqual(again, a.flatMap((i) => i.ok ? [i.signatureValid] : []));
  } finally {
    pool.close();
  }
  await assert.rejects(() => pool.parseAndVerify([1]), { code: "CLOSED" });
});

Deno.test("VerifyPool: urgent parse jobs, then signature batches, then bulk parse jobs", async () => {
  const pool = new VerifyPool({ workers: 1, maxJobItems: 256, maxJobsPerWorker: 1 });
  try {
    const items = rawItems(40);
    const done: string[] = [];
    const track = <T>(name: string, p: Promise<T>) => p.then((v) => (done.push(name), v));
    // The first job occupies the only worker; the others queue behind it.
    const running = track("running", pool.parseAndVerify(items));
    const bulk = track("bulk", pool.parseAndVerify(items));
    const tx = parseTransaction(items[0]);
    const sigs = track(
      "signatures",
      pool.verifyBatch([{
        publicKey: tx.publicKey,
        message: tx.signedBytes,
        signature: tx.signature,
      }]),
    );
    const urgent = track("urgent", pool.parseAndVerify(items.slice(0, 5), { urgent: true }));
    const [, , [ok], u] = await Promise.all([running, bulk, sigs, urgent]);
    assert.equal(ok, true);
    assert.deepEqual(summary(u), await expectedOf(items.slice(0, 5)));
    assert.deepEqual(done, ["running", "urgent", "signatures", "bulk"]);
  } finally {
    pool.close();
  }
});
