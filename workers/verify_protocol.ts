/**
 * Message protocol of the signature-verification worker, and the handler that
 * both the worker and the same-thread path run, so both accept exactly the
 * same signatures (the rule of node/crypto/ed25519.ts `verifyWebCrypto`).
 *
 * Items travel as one packed buffer per job (public key, signature, message
 * offsets), so a job of hundreds of signatures is one structured clone of a
 * few `Uint8Array`s, not hundreds of small objects.
 */
import { ChainError } from "../node/chain/errors.ts";
import { parseTransaction, type Tx } from "../node/chain/transaction.ts";
import { type VerifyItem, verifyWebCrypto } from "../node/crypto/ed25519.ts";

/** A job for a verify worker: `count` signatures packed into `keysAndSigs` and `messages`. */
export interface VerifyRequest {
  type: "verify";
  /** Pairs the result with its request. */
  id: number;
  count: number;
  /** `count` records of 96 bytes: 32-byte public key then 64-byte signature. */
  keysAndSigs: Uint8Array;
  /** All messages back to back. */
  messages: Uint8Array;
  /** `count + 1` offsets into `messages`; message i is `[offsets[i], offsets[i+1])`. */
  messageOffsets: Uint32Array;
}

/** The answer to a {@link VerifyRequest}: one byte per item, 1 valid, 0 invalid. */
export type VerifyResult =
  | { type: "verified"; id: number; valid: Uint8Array }
  | { type: "error"; id: number; message: string };

/** Bytes of one packed key-and-signature record. */
export const KEY_SIG_RECORD_BYTES = 96;

/**
 * Packs items into a request. Malformed items (wrong lengths) are packed with
 * zeroed bytes and marked in `malformed`, so they come back invalid without
 * disturbing the others.
 */
export function packVerifyRequest(
  id: number,
  items: readonly VerifyItem[],
): { request: VerifyRequest; malformed: boolean[] } {
  const count = items.length;
  const keysAndSigs = new Uint8Array(count * KEY_SIG_RECORD_BYTES);
  const messageOffsets = new Uint32Array(count + 1);
  const malformed: boolean[] = new Array(count).fill(false);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const m = items[i]!.message;
    total += m instanceof Uint8Array ? m.length : 0;
  }
  const messages = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const { publicKey, signature, message } = items[i]!;
    const ok = publicKey instanceof Uint8Array && publicKey.length === 32 &&
      signature instanceof Uint8Array && signature.length === 64 &&
      message instanceof Uint8Array;
    messageOffsets[i] = at;
    if (!ok) {
      malformed[i] = true;
      continue;
    }
    keysAndSigs.set(publicKey, i * KEY_SIG_RECORD_BYTES);
    keysAndSigs.set(signature, i * KEY_SIG_RECORD_BYTES + 32);
    messages.set(message, at);
    at += message.length;
  }
  messageOffsets[count] = at;
  return {
    request: { type: "verify", id, count, keysAndSigs, messages, messageOffsets },
    malformed,
  };
}

/**
 * Verifies every packed item of a request with `verifyWebCrypto`, all in
 * flight at once. Never rejects: a failure becomes an `error` result.
 */
export async function handleVerifyRequest(req: VerifyRequest): Promise<VerifyResult> {
  try {
    const checks: Promise<boolean>[] = new Array(req.count);
    for (let i = 0; i < req.count; i++) {
      const base = i * KEY_SIG_RECORD_BYTES;
      checks[i] = verifyWebCrypto(
        req.keysAndSigs.subarray(base + 32, base + 96),
        req.messages.subarray(req.messageOffsets[i]!, req.messageOffsets[i + 1]!),
        req.keysAndSigs.subarray(base, base + 32),
      );
    }
    const verdicts = await Promise.all(checks);
    const valid = new Uint8Array(req.count);
    for (let i = 0; i < req.count; i++) valid[i] = verdicts[i] ? 1 : 0;
    return { type: "verified", id: req.id, valid };
  } catch (e) {
    return { type: "error", id: req.id, message: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * A job of raw transactions (wire JSON, e.g. the items of a batch request):
 * the worker runs `parseTransaction` on each, then verifies the signatures of
 * those that parsed, so the main thread receives ready transactions.
 */
export interface ParseVerifyRequest {
  type: "parse_verify";
  id: number;
  items: unknown[];
}

/** One item of a {@link ParseVerifyResult}: a parsed transaction and its verdict, or why it did not parse. */
export type ParsedItem =
  | { ok: true; tx: Tx; signatureValid: boolean }
  | { ok: false; code: string; message: string; field?: string };

/** The answer to a {@link ParseVerifyRequest}, one item per request item, in order. */
export type ParseVerifyResult =
  | { type: "parsed"; id: number; items: ParsedItem[] }
  | { type: "error"; id: number; message: string };

/**
 * Parses and verifies the items of a request. The byte fields of the parsed
 * transactions are views of one buffer (`buffer` in the result), so the answer
 * is one transferable buffer plus plain objects.
 */
export async function handleParseVerifyRequest(
  req: ParseVerifyRequest,
): Promise<{ result: ParseVerifyResult; transfer: ArrayBuffer[] }> {
  try {
    const items: ParsedItem[] = new Array(req.items.length);
    const parsed: { at: number; tx: Tx }[] = [];
    req.items.forEach((raw, at) => {
      try {
        parsed.push({ at, tx: parseTransaction(raw) });
      } catch (e) {
        if (!(e instanceof ChainError)) throw e;
        items[at] = {
          ok: false,
          code: e.code,
          message: e.message,
          ...(e.field === undefined ? {} : { field: e.field }),
        };
      }
    });
    const { request } = packVerifyRequest(
      req.id,
      parsed.map(({ tx }) => ({
        publicKey: tx.publicKey,
        message: tx.signedBytes,
        signature: tx.signature,
      })),
    );
    const verdict = await handleVerifyRequest(request);
    if (verdict.type === "error") return { result: verdict, transfer: [] };
    // Re-home the byte fields into one buffer: one transfer instead of 3 copies per item.
    let total = 0;
    for (const { tx } of parsed) total += 96 + tx.signedBytes.length;
    const bytes = new Uint8Array(total);
    let offset = 0;
    const view = (src: Uint8Array) => {
      bytes.set(src, offset);
      const v = bytes.subarray(offset, offset + src.length);
      offset += src.length;
      return v;
    };
    parsed.forEach(({ at, tx }, k) => {
      items[at] = {
        ok: true,
        tx: {
          ...tx,
          publicKey: view(tx.publicKey),
          signature: view(tx.signature),
          signedBytes: view(tx.signedBytes),
        },
        signatureValid: verdict.valid[k] === 1 && tx.signature.length === 64,
      };
    });
    return { result: { type: "parsed", id: req.id, items }, transfer: [bytes.buffer] };
  } catch (e) {
    return {
      result: { type: "error", id: req.id, message: e instanceof Error ? e.message : String(e) },
      transfer: [],
    };
  }
}
