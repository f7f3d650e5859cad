/**
 * Version 2 renewable-energy certificates: one SHA-256 per block over all of
 * its trades (the block's "trade root"), instead of one per trade.
 *
 * Trade root of a block = SHA-256 of the byte string
 *
 * ```
 * "gtx-cert-v2" (11 ASCII bytes) | height u64 | interval u64 | trade count u32
 * then per trade, in block order (trade index 0, 1, ...):
 *   buyOrderId | sellOrderId | amountWh u64 | priceSatangPerKwh u64 | source u8
 * ```
 *
 * Integers are big-endian (u64 = two u32, values are safe integers). An order
 * id of exactly 64 lowercase hex characters (a transaction id) is the byte 0
 * then its 32 raw bytes; any other id is the byte 1, its UTF-8 length as u16,
 * then its UTF-8 bytes. `source` is the index in `ENERGY_SOURCES`.
 *
 * Certificate id of trade i = `<trade root hex>-<i>` (i in decimal). The
 * order ids are the ids of the signed transactions that placed the orders,
 * so they bind buyer, seller, locations, source and limit prices; the record
 * adds what the matcher decided (amount, price, index, height, interval).
 * A buyer verifies a certificate from published data with
 * {@link verifyCertificateId}: read every trade of the block (they are in
 * chain state, committed by the block's state root), recompute the root.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import { ENERGY_SOURCES, type EnergySource } from "../chain/params.ts";
import type { Trade } from "./trade.ts";

/** Domain tag at the start of every v2 trade-root preimage. */
export const CERTIFICATE_V2_TAG = "gtx-cert-v2";

const SOURCE_CODE = new Map<string, number>(ENERGY_SOURCES.map((s, i) => [s, i]));
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE["0123456789abcdef".charCodeAt(i)] = i;
const textEncoder = new TextEncoder();

/** Grows as needed and is reused: the root is on the block's hot path. */
let buf = new Uint8Array(64 * 1024);
let view = new DataView(buf.buffer);

function ensure(pos: number, extra: number): void {
  if (pos + extra <= buf.length) return;
  const bigger = new Uint8Array(Math.max(buf.length * 2, pos + extra));
  bigger.set(buf.subarray(0, pos));
  buf = bigger;
  view = new DataView(buf.buffer);
}

function putU64(pos: number, x: number): number {
  view.setUint32(pos, Math.floor(x / 4_294_967_296));
  view.setUint32(pos + 4, x >>> 0);
  return pos + 8;
}

function putOrderId(pos: number, id: string): number {
  if (id.length === 64) {
    ensure(pos, 33);
    buf[pos] = 0;
    let ok = true;
    for (let i = 0; i < 32; i++) {
      const c1 = id.charCodeAt(2 * i), c2 = id.charCodeAt(2 * i + 1);
      const hi = c1 < 128 ? HEX_VALUE[c1]! : -1, lo = c2 < 128 ? HEX_VALUE[c2]! : -1;
      if (hi < 0 || lo < 0) {
        ok = false;
        break;
      }
      buf[pos + 1 + i] = (hi << 4) | lo;
    }
    if (ok) return pos + 33;
  }
  const bytes = textEncoder.encode(id);
  ensure(pos, 3 + bytes.length);
  buf[pos] = 1;
  view.setUint16(pos + 1, bytes.length);
  buf.set(bytes, pos + 3);
  return pos + 3 + bytes.length;
}

/** The fields of a trade that its v2 certificate covers. */
export type CertifiedTrade = Pick<
  Trade,
  "buyOrderId" | "sellOrderId" | "amountWh" | "priceSatangPerKwh" | "source"
>;

/**
 * Trade root of a block (hex), see the module comment.
 *
 * @example
 * const root = computeTradeRoot(height, interval, trades);
 * trades[i].certificateId === `${root}-${i}`;
 */
export function computeTradeRoot(
  height: number,
  interval: number,
  trades: readonly CertifiedTrade[],
): string {
  ensure(0, 32);
  let pos = textEncoder.encodeInto(CERTIFICATE_V2_TAG, buf).written;
  pos = putU64(pos, height);
  pos = putU64(pos, interval);
  view.setUint32(pos, trades.length);
  pos += 4;
  for (let i = 0; i < trades.length; i++) {
    const t = trades[i]!;
    pos = putOrderId(pos, t.buyOrderId);
    pos = putOrderId(pos, t.sellOrderId);
    ensure(pos, 17);
    pos = putU64(pos, t.amountWh);
    pos = putU64(pos, t.priceSatangPerKwh);
    buf[pos++] = SOURCE_CODE.get(t.source as EnergySource) ?? 255;
  }
  return bytesToHex(sha256(buf.subarray(0, pos)));
}

/** Sets `certificateId` of every trade of one block (v2: `<trade root>-<index>`). */
export function assignCertificateIds(height: number, interval: number, trades: Trade[]): void {
  if (trades.length === 0) return;
  const root = computeTradeRoot(height, interval, trades);
  for (let i = 0; i < trades.length; i++) trades[i]!.certificateId = `${root}-${i}`;
}

/**
 * True when `certificateId` is the v2 certificate of trade `index` of the
 * block whose trades (all of them, in block order) are `blockTrades`.
 */
export function verifyCertificateId(
  certificateId: string,
  height: number,
  interval: number,
  blockTrades: readonly CertifiedTrade[],
  index: number,
): boolean {
  if (!Number.isSafeInteger(index) || index < 0 || index >= blockTrades.length) return false;
  return certificateId === `${computeTradeRoot(height, interval, blockTrades)}-${index}`;
}
