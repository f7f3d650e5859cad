/**
 * Canonical encoding: deterministic CBOR (RFC 8949 §4.2.1: shortest integer
 * forms, map keys sorted by their encoded bytes, no indefinite lengths).
 * Everything that is hashed or signed goes through `encodeCanonical`, so two
 * nodes always hash the same bytes for the same value.
 *
 * `encodeCanonical` writes the common shapes of chain values (plain objects,
 * arrays, strings, safe integers, booleans, null, Uint8Array) directly into
 * one buffer (~10x faster than cborg here), and hands anything else
 * (floats, bigints, undefined, Map, class instances, cycles) to cborg's
 * `encode(value, rfc8949EncodeOptions)`, the reference. Both give identical
 * bytes: `encoding_diff_test.ts` checks it over random values.
 */
import { decode, encode, rfc8949EncodeOptions } from "cborg";
import { ChainError } from "./errors.ts";

/** Encodes a value of plain objects, arrays, strings, safe integers, booleans, null and bytes. */
export function encodeCanonical(value: unknown): Uint8Array {
  const fast = tryEncodeCanonicalFast(value);
  return fast ?? encodeCanonicalReference(value);
}

/** The reference canonical encoder (cborg); `encodeCanonical` must always equal it. */
export function encodeCanonicalReference(value: unknown): Uint8Array {
  return encode(value, rfc8949EncodeOptions);
}

/** Thrown inside the fast path for a value it does not handle; never escapes this module. */
const UNSUPPORTED = Symbol("unsupported");
/** Deeper values go to cborg (which also detects cycles). */
const MAX_DEPTH = 64;

/** Growable output buffer, reused across calls (encoding is synchronous, never re-entered). */
const INITIAL_BUFFER_BYTES = 64 * 1024;
const MAX_KEPT_BUFFER_BYTES = 8 * 1024 * 1024;
let buf = new Uint8Array(INITIAL_BUFFER_BYTES);
let view = new DataView(buf.buffer);
let pos = 0;
let busy = false;

function ensure(extra: number): void {
  if (pos + extra <= buf.length) return;
  let size = buf.length * 2;
  while (size < pos + extra) size *= 2;
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, pos));
  buf = next;
  view = new DataView(buf.buffer);
}

/** Writes a CBOR head: major type (already shifted) and the shortest argument form. */
function writeHead(major: number, n: number): void {
  ensure(9);
  if (n < 24) {
    buf[pos++] = major | n;
  } else if (n < 0x100) {
    buf[pos++] = major | 24;
    buf[pos++] = n;
  } else if (n < 0x10000) {
    buf[pos++] = major | 25;
    view.setUint16(pos, n);
    pos += 2;
  } else if (n < 0x100000000) {
    buf[pos++] = major | 26;
    view.setUint32(pos, n);
    pos += 4;
  } else {
    buf[pos++] = major | 27;
    view.setUint32(pos, Math.floor(n / 0x100000000));
    view.setUint32(pos + 4, n >>> 0);
    pos += 8;
  }
}

const textEncoder = new TextEncoder();

/** Text string: ASCII written in place; otherwise UTF-8 as cborg does (lone surrogates -> U+FFFD). */
function writeString(s: string): void {
  const n = s.length;
  const start = pos;
  writeHead(0x60, n);
  ensure(n);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      pos = start;
      writeBytes(0x60, textEncoder.encode(s));
      return;
    }
    buf[pos++] = c;
  }
}

function writeBytes(major: number, bytes: Uint8Array): void {
  writeHead(major, bytes.length);
  ensure(bytes.length);
  buf.set(bytes, pos);
  pos += bytes.length;
}

/** Map keys of one object shape, in canonical order, with their encoded bytes. */
interface Shape {
  keys: readonly string[];
  /** Indexes into `keys`, sorted by encoded key bytes. */
  order: readonly number[];
  encodedKeys: readonly Uint8Array[];
}
const shapes = new Map<string, Shape>();
const MAX_SHAPES = 4096;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function encodeKey(key: string): Uint8Array {
  const bytes = textEncoder.encode(key);
  const head = encodeCanonicalReference(bytes.length).slice();
  head[0] = (head[0]! & 0x1f) | 0x60;
  const out = new Uint8Array(head.length + bytes.length);
  out.set(head);
  out.set(bytes, head.length);
  return out;
}

function shapeOf(keys: string[]): Shape {
  const id = keys.join("\u0000");
  const cached = shapes.get(id);
  if (cached !== undefined && sameKeys(cached.keys, keys)) return cached;
  const encodedKeys = keys.map(encodeKey);
  const order = keys.map((_, i) => i).sort((a, b) =>
    compareBytes(encodedKeys[a]!, encodedKeys[b]!)
  );
  const shape: Shape = { keys, order, encodedKeys };
  if (shapes.size >= MAX_SHAPES) shapes.clear();
  shapes.set(id, shape);
  return shape;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function writeValue(v: unknown, depth: number): void {
  switch (typeof v) {
    case "string":
      writeString(v);
      return;
    case "number":
      // cborg: safe integers as (neg)int, -0 as 0; anything else is a float.
      if (!Number.isSafeInteger(v)) throw UNSUPPORTED;
      if (v >= 0) writeHead(0x00, v);
      else writeHead(0x20, -v - 1);
      return;
    case "boolean":
      ensure(1);
      buf[pos++] = v ? 0xf5 : 0xf4;
      return;
    case "object":
      break;
    default:
      throw UNSUPPORTED;
  }
  if (v === null) {
    ensure(1);
    buf[pos++] = 0xf6;
    return;
  }
  if (depth >= MAX_DEPTH) throw UNSUPPORTED;
  if (Array.isArray(v)) {
    const n = v.length;
    writeHead(0x80, n);
    for (let i = 0; i < n; i++) {
      const e = v[i];
      if (e === undefined) throw UNSUPPORTED;
      writeValue(e, depth + 1);
    }
    return;
  }
  if (v instanceof Uint8Array) {
    writeBytes(0x40, v);
    return;
  }
  // Plain objects as cborg's `is()` sees them: {} literals and Object.create(null).
  const proto = Object.getPrototypeOf(v);
  if (
    proto === null
      ? Symbol.toStringTag in v
      : proto !== Object.prototype || v.constructor !== Object
  ) {
    throw UNSUPPORTED;
  }
  const keys = Object.keys(v);
  const n = keys.length;
  writeHead(0xa0, n);
  if (n === 0) return;
  const shape = shapeOf(keys);
  const record = v as Record<string, unknown>;
  for (let j = 0; j < n; j++) {
    const i = shape.order[j]!;
    const k = shape.encodedKeys[i]!;
    ensure(k.length);
    buf.set(k, pos);
    pos += k.length;
    const e = record[keys[i]!];
    if (e === undefined) throw UNSUPPORTED;
    writeValue(e, depth + 1);
  }
}

/** The fast path's bytes, or null when the value has a shape only cborg handles. */
export function tryEncodeCanonicalFast(value: unknown): Uint8Array | null {
  // A getter that encodes would overwrite the shared buffer: re-entry takes the reference path.
  if (busy) return null;
  busy = true;
  pos = 0;
  try {
    writeValue(value, 0);
  } catch {
    // UNSUPPORTED, or a getter threw: the reference encodes it (or reports the error).
    return null;
  } finally {
    busy = false;
  }
  const out = buf.slice(0, pos);
  // Do not keep a huge buffer alive after a one-off large value (e.g. a genesis state).
  if (buf.length > MAX_KEPT_BUFFER_BYTES) {
    buf = new Uint8Array(INITIAL_BUFFER_BYTES);
    view = new DataView(buf.buffer);
  }
  return out;
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
