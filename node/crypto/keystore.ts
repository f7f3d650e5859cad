/**
 * Encrypted keystore for a node's or user's Ed25519 secret key. Pure: WebCrypto
 * only, no file access (see `keystore_file.ts` for that).
 *
 * File format (JSON, version 1):
 *
 * ```json
 * {
 *   "version": 1,
 *   "address": "gtx1...",
 *   "publicKey": "<hex, 32 bytes>",
 *   "crypto": {
 *     "cipher": "aes-256-gcm",
 *     "kdf": "pbkdf2-hmac-sha256",
 *     "iterations": 600000,
 *     "salt": "<hex, 16+ bytes>",
 *     "iv": "<hex, 12 bytes>",
 *     "ciphertext": "<hex, 32-byte secret + 16-byte GCM tag>"
 *   }
 * }
 * ```
 *
 * The AES key is PBKDF2-HMAC-SHA256(passphrase as UTF-8 after NFKC
 * normalisation, salt, iterations, 32 bytes). The public key bytes are GCM
 * additional data, so a file whose `publicKey` was swapped fails to decrypt.
 */
import { addressFromPublicKey } from "./address.ts";
import { getPublicKey } from "./ed25519.ts";
import { CryptoError } from "./errors.ts";
import { fromHex, toHex } from "./hex.ts";

/** PBKDF2 iterations used for new keystores, and the minimum accepted (OWASP 2023). */
export const KEYSTORE_PBKDF2_ITERATIONS = 600_000;
/** Upper bound on iterations accepted from a file, so a hostile file cannot stall the node. */
export const KEYSTORE_MAX_ITERATIONS = 100_000_000;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const SECRET_BYTES = 32;
const GCM_TAG_BYTES = 16;

/** Encryption parameters of a keystore. */
export interface KeystoreCrypto {
  cipher: "aes-256-gcm";
  kdf: "pbkdf2-hmac-sha256";
  iterations: number;
  /** Hex, at least 16 bytes. */
  salt: string;
  /** Hex, 12 bytes. */
  iv: string;
  /** Hex: encrypted 32-byte secret followed by the 16-byte GCM tag. */
  ciphertext: string;
}

/** A keystore file's JSON content. */
export interface KeystoreFile {
  version: 1;
  /** Address of `publicKey`, for people and tools; checked on decryption. */
  address: string;
  /** Hex, 32 bytes. */
  publicKey: string;
  crypto: KeystoreCrypto;
}

/** Options of {@link encryptSecretKey}. */
export interface EncryptOptions {
  /** PBKDF2 iterations; default {@link KEYSTORE_PBKDF2_ITERATIONS}. Lower only in tests. */
  iterations?: number;
}

/** Options of {@link decryptSecretKey}. */
export interface DecryptOptions {
  /** Accept fewer than {@link KEYSTORE_PBKDF2_ITERATIONS} iterations (tests only). */
  allowWeak?: boolean;
}

/**
 * PBKDF2-HMAC-SHA256 (RFC 8018) via WebCrypto.
 *
 * @param dkLen derived key length in bytes
 * @example
 * ```ts
 * const key = await pbkdf2Sha256(utf8("passwd"), utf8("salt"), 1, 64);
 * ```
 */
export async function pbkdf2Sha256(
  password: Uint8Array,
  salt: Uint8Array,
  iterations: number,
  dkLen: number,
): Promise<Uint8Array> {
  const base = await crypto.subtle.importKey("raw", new Uint8Array(password), "PBKDF2", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: new Uint8Array(salt), iterations },
    base,
    dkLen * 8,
  );
  return new Uint8Array(bits);
}

function passphraseBytes(passphrase: string): Uint8Array {
  // NFKC so the same passphrase typed on different systems gives the same bytes.
  return new TextEncoder().encode(passphrase.normalize("NFKC"));
}

async function aesKey(
  passphrase: string,
  salt: Uint8Array,
  iterations: number,
  usage: KeyUsage,
): Promise<CryptoKey> {
  const raw = await pbkdf2Sha256(passphraseBytes(passphrase), salt, iterations, 32);
  return crypto.subtle.importKey("raw", new Uint8Array(raw), "AES-GCM", false, [usage]);
}

/**
 * Encrypts a 32-byte secret key under a passphrase.
 *
 * @throws {CryptoError} `BAD_KEY` if `secret` is not 32 bytes; `BAD_KEYSTORE`
 *   if `iterations` is not a positive integer.
 * @example
 * ```ts
 * const file = await encryptSecretKey(secret, "correct horse battery staple");
 * ```
 */
export async function encryptSecretKey(
  secret: Uint8Array,
  passphrase: string,
  opts: EncryptOptions = {},
): Promise<KeystoreFile> {
  const iterations = opts.iterations ?? KEYSTORE_PBKDF2_ITERATIONS;
  if (!Number.isSafeInteger(iterations) || iterations < 1 || iterations > KEYSTORE_MAX_ITERATIONS) {
    throw new CryptoError(
      "BAD_KEYSTORE",
      `"iterations" must be a positive integer, got ${iterations}`,
    );
  }
  const publicKey = getPublicKey(secret);
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const key = await aesKey(passphrase, salt, iterations, "encrypt");
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new Uint8Array(publicKey) },
    key,
    new Uint8Array(secret),
  );
  return {
    version: 1,
    address: addressFromPublicKey(publicKey),
    publicKey: toHex(publicKey),
    crypto: {
      cipher: "aes-256-gcm",
      kdf: "pbkdf2-hmac-sha256",
      iterations,
      salt: toHex(salt),
      iv: toHex(iv),
      ciphertext: toHex(new Uint8Array(ciphertext)),
    },
  };
}

function badKeystore(field: string, why: string): CryptoError {
  return new CryptoError("BAD_KEYSTORE", `Invalid keystore: "${field}" ${why}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hexField(obj: Record<string, unknown>, field: string, path: string): Uint8Array {
  const value = obj[field];
  if (typeof value !== "string") {
    throw badKeystore(path, `must be a hex string, got ${typeof value}`);
  }
  try {
    return fromHex(value);
  } catch (e) {
    throw badKeystore(path, `is not valid hex: ${(e as Error).message}`);
  }
}

/** Decoded, structurally valid keystore contents. */
interface ParsedKeystore {
  file: KeystoreFile;
  publicKey: Uint8Array;
  salt: Uint8Array;
  iv: Uint8Array;
  ciphertext: Uint8Array;
}

function parseKeystore(value: unknown): ParsedKeystore {
  if (!isRecord(value)) throw badKeystore("(root)", "must be a JSON object");
  if (value.version !== 1) {
    throw badKeystore("version", `must be 1, got ${JSON.stringify(value.version)}`);
  }
  if (typeof value.address !== "string") throw badKeystore("address", "must be a string");
  const publicKey = hexField(value, "publicKey", "publicKey");
  if (publicKey.length !== 32) {
    throw badKeystore("publicKey", `must be 32 bytes, got ${publicKey.length}`);
  }
  const expectedAddress = addressFromPublicKey(publicKey);
  if (value.address !== expectedAddress) {
    throw badKeystore(
      "address",
      `is ${JSON.stringify(value.address)} but publicKey gives ${expectedAddress}`,
    );
  }
  const c = value.crypto;
  if (!isRecord(c)) throw badKeystore("crypto", "must be an object");
  if (c.cipher !== "aes-256-gcm") {
    throw badKeystore("crypto.cipher", `must be "aes-256-gcm", got ${JSON.stringify(c.cipher)}`);
  }
  if (c.kdf !== "pbkdf2-hmac-sha256") {
    throw badKeystore("crypto.kdf", `must be "pbkdf2-hmac-sha256", got ${JSON.stringify(c.kdf)}`);
  }
  const iterations = c.iterations;
  if (
    typeof iterations !== "number" || !Number.isSafeInteger(iterations) || iterations < 1 ||
    iterations > KEYSTORE_MAX_ITERATIONS
  ) {
    throw badKeystore(
      "crypto.iterations",
      `must be an integer in 1..${KEYSTORE_MAX_ITERATIONS}, got ${JSON.stringify(iterations)}`,
    );
  }
  const salt = hexField(c, "salt", "crypto.salt");
  if (salt.length < SALT_BYTES) {
    throw badKeystore("crypto.salt", `must be at least ${SALT_BYTES} bytes, got ${salt.length}`);
  }
  const iv = hexField(c, "iv", "crypto.iv");
  if (iv.length !== IV_BYTES) {
    throw badKeystore("crypto.iv", `must be ${IV_BYTES} bytes, got ${iv.length}`);
  }
  const ciphertext = hexField(c, "ciphertext", "crypto.ciphertext");
  if (ciphertext.length !== SECRET_BYTES + GCM_TAG_BYTES) {
    throw badKeystore(
      "crypto.ciphertext",
      `must be ${SECRET_BYTES + GCM_TAG_BYTES} bytes, got ${ciphertext.length}`,
    );
  }
  const file: KeystoreFile = {
    version: 1,
    address: value.address,
    publicKey: toHex(publicKey),
    crypto: {
      cipher: "aes-256-gcm",
      kdf: "pbkdf2-hmac-sha256",
      iterations,
      salt: toHex(salt),
      iv: toHex(iv),
      ciphertext: toHex(ciphertext),
    },
  };
  return { file, publicKey, salt, iv, ciphertext };
}

/**
 * Checks the structure of parsed JSON and returns it as a {@link KeystoreFile}
 * (hex normalised to lower case). Does not decrypt.
 *
 * @throws {CryptoError} `BAD_KEYSTORE` naming the bad field.
 */
export function parseKeystoreFile(value: unknown): KeystoreFile {
  return parseKeystore(value).file;
}

/**
 * Decrypts the secret key of a keystore.
 *
 * @param file parsed JSON of a keystore file (validated here)
 * @throws {CryptoError} `BAD_KEYSTORE` naming the bad field (also when
 *   iterations < {@link KEYSTORE_PBKDF2_ITERATIONS} without `allowWeak`, or the
 *   secret does not match `publicKey`); `WRONG_PASSPHRASE` when decryption
 *   fails (wrong passphrase, or an altered ciphertext, salt, iv or publicKey).
 * @example
 * ```ts
 * const secret = await decryptSecretKey(JSON.parse(text), passphrase);
 * ```
 */
export async function decryptSecretKey(
  file: unknown,
  passphrase: string,
  opts: DecryptOptions = {},
): Promise<Uint8Array> {
  const ks = parseKeystore(file);
  const iterations = ks.file.crypto.iterations;
  if (iterations < KEYSTORE_PBKDF2_ITERATIONS && !opts.allowWeak) {
    throw badKeystore(
      "crypto.iterations",
      `is ${iterations}, below the minimum ${KEYSTORE_PBKDF2_ITERATIONS}; re-encrypt the key`,
    );
  }
  if (typeof passphrase !== "string") {
    throw new CryptoError("WRONG_PASSPHRASE", "Passphrase must be a string");
  }
  const key = await aesKey(passphrase, ks.salt, iterations, "decrypt");
  let secret: Uint8Array;
  try {
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: new Uint8Array(ks.iv), additionalData: new Uint8Array(ks.publicKey) },
      key,
      new Uint8Array(ks.ciphertext),
    );
    secret = new Uint8Array(plain);
  } catch {
    throw new CryptoError(
      "WRONG_PASSPHRASE",
      `Wrong passphrase for keystore of ${ks.file.address} (or the file was altered)`,
    );
  }
  const derived = getPublicKey(secret);
  if (toHex(derived) !== ks.file.publicKey) {
    throw badKeystore("publicKey", `does not match the decrypted secret key`);
  }
  return secret;
}
