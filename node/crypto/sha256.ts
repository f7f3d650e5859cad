/** SHA-256 (FIPS 180-4), synchronous, from @noble/hashes. */
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { concatBytes as nobleConcat } from "@noble/hashes/utils.js";
import { toHex } from "./hex.ts";

/**
 * SHA-256 digest of `data` (32 bytes).
 *
 * @example
 * ```ts
 * sha256(new TextEncoder().encode("abc")); // ba7816bf...
 * ```
 */
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/** SHA-256 digest of `data` as lower-case hex (64 characters). */
export function sha256Hex(data: Uint8Array): string {
  return toHex(nobleSha256(data));
}

/**
 * Concatenates byte arrays into a new array.
 *
 * @example
 * ```ts
 * concatBytes(new Uint8Array([1]), new Uint8Array([2, 3])); // [1, 2, 3]
 * ```
 */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return nobleConcat(...parts);
}
