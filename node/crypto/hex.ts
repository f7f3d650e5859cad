/**
 * Lower-case hexadecimal text for byte arrays, as used in keystore files, JSON
 * and logs. No `0x` prefix.
 */
import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { CryptoError } from "./errors.ts";

const HEX_RE = /^[0-9a-fA-F]*$/;

/**
 * Encodes bytes as lower-case hex.
 *
 * @example
 * ```ts
 * toHex(new Uint8Array([0xde, 0xad])); // "dead"
 * ```
 */
export function toHex(bytes: Uint8Array): string {
  return bytesToHex(bytes);
}

/**
 * Decodes hex text (either case, no `0x` prefix) into bytes.
 *
 * @throws {CryptoError} code `BAD_HEX` on odd length or a non-hex character.
 * @example
 * ```ts
 * fromHex("dead"); // Uint8Array [0xde, 0xad]
 * ```
 */
export function fromHex(hex: string): Uint8Array {
  if (typeof hex !== "string") {
    throw new CryptoError("BAD_HEX", `Invalid hex: expected a string, got ${typeof hex}`);
  }
  if (hex.length % 2 !== 0) {
    throw new CryptoError("BAD_HEX", `Invalid hex ${preview(hex)}: odd length ${hex.length}`);
  }
  if (!HEX_RE.test(hex)) {
    const bad = hex.match(/[^0-9a-fA-F]/)?.[0] ?? "?";
    throw new CryptoError(
      "BAD_HEX",
      `Invalid hex ${preview(hex)}: character ${JSON.stringify(bad)} is not a hex digit`,
    );
  }
  return hexToBytes(hex);
}

function preview(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
