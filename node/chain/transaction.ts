/**
 * Transactions: the signed envelope every kind shares, its canonical bytes,
 * its id, and the structural checks done before any state is read.
 *
 * Wire (JSON) form: `{"body": {...}, "signature": "<128 hex>"}`.
 * Signed bytes: `"GRIDTOKENX_TX_V1" || CBOR_canonical(body)`; the body carries
 * `networkId`, so a transaction signed for one network is invalid on another,
 * and `nonce`, so it cannot be replayed on the same network.
 * Id: hex SHA-256 of the signed bytes.
 */
import { z } from "zod";
import { addressFromPublicKey, isValidAddress } from "../crypto/address.ts";
import { fromHex, toHex } from "../crypto/hex.ts";
import { concatBytes, sha256 } from "../crypto/sha256.ts";
import { domainTag, encodeCanonical } from "./encoding.ts";
import { ChainError } from "./errors.ts";
import { payloadSchemas, TX_KINDS, type TxKind } from "./tx_payloads.ts";

export { TX_KINDS, type TxKind };
export type * from "./tx_payloads.ts";

const TX_DOMAIN = domainTag("GRIDTOKENX_TX_V1");

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));
const safeUint = z.int().min(0);

const bodyBase = {
  networkId: z.int().min(1).max(0xffffffff),
  from: hex(32),
  nonce: safeUint,
  feeSatang: safeUint,
  expiresAtMs: safeUint,
};

const bodySchema = z.discriminatedUnion(
  "kind",
  TX_KINDS.map((kind) =>
    z.strictObject({ kind: z.literal(kind), ...bodyBase, payload: payloadSchemas[kind] })
  ) as unknown as [z.ZodObject, ...z.ZodObject[]],
);

/** Fields common to every transaction body. */
export interface TxBodyBase {
  networkId: number;
  /** Sender's Ed25519 public key, 64 lowercase hex. */
  from: string;
  nonce: number;
  feeSatang: number;
  /** The transaction is invalid in blocks whose timestamp is later than this. */
  expiresAtMs: number;
}

export type TxBody = {
  [K in TxKind]: TxBodyBase & { kind: K; payload: z.infer<typeof payloadSchemas[K]> };
}[TxKind];

export interface SignedTxJson {
  body: TxBody;
  signature: string;
}

/** A structurally valid transaction with its derived values cached. */
export interface Tx {
  id: string;
  body: TxBody;
  signature: Uint8Array;
  publicKey: Uint8Array;
  /** bech32 address of `body.from`. */
  sender: string;
  /** The exact bytes the signature covers. */
  signedBytes: Uint8Array;
}

const signedTxSchema = z.strictObject({ body: z.unknown(), signature: hex(64) });

function zodToChainError(error: z.ZodError, prefix: string): ChainError {
  const issue = error.issues[0]!;
  // An unknown key is reported at its parent's path; name the key itself.
  const unknownKey = issue.code === "unrecognized_keys" ? issue.keys[0] : undefined;
  const path = [prefix, ...issue.path.map(String), unknownKey ?? ""]
    .filter((p) => p !== "").join(".");
  return new ChainError(
    "BAD_TRANSACTION",
    `Invalid transaction: "${path}": ${issue.message}`,
    path,
  );
}

/** Canonical bytes covered by the signature. */
export function computeSignedBytes(body: TxBody): Uint8Array {
  return concatBytes(TX_DOMAIN, encodeCanonical(body));
}

/** Transaction id: hex SHA-256 of its signed bytes. */
export function computeTxId(signedBytes: Uint8Array): string {
  return toHex(sha256(signedBytes));
}

const addressCache = new Map<string, string>();
/** bech32 address of a hex public key, cached (derivation hashes). */
export function getAddressOfPublicKeyHex(publicKeyHex: string): string {
  let address = addressCache.get(publicKeyHex);
  if (address === undefined) {
    address = addressFromPublicKey(fromHex(publicKeyHex));
    if (addressCache.size > 200_000) addressCache.clear();
    addressCache.set(publicKeyHex, address);
  }
  return address;
}

/**
 * Checks the shape of a transaction in wire form (unknown fields, types,
 * ranges, kind-specific payload) and derives its id. Does not verify the
 * signature or read state.
 * @throws ChainError BAD_TRANSACTION naming the offending field
 */
export function parseTransaction(input: unknown): Tx {
  const outer = signedTxSchema.safeParse(input);
  if (!outer.success) throw zodToChainError(outer.error, "");
  const body = bodySchema.safeParse(outer.data.body);
  if (!body.success) throw zodToChainError(body.error, "body");
  const txBody = body.data as unknown as TxBody;
  checkPayloadRules(txBody);
  const signedBytes = computeSignedBytes(txBody);
  return {
    id: computeTxId(signedBytes),
    body: txBody,
    signature: fromHex(outer.data.signature),
    publicKey: fromHex(txBody.from),
    sender: getAddressOfPublicKeyHex(txBody.from),
    signedBytes,
  };
}

/** Rules across fields that a schema cannot express. */
function checkPayloadRules(body: TxBody): void {
  if (body.kind === "transfer") {
    const { amountSatang, amountWh, to } = body.payload;
    if (!isValidAddress(to)) {
      throw new ChainError(
        "BAD_ADDRESS",
        `Invalid transaction: "body.payload.to": address checksum does not match (mistyped?)`,
        "body.payload.to",
      );
    }
    if (amountSatang === 0 && amountWh === 0) {
      throw new ChainError(
        "BAD_TRANSACTION",
        'Invalid transaction: "body.payload": a transfer must move amountSatang or amountWh > 0',
        "body.payload.amountSatang",
      );
    }
  }
}

/** The wire (JSON) form of a transaction. */
export function toSignedTxJson(tx: Tx): SignedTxJson {
  return { body: tx.body, signature: toHex(tx.signature) };
}

/**
 * Builds and signs a transaction body (client side and node wallet).
 * `sign` is the Ed25519 signing function for the sender's secret key.
 */
export function signTransaction(body: TxBody, sign: (bytes: Uint8Array) => Uint8Array): Tx {
  return parseTransaction({ body, signature: toHex(sign(computeSignedBytes(body))) });
}

/**
 * Whether `input` (a transaction in wire form, e.g. from a proposed block) is
 * exactly the wire form of the already parsed `tx`, so that
 * `parseTransaction(input)` would return `tx`'s body, signature, signed bytes
 * and id. `signatureHex` is `toHex(tx.signature)`. Checks the exact value:
 * only the keys `body` and `signature`, the same signature text, and a body
 * equal to `tx.body` field by field (same keys, same types, `Object.is` on
 * numbers), so a held signature paired with any other body never matches.
 * Lets a validator reuse a transaction it parsed and verified before,
 * without parsing again.
 *
 * @example
 * ```ts
 * const tx = parseTransaction(wire);
 * isWireFormOf(wire, tx, toHex(tx.signature)); // true
 * ```
 */
export function isWireFormOf(input: unknown, tx: Tx, signatureHex: string): boolean {
  if (!isPlainObject(input)) return false;
  const wire = input as Record<string, unknown>;
  if (Object.keys(wire).length !== 2 || !Object.hasOwn(wire, "body")) return false;
  if (!Object.hasOwn(wire, "signature")) return false;
  return wire.signature === signatureHex && isSameJsonValue(tx.body, wire.body);
}

function isPlainObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** Structural equality of a parsed (JSON-like) value `a` with an untrusted value `b`. */
function isSameJsonValue(a: unknown, b: unknown): boolean {
  if (typeof a !== "object" || a === null) return Object.is(a, b);
  if (typeof b !== "object" || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || Object.getPrototypeOf(b) !== Array.prototype) return false;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (!Object.hasOwn(b, i) || !isSameJsonValue(a[i], b[i])) return false;
    }
    return true;
  }
  if (!isPlainObject(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (Object.keys(y).length !== keys.length) return false;
  for (const k of keys) {
    if (!Object.hasOwn(y, k) || !isSameJsonValue(x[k], y[k])) return false;
  }
  return true;
}
