import assert from "node:assert/strict";
import { addressFromPublicKey } from "./address.ts";
import { generateSecretKey, getPublicKey } from "./ed25519.ts";
import { CryptoError } from "./errors.ts";
import { fromHex, toHex } from "./hex.ts";
import {
  decryptSecretKey,
  encryptSecretKey,
  KEYSTORE_PBKDF2_ITERATIONS,
  type KeystoreFile,
  parseKeystoreFile,
  pbkdf2Sha256,
} from "./keystore.ts";
// RFC 7914 §11, PBKDF2-HMAC-SHA-256 test vectors:
// https://www.rfc-editor.org/rfc/rfc7914#section-11
import pbkdf2Vectors from "../../tests/vectors/crypto/rfc7914_pbkdf2_sha256.json" with {
  type: "json",
};

const utf8 = (s: string) => new TextEncoder().encode(s);
const isCode = (code: string) => (e: unknown) => e instanceof CryptoError && e.code === code;
const FAST = { iterations: 1_000 };
const WEAK_OK = { allowWeak: true };

Deno.test("pbkdf2Sha256 matches RFC 7914 §11 vectors", async () => {
  assert.equal(pbkdf2Vectors.cases.length, 2);
  for (const v of pbkdf2Vectors.cases) {
    const dk = await pbkdf2Sha256(utf8(v.password), utf8(v.salt), v.iterations, v.dkLen);
    assert.equal(toHex(dk), v.derivedKey, `${v.password}/${v.salt}/${v.iterations}`);
  }
});

Deno.test("keystore round trip at the production 600,000 iterations", async () => {
  const secret = generateSecretKey();
  const file = await encryptSecretKey(secret, "correct horse battery staple");
  assert.equal(file.version, 1);
  assert.equal(file.crypto.iterations, KEYSTORE_PBKDF2_ITERATIONS);
  assert.equal(file.crypto.cipher, "aes-256-gcm");
  assert.equal(file.crypto.kdf, "pbkdf2-hmac-sha256");
  assert.equal(fromHex(file.crypto.salt).length, 16);
  assert.equal(fromHex(file.crypto.iv).length, 12);
  assert.equal(fromHex(file.crypto.ciphertext).length, 48);
  assert.equal(file.publicKey, toHex(getPublicKey(secret)));
  assert.equal(file.address, addressFromPublicKey(getPublicKey(secret)));
  // Through JSON text, as on disk.
  const back = await decryptSecretKey(
    JSON.parse(JSON.stringify(file)),
    "correct horse battery staple",
  );
  assert.deepEqual(back, secret);
});

Deno.test("wrong passphrase gives WRONG_PASSPHRASE naming the address", async () => {
  const file = await encryptSecretKey(generateSecretKey(), "right", FAST);
  await assert.rejects(() => decryptSecretKey(file, "wrong", WEAK_OK), isCode("WRONG_PASSPHRASE"));
  await assert.rejects(
    () => decryptSecretKey(file, "wrong", WEAK_OK),
    new RegExp(`^CryptoError: Wrong passphrase for keystore of ${file.address}`),
  );
});

Deno.test("tampered ciphertext, iv, salt or swapped publicKey fail to decrypt", async () => {
  const secret = generateSecretKey();
  const file = await encryptSecretKey(secret, "pw", FAST);
  const flip = (hex: string) => toHex(fromHex(hex).map((b, i) => (i === 0 ? b ^ 1 : b)));
  const tampered: KeystoreFile[] = [
    { ...file, crypto: { ...file.crypto, ciphertext: flip(file.crypto.ciphertext) } },
    { ...file, crypto: { ...file.crypto, iv: flip(file.crypto.iv) } },
    { ...file, crypto: { ...file.crypto, salt: flip(file.crypto.salt) } },
  ];
  for (const t of tampered) {
    await assert.rejects(() => decryptSecretKey(t, "pw", WEAK_OK), isCode("WRONG_PASSPHRASE"));
  }
  // Another key's publicKey (and its matching address): GCM additional data no longer matches.
  const otherPub = getPublicKey(generateSecretKey());
  const swapped = { ...file, publicKey: toHex(otherPub), address: addressFromPublicKey(otherPub) };
  await assert.rejects(() => decryptSecretKey(swapped, "pw", WEAK_OK), isCode("WRONG_PASSPHRASE"));
  assert.deepEqual(await decryptSecretKey(file, "pw", WEAK_OK), secret);
});

Deno.test("iterations below 600,000 are refused unless allowWeak", async () => {
  const file = await encryptSecretKey(generateSecretKey(), "pw", FAST);
  await assert.rejects(() => decryptSecretKey(file, "pw"), isCode("BAD_KEYSTORE"));
  await assert.rejects(() => decryptSecretKey(file, "pw"), /"crypto.iterations" is 1000/);
});

Deno.test("structural problems give BAD_KEYSTORE naming the field", async () => {
  const file = await encryptSecretKey(generateSecretKey(), "pw", FAST);
  const cases: [unknown, RegExp][] = [
    [null, /"\(root\)" must be a JSON object/],
    [[], /"\(root\)" must be a JSON object/],
    [{ ...file, version: 2 }, /"version" must be 1, got 2/],
    [{ ...file, publicKey: "zz" }, /"publicKey" is not valid hex/],
    [{ ...file, publicKey: "00" }, /"publicKey" must be 32 bytes, got 1/],
    [{ ...file, address: "gtx1qqq" }, /"address" is "gtx1qqq" but publicKey gives gtx1/],
    [{ ...file, crypto: "x" }, /"crypto" must be an object/],
    [{ ...file, crypto: { ...file.crypto, cipher: "aes-128-cbc" } }, /"crypto.cipher"/],
    [{ ...file, crypto: { ...file.crypto, kdf: "scrypt" } }, /"crypto.kdf"/],
    [{ ...file, crypto: { ...file.crypto, iterations: 1.5 } }, /"crypto.iterations"/],
    [{ ...file, crypto: { ...file.crypto, iterations: "600000" } }, /"crypto.iterations"/],
    [{ ...file, crypto: { ...file.crypto, salt: "00".repeat(15) } }, /"crypto.salt" must be at/],
    [{ ...file, crypto: { ...file.crypto, iv: "00".repeat(16) } }, /"crypto.iv" must be 12/],
    [{ ...file, crypto: { ...file.crypto, ciphertext: "00" } }, /"crypto.ciphertext" must be 48/],
    [{ ...file, crypto: { ...file.crypto, salt: undefined } }, /"crypto.salt" must be a hex/],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => parseKeystoreFile(value), isCode("BAD_KEYSTORE"));
    await assert.rejects(() => decryptSecretKey(value, "pw", WEAK_OK), message);
  }
});

Deno.test("encryptSecretKey rejects a bad secret or iteration count", async () => {
  await assert.rejects(() => encryptSecretKey(new Uint8Array(31), "pw"), isCode("BAD_KEY"));
  await assert.rejects(
    () => encryptSecretKey(generateSecretKey(), "pw", { iterations: 0 }),
    isCode("BAD_KEYSTORE"),
  );
});

Deno.test("passphrase is NFKC-normalised: composed and decomposed forms both open the file", async () => {
  const secret = generateSecretKey();
  const file = await encryptSecretKey(secret, "caf\u00e9", FAST);
  assert.deepEqual(await decryptSecretKey(file, "cafe\u0301", WEAK_OK), secret);
});
