/**
 * Canonical encoding: deterministic CBOR (RFC 8949 §4.2.1: shortest integer
 * forms, map keys sorted by their encoded bytes, no indefinite lengths).
 * Everything that is hashed or signed goes through `encodeCanonical`, so two
 * nodes always hash the same bytes for the same value.
 */
import { decode, encode, rfc8949EncodeOptions } from "cborg";
import { ChainError } from "./errors.ts";

/** Encodes a value of plain objects, arrays, strings, safe integers, booleans, null and bytes. */
export function encodeCanonical(value: unknown): Uint8Array {
  return encode(value, rfc8949EncodeOptions);
}

const STRICT_DECODE = {
  strict: true,
  rejectDuplicateMapKeys: true,
  allowUndefined: false,
  allowIndefinite: false,
  allowNaN: false,
  allowInfinity: false,
  allowBigInt: false,
} as const;

/**
 * Decodes CBOR and rejects anything a canonical encoder would not produce
 * (non-minimal integers, duplicate keys, indefinite lengths, undefined, NaN),
 * and any trailing bytes.
 */
export function decodeCanonical(bytes: Uint8Array): unknown {
  let value: unknown;
  try {
    value = decode(bytes, STRICT_DECODE);
  } catch (e) {
    throw new ChainError("BAD_ENCODING", `Malformed CBOR: ${(e as Error).message}`);
  }
  const again = encodeCanonical(value);
  if (!bytesEqual(again, bytes)) {
    throw new ChainError("BAD_ENCODING", "CBOR is not in canonical form");
  }
  return value;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const textEncoder = new TextEncoder();
/** UTF-8 bytes of a domain-separation tag. */
export function domainTag(tag: string): Uint8Array {
  return textEncoder.encode(tag);
}

/** 4-byte big-endian unsigned integer. */
export function u32be(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n >>> 0, false);
  return out;
}
