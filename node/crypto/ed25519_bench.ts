/**
 * Ed25519 verification throughput: `deno bench node/crypto/ed25519_bench.ts`.
 * Each iteration of the batch bench verifies 256 signatures.
 */
import {
  generateSecretKey,
  getPublicKey,
  InlineVerifier,
  sign,
  type VerifyItem,
  verifyNoble,
  verifyWebCrypto,
} from "./ed25519.ts";

const BATCH = 256;
/** 64 signers (all CryptoKeys cached after the first round), 80-byte messages like a transfer. */
const items: VerifyItem[] = [];
const secrets = Array.from({ length: 64 }, () => generateSecretKey());
for (let i = 0; i < BATCH; i++) {
  const secret = secrets[i % secrets.length]!;
  const message = crypto.getRandomValues(new Uint8Array(80));
  items.push({ publicKey: getPublicKey(secret), message, signature: sign(message, secret) });
}
const inline = new InlineVerifier();
let n = 0;
const next = () => items[n++ % BATCH]!;

Deno.bench("verifyWebCrypto, one at a time (awaited)", async () => {
  const it = next();
  if (!(await verifyWebCrypto(it.signature, it.message, it.publicKey))) throw new Error("bad");
});

Deno.bench(`InlineVerifier.verifyBatch of ${BATCH}`, async () => {
  const out = await inline.verifyBatch(items);
  if (!out.every((ok) => ok)) throw new Error("bad");
});

Deno.bench("verifyNoble, one", () => {
  const it = next();
  if (!verifyNoble(it.signature, it.message, it.publicKey)) throw new Error("bad");
});

Deno.bench("sign, one 80-byte message", () => {
  sign(items[0]!.message, secrets[0]!);
});
