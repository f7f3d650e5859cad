/**
 * Ed25519 keys, signing and verification (RFC 8032).
 *
 * Verification rule (consensus-relevant; every node must accept exactly the
 * same signatures):
 *
 * 1. signature is 64 bytes, R is a canonical point encoding (y < p, and not
 *    x = 0 with the sign bit set), S < L;
 * 2. public key is 32 bytes, canonically encoded, and not one of the eight
 *    small-order points;
 * 3. cofactorless equation `[S]B == R + [k]A`, `k = SHA-512(R || A || M) mod L`.
 *
 * Two implementations apply this rule: {@link verifyWebCrypto} (Deno's native
 * Ed25519, a cofactorless ring/BoringSSL-style check, fast) and
 * {@link verifyNoble} (pure JS with @noble/ed25519's point arithmetic). noble's
 * own `verify` is cofactored (`[8][S]B == [8]R + [8][k]A`), which accepts some
 * crafted signatures with torsion components that WebCrypto rejects, so it is
 * deliberately not used here.
 */
import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import { concatBytes } from "@noble/hashes/utils.js";
import { CryptoError } from "./errors.ts";
import { fromHex, toHex } from "./hex.ts";

// Makes noble's synchronous getPublicKey/sign usable.
ed.hashes.sha512 = sha512;

/** Length of a secret key (RFC 8032 seed), public key, and each signature half. */
export const ED25519_KEY_BYTES = 32;
/** Length of a signature: R (32 bytes) || S (32 bytes, little-endian). */
export const ED25519_SIGNATURE_BYTES = 64;

/** Group order L = 2^252 + 27742317777372353535851937790883648493. */
const L = ed.Point.CURVE().n;
/** L as 32 little-endian bytes, for a cheap byte-wise `S < L` check. */
const L_LE = fromHex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");

/**
 * Canonical encodings of the eight points of order dividing 8 (the torsion
 * subgroup): identity, the point of order 2, two of order 4, four of order 8.
 * Non-canonical encodings of these points are already rejected by the
 * canonical-encoding check.
 */
export const SMALL_ORDER_ENCODINGS: readonly Uint8Array[] = [
  "0100000000000000000000000000000000000000000000000000000000000000",
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "0000000000000000000000000000000000000000000000000000000000000000",
  "0000000000000000000000000000000000000000000000000000000000000080",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
].map(fromHex);

/**
 * Generates a fresh random 32-byte secret key (RFC 8032 seed) with
 * `crypto.getRandomValues`.
 */
export function generateSecretKey(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(ED25519_KEY_BYTES));
}

/**
 * Derives the 32-byte public key of a 32-byte secret key.
 *
 * @throws {CryptoError} code `BAD_KEY` if `secret` is not 32 bytes.
 * @example
 * ```ts
 * const pub = getPublicKey(generateSecretKey());
 * ```
 */
export function getPublicKey(secret: Uint8Array): Uint8Array {
  assertSecretKey(secret);
  return ed.getPublicKey(secret);
}

/**
 * Signs `message` (RFC 8032 Ed25519, deterministic). Synchronous.
 *
 * @returns the 64-byte signature R || S.
 * @throws {CryptoError} code `BAD_KEY` if `secret` is not 32 bytes.
 * @example
 * ```ts
 * const sig = sign(new TextEncoder().encode("hello"), secret);
 * ```
 */
export function sign(message: Uint8Array, secret: Uint8Array): Uint8Array {
  assertSecretKey(secret);
  return ed.sign(message, secret);
}

/** PKCS#8 wrapping of a 32-byte Ed25519 seed (RFC 8410), as WebCrypto imports it. */
const PKCS8_ED25519_PREFIX = new Uint8Array([
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x70,
  0x04,
  0x22,
  0x04,
  0x20,
]);

/**
 * A signing function on WebCrypto (native, on Deno's thread pool): the same
 * signatures as {@link sign} (Ed25519 is deterministic), about 10x faster here
 * and off the calling thread, which matters for large messages (a 1 MB
 * proposal envelope: ~100 ms with `sign` under load, ~10 ms this way).
 * The key is imported once, on first use, not extractable.
 * @throws {CryptoError} code `BAD_KEY` if `secret` is not 32 bytes.
 */
export function createWebCryptoSigner(
  secret: Uint8Array,
): (message: Uint8Array) => Promise<Uint8Array> {
  assertSecretKey(secret);
  const pkcs8 = new Uint8Array(PKCS8_ED25519_PREFIX.length + ED25519_KEY_BYTES);
  pkcs8.set(PKCS8_ED25519_PREFIX);
  pkcs8.set(secret, PKCS8_ED25519_PREFIX.length);
  let key: Promise<CryptoKey> | null = null;
  return async (message) => {
    key ??= crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
    return new Uint8Array(await crypto.subtle.sign("Ed25519", await key, bufferSource(message)));
  };
}

function assertSecretKey(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length !== ED25519_KEY_BYTES) {
    const got = secret instanceof Uint8Array ? `${secret.length} bytes` : typeof secret;
    throw new CryptoError("BAD_KEY", `Ed25519 secret key must be 32 bytes, got ${got}`);
  }
}

/**
 * True when `enc` (32 bytes) is the canonical encoding of a field element y
 * with sign bit: y < p = 2^255 - 19, and not "x = 0 with the sign bit set"
 * (only y = 1 and y = p - 1 have x = 0). Does not check that y is on the curve.
 */
function isCanonicalPointEncoding(enc: Uint8Array, offset: number): boolean {
  const last = enc[offset + 31]!;
  // y >= p iff the low 255 bits are in [2^255 - 19, 2^255 - 1]:
  // byte 0 >= 0xed, bytes 1..30 all 0xff, byte 31 (without sign bit) 0x7f.
  if ((last & 0x7f) === 0x7f && enc[offset]! >= 0xed) {
    let allFf = true;
    for (let i = 1; i < 31; i++) {
      if (enc[offset + i] !== 0xff) {
        allFf = false;
        break;
      }
    }
    if (allFf) return false;
  }
  if (last & 0x80) {
    // Sign bit set: reject y = 1 (01 00..00 80) and y = p - 1 (ec ff..ff ff), where x = 0.
    const first = enc[offset];
    if (first === 0x01 || first === 0xec) {
      const fill = first === 0x01 ? 0x00 : 0xff;
      let same = true;
      for (let i = 1; i < 31; i++) {
        if (enc[offset + i] !== fill) {
          same = false;
          break;
        }
      }
      if (same && (last & 0x7f) === (first === 0x01 ? 0x00 : 0x7f)) return false;
    }
  }
  return true;
}

/** True when the 32 little-endian bytes at `offset` encode an integer < L. */
function isScalarBelowL(bytes: Uint8Array, offset: number): boolean {
  for (let i = 31; i >= 0; i--) {
    const a = bytes[offset + i]!;
    const b = L_LE[i]!;
    if (a !== b) return a < b;
  }
  return false; // equal to L
}

/**
 * Structural check of a signature: 64 bytes, R canonically encoded (y < p,
 * not x = 0 with sign bit), S < L. Does not check the signature equation.
 */
export function isCanonicalSignature(sig: Uint8Array): boolean {
  return sig instanceof Uint8Array && sig.length === ED25519_SIGNATURE_BYTES &&
    isCanonicalPointEncoding(sig, 0) && isScalarBelowL(sig, 32);
}

/**
 * True when `pub` may be used as a public key: 32 bytes, canonically encoded,
 * and not one of {@link SMALL_ORDER_ENCODINGS}. Byte comparisons only; whether
 * y is on the curve is left to verification (an off-curve key verifies nothing).
 */
export function isAcceptablePublicKey(pub: Uint8Array): boolean {
  if (!(pub instanceof Uint8Array) || pub.length !== ED25519_KEY_BYTES) return false;
  if (!isCanonicalPointEncoding(pub, 0)) return false;
  for (const small of SMALL_ORDER_ENCODINGS) {
    if (bytesEqual(pub, small)) return false;
  }
  return true;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function bytesToBigIntLE(bytes: Uint8Array): bigint {
  let hex = "";
  for (let i = bytes.length - 1; i >= 0; i--) hex += bytes[i]!.toString(16).padStart(2, "0");
  return hex === "" ? 0n : BigInt("0x" + hex);
}

/**
 * Verifies a signature in pure JS: the prechecks of {@link isCanonicalSignature}
 * and {@link isAcceptablePublicKey}, then the strict cofactorless equation
 * `[S]B == R + [k]A`. Accepts exactly what {@link verifyWebCrypto} accepts.
 * Slow (~1k/s); used as the reference and where WebCrypto is unavailable.
 * Never throws on bad input.
 */
export function verifyNoble(sig: Uint8Array, message: Uint8Array, pub: Uint8Array): boolean {
  if (!isCanonicalSignature(sig) || !isAcceptablePublicKey(pub)) return false;
  if (!(message instanceof Uint8Array)) return false;
  try {
    const rBytes = sig.subarray(0, 32);
    const A = ed.Point.fromBytes(pub, false);
    const R = ed.Point.fromBytes(rBytes, false);
    const s = bytesToBigIntLE(sig.subarray(32, 64));
    const k = bytesToBigIntLE(sha512(concatBytes(rBytes, pub, message))) % L;
    const sB = ed.Point.BASE.multiply(s, false);
    const rkA = R.add(A.multiply(k, false));
    return sB.equals(rkA);
  } catch {
    return false;
  }
}

/** Most public keys kept imported as CryptoKeys; the oldest is dropped beyond this. */
export const WEBCRYPTO_KEY_CACHE_SIZE = 10_000;

const keyCache = new Map<string, Promise<CryptoKey>>();

/** Copies into a plain ArrayBuffer-backed array when needed (WebCrypto rejects shared memory). */
function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer
    ? bytes as Uint8Array<ArrayBuffer>
    : new Uint8Array(bytes);
}

function importPublicKey(pub: Uint8Array): Promise<CryptoKey> {
  const id = toHex(pub);
  const cached = keyCache.get(id);
  if (cached) {
    // Refresh recency so hot keys survive eviction.
    keyCache.delete(id);
    keyCache.set(id, cached);
    return cached;
  }
  const imported = crypto.subtle.importKey(
    "raw",
    new Uint8Array(pub),
    { name: "Ed25519" },
    false,
    ["verify"],
  );
  keyCache.set(id, imported);
  imported.catch(() => keyCache.delete(id));
  if (keyCache.size > WEBCRYPTO_KEY_CACHE_SIZE) {
    const oldest = keyCache.keys().next();
    if (!oldest.done) keyCache.delete(oldest.value);
  }
  return imported;
}

/**
 * Verifies a signature with Deno's native WebCrypto Ed25519 after the same
 * prechecks as {@link verifyNoble}; accepts exactly the same signatures.
 * Imported keys are cached (up to {@link WEBCRYPTO_KEY_CACHE_SIZE}).
 * Never throws or rejects on bad input: resolves `false`.
 *
 * @example
 * ```ts
 * const ok = await verifyWebCrypto(sig, message, publicKey);
 * ```
 */
export async function verifyWebCrypto(
  sig: Uint8Array,
  message: Uint8Array,
  pub: Uint8Array,
): Promise<boolean> {
  if (!isCanonicalSignature(sig) || !isAcceptablePublicKey(pub)) return false;
  if (!(message instanceof Uint8Array)) return false;
  try {
    const key = await importPublicKey(pub);
    return await crypto.subtle.verify("Ed25519", key, bufferSource(sig), bufferSource(message));
  } catch {
    return false;
  }
}

/** One signature to check. */
export interface VerifyItem {
  /** 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  /** The signed bytes. */
  message: Uint8Array;
  /** 64-byte signature R || S. */
  signature: Uint8Array;
}

/**
 * Checks many signatures; implementations (inline, pure JS, worker pool)
 * must give identical answers for the same items.
 */
export interface SignatureVerifier {
  /** Resolves one boolean per item, in order. Never rejects on bad items. */
  verifyBatch(items: VerifyItem[]): Promise<boolean[]>;
  /** Releases resources (e.g. workers). */
  close?(): void;
}

/** Same-thread verifier using WebCrypto, all items of a batch in flight at once. */
export class InlineVerifier implements SignatureVerifier {
  /** Verifies every item with {@link verifyWebCrypto}. */
  verifyBatch(items: VerifyItem[]): Promise<boolean[]> {
    return Promise.all(
      items.map((item) => verifyWebCrypto(item.signature, item.message, item.publicKey)),
    );
  }
}

/** Same-thread pure-JS verifier ({@link verifyNoble}); the reference implementation. */
export class NobleVerifier implements SignatureVerifier {
  /** Verifies every item with {@link verifyNoble}, synchronously. */
  verifyBatch(items: VerifyItem[]): Promise<boolean[]> {
    return Promise.resolve(
      items.map((item) => verifyNoble(item.signature, item.message, item.publicKey)),
    );
  }
}
