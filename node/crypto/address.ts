/**
 * Account addresses.
 *
 * Text form: BIP-173 bech32 (not bech32m) with human-readable prefix `gtx`,
 * separator `1`, and as data the first 20 bytes of SHA-256(public key),
 * e.g. `gtx1` followed by 32 data characters and 6 checksum characters
 * (42 characters in all). Addresses are written in lower case; an all
 * upper-case address is accepted too (as BIP-173 requires), mixed case is not.
 * The checksum catches any single mistyped character.
 */
import { bech32 } from "@scure/base";
import { CryptoError } from "./errors.ts";
import { sha256 } from "./sha256.ts";

/** Human-readable prefix of every GridTokenX address. */
export const ADDRESS_PREFIX = "gtx";
/** Length of the address payload: the first 20 bytes of SHA-256(publicKey). */
export const ADDRESS_BYTES = 20;

/**
 * Derives the address of a 32-byte Ed25519 public key.
 *
 * @throws {CryptoError} code `BAD_KEY` if `pub` is not 32 bytes.
 * @example
 * ```ts
 * addressFromPublicKey(publicKey); // "gtx1..."
 * ```
 */
export function addressFromPublicKey(pub: Uint8Array): string {
  if (!(pub instanceof Uint8Array) || pub.length !== 32) {
    const got = pub instanceof Uint8Array ? `${pub.length} bytes` : typeof pub;
    throw new CryptoError("BAD_KEY", `Public key must be 32 bytes, got ${got}`);
  }
  return addressFromBytes(sha256(pub).subarray(0, ADDRESS_BYTES));
}

/** Encodes a 20-byte address payload as text (the inverse of {@link parseAddress}). */
export function addressFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== ADDRESS_BYTES) {
    throw new CryptoError(
      "BAD_ADDRESS",
      `Address payload must be ${ADDRESS_BYTES} bytes, got ${bytes.length}`,
    );
  }
  return bech32.encode(ADDRESS_PREFIX, bech32.toWords(bytes));
}

/**
 * Parses address text into its 20-byte payload.
 *
 * @throws {CryptoError} code `BAD_ADDRESS` naming the problem: wrong prefix,
 *   mixed case, bad character, wrong length, or checksum mismatch.
 * @example
 * ```ts
 * const bytes = parseAddress("gtx1...");
 * ```
 */
export function parseAddress(text: string): Uint8Array {
  if (typeof text !== "string") {
    throw new CryptoError("BAD_ADDRESS", `Invalid address: expected a string, got ${typeof text}`);
  }
  if (text !== text.toLowerCase() && text !== text.toUpperCase()) {
    throw badAddress(text, "mixed upper and lower case");
  }
  const lower = text.toLowerCase();
  const sep = lower.lastIndexOf("1");
  if (sep < 1) throw badAddress(text, `expected "${ADDRESS_PREFIX}1..."`);
  const prefix = lower.slice(0, sep);
  if (prefix !== ADDRESS_PREFIX) {
    throw badAddress(text, `wrong prefix "${prefix}", expected "${ADDRESS_PREFIX}"`);
  }
  if (lower.length > 90) throw badAddress(text, `too long (${lower.length} characters)`);
  const decoded = bech32.decodeUnsafe(lower, 90);
  if (!decoded) {
    const data = lower.slice(sep + 1);
    const bad = data.match(/[^qpzry9x8gf2tvdw0s3jn54khce6mua7l]/)?.[0];
    if (bad !== undefined) {
      throw badAddress(text, `character ${JSON.stringify(bad)} is not allowed in bech32`);
    }
    if (data.length < 6) throw badAddress(text, "too short");
    throw badAddress(text, "checksum mismatch (mistyped?)");
  }
  const bytes = bech32.fromWordsUnsafe(decoded.words);
  if (!bytes || bytes.length !== ADDRESS_BYTES) {
    throw badAddress(text, `wrong length, expected ${ADDRESS_BYTES} bytes of data`);
  }
  return bytes;
}

function badAddress(text: string, why: string): CryptoError {
  const shown = text.length > 100 ? `${text.slice(0, 100)}…` : text;
  return new CryptoError("BAD_ADDRESS", `Invalid address ${JSON.stringify(shown)}: ${why}`);
}

/** True when {@link parseAddress} would accept `text`. */
export function isValidAddress(text: string): boolean {
  try {
    parseAddress(text);
    return true;
  } catch {
    return false;
  }
}
