/**
 * Transaction admission throughput: decode (parseTransaction: schema, CBOR
 * signed bytes, id, sender address) and verify (InlineVerifier: WebCrypto
 * Ed25519, the whole batch in flight).
 *
 *   deno bench --allow-read node/chain/transaction_bench.ts
 */
import { addressFromPublicKey } from "../crypto/address.ts";
import { getPublicKey, InlineVerifier, NobleVerifier, sign } from "../crypto/ed25519.ts";
import { toHex } from "../crypto/hex.ts";
import { sha256 } from "../crypto/sha256.ts";
import { parseTransaction, signTransaction, toSignedTxJson, type TxBody } from "./transaction.ts";

const BATCH = 1_000;
const senders = Array.from({ length: 100 }, (_, i) => {
  const secret = sha256(new TextEncoder().encode(`bench sender ${i}`));
  return { secret, publicKeyHex: toHex(getPublicKey(secret)) };
});
const recipient = addressFromPublicKey(sha256(new TextEncoder().encode("bench recipient")));
/** Wire-form (JSON-parsed) signed transfers, as the API receives them. */
const wire = Array.from({ length: BATCH }, (_, i) => {
  const s = senders[i % senders.length]!;
  const body = {
    kind: "transfer",
    networkId: 1001,
    from: s.publicKeyHex,
    nonce: Math.floor(i / senders.length),
    feeSatang: 1 + (i % 7),
    expiresAtMs: 1_900_000_000_000,
    payload: { to: recipient, amountSatang: 100 + i, amountWh: 0 },
  } as TxBody;
  return JSON.parse(
    JSON.stringify(toSignedTxJson(signTransaction(body, (b) => sign(b, s.secret)))),
  );
});
const inline = new InlineVerifier();
const noble = new NobleVerifier();

Deno.bench({
  name: `parseTransaction x${BATCH}`,
  group: "admission",
  fn() {
    for (const w of wire) parseTransaction(w);
  },
});

Deno.bench({
  name: `parseTransaction + InlineVerifier.verifyBatch x${BATCH}`,
  group: "admission",
  baseline: true,
  async fn() {
    const txs = wire.map((w) => parseTransaction(w));
    const ok = await inline.verifyBatch(
      txs.map((t) => ({ publicKey: t.publicKey, message: t.signedBytes, signature: t.signature })),
    );
    if (ok.includes(false)) throw new Error("a bench signature failed");
  },
});

Deno.bench({
  name: "parseTransaction + NobleVerifier.verifyBatch x100 (pure-JS reference)",
  group: "admission-noble",
  async fn() {
    const txs = wire.slice(0, 100).map((w) => parseTransaction(w));
    await noble.verifyBatch(
      txs.map((t) => ({ publicKey: t.publicKey, message: t.signedBytes, signature: t.signature })),
    );
  },
});
