/**
 * Trades (fills) and their renewable-energy certificate ids.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import type { EnergySource } from "../chain/params.ts";
import type { DistanceClass } from "./params.ts";

/**
 * One fill between a buy and a sell order. Settlement (applied by the chain):
 * the buyer's lock pays `valueSatang + gridFeeSatang`; the seller receives
 * `valueSatang`; `feeAuthority` receives `gridFeeSatang`; `amountWh` of the
 * seller's locked energy goes to the buyer; the seller earns
 * `carbonMicroCredits`.
 */
export interface Trade {
  /** `${height}-${index}`: unique, index counts trades within the block from 0. */
  id: string;
  height: number;
  /** Block timestamp, ms. */
  timestampMs: number;
  /** Delivery interval index floor(timestampMs / intervalMs). */
  interval: number;
  buyOrderId: string;
  sellOrderId: string;
  buyer: string;
  seller: string;
  /** The order already resting in the book (price setter). */
  makerSide: "buy" | "sell";
  amountWh: number;
  /** The maker's limit price, satang/kWh. */
  priceSatangPerKwh: number;
  /** floor(amountWh x price / 1000), paid to the seller. */
  valueSatang: number;
  distance: DistanceClass;
  /** True when the block timestamp is in Bangkok peak hours. */
  peak: boolean;
  /** Effective fee rate (peak multiplier applied, rounded up), satang/kWh. */
  gridFeeSatangPerKwh: number;
  /** floor(amountWh x gridFeeSatangPerKwh / 1000), paid by the buyer on top of the value. */
  gridFeeSatang: number;
  /** Seller's region authority (e.g. MEA, PEA), or the transmission authority (EGAT) across regions. */
  feeAuthority: string;
  source: EnergySource;
  /** amountWh x carbonCreditsMicroPerWh[source], credited to the seller. */
  carbonMicroCredits: number;
  /** v2 certificate id `<trade root>-<index>` (see certificate.ts; v1: {@link computeCertificateIdV1}). */
  certificateId: string;
  sellerLocation: string;
  buyerLocation: string;
}

/**
 * Version 1 certificate id (chains before v2; kept to verify old trades): hex
 * sha256 of
 * `gtx-cert-v1|id|buyOrderId|sellOrderId|buyer|seller|amountWh|source|sellerLocation|buyerLocation|interval`.
 */
export function computeCertificateIdV1(
  t: Pick<
    Trade,
    | "id"
    | "buyOrderId"
    | "sellOrderId"
    | "buyer"
    | "seller"
    | "amountWh"
    | "source"
    | "sellerLocation"
    | "buyerLocation"
    | "interval"
  >,
): string {
  const text =
    `gtx-cert-v1|${t.id}|${t.buyOrderId}|${t.sellOrderId}|${t.buyer}|${t.seller}|${t.amountWh}|${t.source}|${t.sellerLocation}|${t.buyerLocation}|${t.interval}`;
  if (text.length * 3 > v1Buffer.length) v1Buffer = new Uint8Array(text.length * 3);
  const { written } = v1Encoder.encodeInto(text, v1Buffer);
  return bytesToHex(sha256(v1Buffer.subarray(0, written)));
}

const v1Encoder = new TextEncoder();
let v1Buffer = new Uint8Array(512);
