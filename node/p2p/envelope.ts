/**
 * Signed gossip envelope: encoding, signing bytes and validation.
 *
 * Wire form (CBOR array, canonical cborg encoding, exactly 6 items):
 *   [version = 1, topic: text, senderPublicKey: bytes(32), sentAtMs: uint, payload: bytes, signature: bytes(64)]
 *
 * Signed bytes (see {@link computeSigningBytes}):
 *   "gridtokenx/p2p/v1" || u32be(networkId) || u16be(len(topic)) || topic(UTF-8) || u64be(sentAtMs) || payload
 *
 * The module does no I/O; signing and verification functions are injected.
 * @module
 */

import { decode, encode } from "cborg";
import {
  ENVELOPE_DOMAIN,
  ENVELOPE_VERSION,
  MAX_FUTURE_SKEW_MS,
  MAX_MESSAGE_AGE_MS,
} from "./topics.ts";
import { P2PError } from "./errors.ts";

/** A decoded gossip envelope. */
export interface Envelope {
  /** Always 1 for this format. */
  version: number;
  /** Full gossipsub topic string, e.g. `/gridtokenx/7/tx/1`. */
  topic: string;
  /** Ed25519 public key of the application-level sender (32 bytes). */
  senderPublicKey: Uint8Array;
  /** Sender's wall clock at signing, milliseconds since the Unix epoch. */
  sentAtMs: number;
  /** Opaque application payload. */
  payload: Uint8Array;
  /** Ed25519 signature (64 bytes) over {@link computeSigningBytes}. */
  signature: Uint8Array;
}

/** Signs bytes with the node's application key (Ed25519). */
export interface EnvelopeSigner {
  /** 32-byte Ed25519 public key. */
  publicKey: Uint8Array;
  /** Returns a 64-byte Ed25519 signature over `bytes`. */
  sign(bytes: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

/** Verifies an Ed25519 signature. */
export type VerifyFn = (
  publicKey: Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
) => Promise<boolean>;

const textEncoder = new TextEncoder();
const DOMAIN_BYTES = textEncoder.encode(ENVELOPE_DOMAIN);
const MAX_TOPIC_BYTES = 0xffff;

/**
 * Bytes covered by the envelope signature.
 * @example
 * const bytes = computeSigningBytes(7, "/gridtokenx/7/tx/1", 1700000000000, payload);
 */
export function computeSigningBytes(
  networkId: number,
  topic: string,
  sentAtMs: number,
  payload: Uint8Array,
): Uint8Array {
  if (!Number.isInteger(networkId) || networkId < 0 || networkId > 0xffffffff) {
    throw new P2PError("INVALID_OPTION", `networkId must be a u32, got ${networkId}`);
  }
  if (!Number.isSafeInteger(sentAtMs) || sentAtMs < 0) {
    throw new P2PError(
      "MALFORMED_ENVELOPE",
      `sentAtMs must be a non-negative integer, got ${sentAtMs}`,
    );
  }
  const topicBytes = textEncoder.encode(topic);
  if (topicBytes.length > MAX_TOPIC_BYTES) {
    throw new P2PError(
      "MALFORMED_ENVELOPE",
      `topic is ${topicBytes.length} bytes, max ${MAX_TOPIC_BYTES}`,
    );
  }
  const out = new Uint8Array(DOMAIN_BYTES.length + 4 + 2 + topicBytes.length + 8 + payload.length);
  const view = new DataView(out.buffer);
  let offset = 0;
  out.set(DOMAIN_BYTES, offset);
  offset += DOMAIN_BYTES.length;
  view.setUint32(offset, networkId, false);
  offset += 4;
  view.setUint16(offset, topicBytes.length, false);
  offset += 2;
  out.set(topicBytes, offset);
  offset += topicBytes.length;
  view.setBigUint64(offset, BigInt(sentAtMs), false);
  offset += 8;
  out.set(payload, offset);
  return out;
}

/** Encodes an envelope to its canonical CBOR bytes. */
export function encodeEnvelope(envelope: Envelope): Uint8Array {
  return encode([
    envelope.version,
    envelope.topic,
    envelope.senderPublicKey,
    envelope.sentAtMs,
    envelope.payload,
    envelope.signature,
  ]);
}

/**
 * Decodes envelope bytes, checking shape, field types and sizes and that the
 * encoding is canonical (re-encoding gives the same bytes, so one message has one id).
 * Does not check the signature. Throws `P2PError("MALFORMED_ENVELOPE")`.
 */
export function decodeEnvelope(bytes: Uint8Array): Envelope {
  let value: unknown;
  try {
    value = decode(bytes, { strict: true, rejectDuplicateMapKeys: true });
  } catch (err) {
    throw malformed(`not CBOR: ${(err as Error).message}`);
  }
  if (!Array.isArray(value) || value.length !== 6) throw malformed("expected a 6-item array");
  const [version, topic, senderPublicKey, sentAtMs, payload, signature] = value as unknown[];
  if (version !== ENVELOPE_VERSION) throw malformed(`unsupported version ${String(version)}`);
  if (typeof topic !== "string") throw malformed("topic must be text");
  if (!(senderPublicKey instanceof Uint8Array) || senderPublicKey.length !== 32) {
    throw malformed("senderPublicKey must be 32 bytes");
  }
  if (typeof sentAtMs !== "number" || !Number.isSafeInteger(sentAtMs) || sentAtMs < 0) {
    throw malformed("sentAtMs must be a non-negative safe integer");
  }
  if (!(payload instanceof Uint8Array)) throw malformed("payload must be bytes");
  if (!(signature instanceof Uint8Array) || signature.length !== 64) {
    throw malformed("signature must be 64 bytes");
  }
  const envelope: Envelope = {
    version,
    topic,
    senderPublicKey,
    sentAtMs,
    payload,
    signature,
  };
  if (!bytesEqual(encodeEnvelope(envelope), bytes)) throw malformed("non-canonical encoding");
  return envelope;
}

/** Builds, signs and encodes an envelope for `payload` on `topic`. */
export async function createEnvelope(args: {
  networkId: number;
  topic: string;
  payload: Uint8Array;
  sentAtMs: number;
  signer: EnvelopeSigner;
}): Promise<Uint8Array> {
  const signingBytes = computeSigningBytes(args.networkId, args.topic, args.sentAtMs, args.payload);
  const signature = await args.signer.sign(signingBytes);
  return encodeEnvelope({
    version: ENVELOPE_VERSION,
    topic: args.topic,
    senderPublicKey: args.signer.publicKey,
    sentAtMs: args.sentAtMs,
    payload: args.payload,
    signature,
  });
}

/** Outcome of {@link checkEnvelope}. `offence` names what the sending peer did wrong. */
export type EnvelopeCheck =
  | { kind: "valid"; envelope: Envelope }
  | { kind: "offence"; offence: "oversized" | "malformed" | "invalid_signature"; reason: string }
  | { kind: "stale"; reason: string; sentAtMs: number };

/**
 * Runs the envelope checks in order: size → decode → topic match → freshness → signature.
 * Stale messages (outside the time window) are not an offence: honest peers can lag.
 */
export async function checkEnvelope(
  bytes: Uint8Array,
  ctx: {
    networkId: number;
    topic: string;
    maxMessageBytes: number;
    nowMs: number;
    verify: VerifyFn;
  },
): Promise<EnvelopeCheck> {
  if (bytes.length > ctx.maxMessageBytes) {
    return {
      kind: "offence",
      offence: "oversized",
      reason: `${bytes.length} bytes > ${ctx.maxMessageBytes}`,
    };
  }
  let envelope: Envelope;
  try {
    envelope = decodeEnvelope(bytes);
  } catch (err) {
    return { kind: "offence", offence: "malformed", reason: (err as Error).message };
  }
  if (envelope.topic !== ctx.topic) {
    return {
      kind: "offence",
      offence: "malformed",
      reason: `envelope topic ${envelope.topic} on ${ctx.topic}`,
    };
  }
  if (envelope.sentAtMs > ctx.nowMs + MAX_FUTURE_SKEW_MS) {
    return {
      kind: "stale",
      reason: `sentAtMs ${envelope.sentAtMs} is in the future`,
      sentAtMs: envelope.sentAtMs,
    };
  }
  if (envelope.sentAtMs < ctx.nowMs - MAX_MESSAGE_AGE_MS) {
    return {
      kind: "stale",
      reason: `sentAtMs ${envelope.sentAtMs} is too old`,
      sentAtMs: envelope.sentAtMs,
    };
  }
  const signingBytes = computeSigningBytes(
    ctx.networkId,
    envelope.topic,
    envelope.sentAtMs,
    envelope.payload,
  );
  let ok = false;
  try {
    ok = await ctx.verify(envelope.senderPublicKey, signingBytes, envelope.signature);
  } catch {
    ok = false;
  }
  if (!ok) {
    return { kind: "offence", offence: "invalid_signature", reason: "signature check failed" };
  }
  return { kind: "valid", envelope };
}

function malformed(reason: string): P2PError {
  return new P2PError("MALFORMED_ENVELOPE", `Cannot decode envelope: ${reason}`);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
