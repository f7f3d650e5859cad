/**
 * Compact wire form of the match worker's bulk data: market ops, resting
 * orders (load) and match results, packed into typed arrays (numbers, and
 * indices into one string table) whose buffers are transferred, not cloned.
 *
 * Why: a structured clone writes every key of every object and rebuilds each
 * object on the other thread. Packed, only the deduplicated string table is
 * cloned; numbers move with their buffers. Measured (100k resting orders,
 * 10,000-op blocks, interleaved A/B on a loaded 2-core machine): a replica
 * load 1.5-2.9 s -> 1.0-1.9 s; a match round trip -10 to -25 % (the
 * encoding of the result in the worker, 15-40 ms, is now its largest cost
 * after matching).
 *
 * Exactness: decoding gives the same objects field by field and in the same
 * key order (JSON of an order is part of chain state). A record is packed
 * only when its own keys are exactly the expected ones, in order, with the
 * expected value types; any other record (a malformed op, an order built with
 * another key order) travels as itself inside the message (`plain`) and is
 * structured-cloned as before.
 */
// A packed order has exactly `createOrder`'s keys, in its key order (ORDER_KEYS).
import {
  type MarketOp,
  type MatchResult,
  NewOrder,
  type Order,
  ORDER_KEYS,
  type OrderRemoval,
  type Trade,
} from "../node/market/mod.ts";

/** Own keys of a packed trade, in the order the matcher builds them. */
const TRADE_KEYS = [
  "id",
  "height",
  "timestampMs",
  "interval",
  "buyOrderId",
  "sellOrderId",
  "buyer",
  "seller",
  "makerSide",
  "amountWh",
  "priceSatangPerKwh",
  "valueSatang",
  "distance",
  "peak",
  "gridFeeSatangPerKwh",
  "gridFeeSatang",
  "feeAuthority",
  "source",
  "carbonMicroCredits",
  "sellerLocation",
  "buyerLocation",
  "certificateId",
] as const;

const REMOVAL_KEYS = [
  "orderId",
  "owner",
  "side",
  "reason",
  "releasedSatang",
  "releasedWh",
] as const;

const CANCEL_KEYS = ["type", "orderId", "owner"] as const;
const PLACE_KEYS = ["type", "order"] as const;

/** Keys of a MatchResult in the order the matcher builds it. */
const RESULT_KEYS = [
  "height",
  "interval",
  "trades",
  "removed",
  "changed",
  "rejected",
  "gridFlows",
  "rematchPending",
] as const;

/** String-table index of `null` (kind "s?"). */
const NULL_REF = 0xffffffff;

/** Record tags: 0 = carried as itself in `plain`; others name the packed shape. */
const TAG_PLAIN = 0, TAG_PLACE = 1, TAG_CANCEL = 2, TAG_PACKED = 3;

/**
 * Packed records: per record a tag, its numbers in `nums` and its strings as
 * indices into `strings`, in field order; records with tag 0 are the next
 * entry of `plain`.
 *
 * The string table travels as a list, not joined into one string: the
 * receiver's `split` made every id a slice of the joined string, slower to
 * read than a string of its own (~0.8 ms of a 10,000-order block's matching),
 * and a list costs as much end to end (join and split vs. cloning its
 * strings: ~5.5 ms per 10,000-op block either way).
 */
export interface PackedColumns {
  tags: Uint8Array;
  nums: Float64Array;
  refs: Uint32Array;
  strings: string[];
  plain: unknown[];
}

/** Ops of a `match` request on the wire. */
export interface WireOps {
  columns: PackedColumns;
}

/** Orders of a `load` request on the wire. */
export interface WireOrders {
  columns: PackedColumns;
}

/** A MatchResult on the wire: its small fields as themselves, the record arrays packed. */
export type WireResult =
  | { plain: MatchResult }
  | {
    head: Omit<MatchResult, "trades" | "removed" | "changed">;
    trades: number;
    removed: number;
    changed: number;
    columns: PackedColumns;
  };

/**
 * Growable columns and a string table. Strings that repeat (owners,
 * locations, sides) are stored once; ids, unique per record, are appended
 * without a lookup.
 */
class Writer {
  tags = new Uint8Array(64);
  nums = new Float64Array(512);
  refs = new Uint32Array(512);
  nTags = 0;
  nNums = 0;
  nRefs = 0;
  readonly #index = new Map<string, number>();
  readonly #strings: string[] = [];
  readonly plain: unknown[] = [];

  /** Room for one more record of `nums` numbers and `refs` strings. */
  reserve(nums: number, refs: number): void {
    if (this.nNums + nums > this.nums.length) {
      this.nums = grow(this.nums, new Float64Array(this.nums.length * 2 + nums));
    }
    if (this.nRefs + refs > this.refs.length) {
      this.refs = grow(this.refs, new Uint32Array(this.refs.length * 2 + refs));
    }
  }

  tag(t: number): void {
    if (this.nTags === this.tags.length) {
      this.tags = grow(this.tags, new Uint8Array(this.nTags * 2));
    }
    this.tags[this.nTags++] = t;
  }

  num(v: number): void {
    this.nums[this.nNums++] = v;
  }

  /** A string that repeats across records (stored once). */
  str(s: string): void {
    let i = this.#index.get(s);
    if (i === undefined) {
      i = this.#strings.length;
      this.#strings.push(s);
      this.#index.set(s, i);
    }
    this.refs[this.nRefs++] = i;
  }

  /** A string or null that repeats across records. */
  strOrNull(s: string | null): void {
    if (s === null) this.refs[this.nRefs++] = NULL_REF;
    else this.str(s);
  }

  /** A string unique to its record (an id): appended. */
  uniq(s: string): void {
    this.refs[this.nRefs++] = this.#strings.length;
    this.#strings.push(s);
  }

  addPlain(o: unknown): void {
    this.plain.push(o);
    this.tag(TAG_PLAIN);
  }

  finish(): PackedColumns {
    return {
      tags: this.tags.subarray(0, this.nTags),
      nums: this.nums.subarray(0, this.nNums),
      refs: this.refs.subarray(0, this.nRefs),
      strings: this.#strings,
      plain: this.plain,
    };
  }
}

/** True when the own enumerable keys of `o` are exactly `keys`, in that order. */
function hasExactKeys(o: object, keys: readonly string[]): boolean {
  let n = 0;
  for (const key in o) {
    if (key !== keys[n]) return false;
    n++;
  }
  return n === keys.length;
}

function isObject(o: unknown): o is Record<string, unknown> {
  return typeof o === "object" && o !== null && !Array.isArray(o);
}

/** Packs an order (tag `tag`); false (nothing written) when it is not exactly an Order. */
function writeOrder(w: Writer, o: unknown, tag: number): boolean {
  if (!isObject(o) || !hasExactKeys(o, ORDER_KEYS)) return false;
  const { id, owner, side, source, location } = o;
  if (
    typeof id !== "string" || typeof owner !== "string" || typeof side !== "string" ||
    (source !== null && typeof source !== "string") || typeof location !== "string" ||
    typeof o.amountWh !== "number" || typeof o.priceSatangPerKwh !== "number" ||
    typeof o.expiresAtMs !== "number" || typeof o.remainingWh !== "number" ||
    typeof o.seq !== "number" || typeof o.lockedSatang !== "number"
  ) return false;
  w.reserve(6, 5);
  w.uniq(id);
  w.str(owner);
  w.str(side);
  w.num(o.amountWh);
  w.num(o.priceSatangPerKwh);
  w.strOrNull(source);
  w.str(location);
  w.num(o.expiresAtMs);
  w.num(o.remainingWh);
  w.num(o.seq);
  w.num(o.lockedSatang);
  w.tag(tag);
  return true;
}

function writeTrade(w: Writer, t: unknown): boolean {
  if (!isObject(t) || !hasExactKeys(t, TRADE_KEYS)) return false;
  if (
    typeof t.id !== "string" || typeof t.buyOrderId !== "string" ||
    typeof t.sellOrderId !== "string" || typeof t.buyer !== "string" ||
    typeof t.seller !== "string" || typeof t.makerSide !== "string" ||
    typeof t.distance !== "string" || typeof t.feeAuthority !== "string" ||
    typeof t.source !== "string" || typeof t.sellerLocation !== "string" ||
    typeof t.buyerLocation !== "string" || typeof t.certificateId !== "string"
  ) return false;
  if (
    typeof t.height !== "number" || typeof t.timestampMs !== "number" ||
    typeof t.interval !== "number" || typeof t.amountWh !== "number" ||
    typeof t.priceSatangPerKwh !== "number" || typeof t.valueSatang !== "number" ||
    typeof t.peak !== "boolean" || typeof t.gridFeeSatangPerKwh !== "number" ||
    typeof t.gridFeeSatang !== "number" || typeof t.carbonMicroCredits !== "number"
  ) return false;
  w.reserve(10, 12);
  w.uniq(t.id);
  w.num(t.height);
  w.num(t.timestampMs);
  w.num(t.interval);
  w.uniq(t.buyOrderId);
  w.uniq(t.sellOrderId);
  w.str(t.buyer);
  w.str(t.seller);
  w.str(t.makerSide);
  w.num(t.amountWh);
  w.num(t.priceSatangPerKwh);
  w.num(t.valueSatang);
  w.str(t.distance);
  w.num(t.peak ? 1 : 0);
  w.num(t.gridFeeSatangPerKwh);
  w.num(t.gridFeeSatang);
  w.str(t.feeAuthority);
  w.str(t.source);
  w.num(t.carbonMicroCredits);
  w.str(t.sellerLocation);
  w.str(t.buyerLocation);
  w.uniq(t.certificateId);
  w.tag(TAG_PACKED);
  return true;
}

function writeRemoval(w: Writer, r: unknown): boolean {
  if (!isObject(r) || !hasExactKeys(r, REMOVAL_KEYS)) return false;
  const { orderId, owner, side, reason, releasedSatang, releasedWh } = r;
  if (
    typeof orderId !== "string" || typeof owner !== "string" || typeof side !== "string" ||
    typeof reason !== "string" || typeof releasedSatang !== "number" ||
    typeof releasedWh !== "number"
  ) return false;
  w.reserve(2, 4);
  w.uniq(orderId);
  w.str(owner);
  w.str(side);
  w.str(reason);
  w.num(releasedSatang);
  w.num(releasedWh);
  w.tag(TAG_PACKED);
  return true;
}

function writeCancel(w: Writer, c: Record<string, unknown>): boolean {
  const { type, orderId, owner } = c;
  if (typeof type !== "string" || typeof orderId !== "string" || typeof owner !== "string") {
    return false;
  }
  w.reserve(0, 3);
  w.str(type);
  w.uniq(orderId);
  w.str(owner);
  w.tag(TAG_CANCEL);
  return true;
}

function grow<T extends Uint8Array | Float64Array | Uint32Array>(from: T, to: T): T {
  to.set(from as never);
  return to;
}

/** Reads packed records back in the order they were written. */
class Reader {
  #t = 0;
  #n = 0;
  #r = 0;
  #p = 0;
  // The columns' fields, not the columns object: a received message's
  // objects have shapes of their own that die with it (see KEPT_CODEC_SHAPES).
  readonly #tags: Uint8Array;
  readonly #nums: Float64Array;
  readonly #refs: Uint32Array;
  readonly #strings: string[];
  readonly #plain: unknown[];
  constructor(c: PackedColumns) {
    this.#tags = c.tags;
    this.#nums = c.nums;
    this.#refs = c.refs;
    this.#strings = c.strings;
    this.#plain = c.plain;
  }

  tag(): number {
    const t = this.#tags[this.#t++];
    if (t === undefined) throw new RangeError("Packed records: no more records");
    return t;
  }

  plain(): unknown {
    if (this.#p >= this.#plain.length) {
      throw new RangeError("Packed records: no more plain records");
    }
    return this.#plain[this.#p++];
  }

  n(): number {
    return this.#nums[this.#n++]!;
  }

  b(): boolean {
    return this.#nums[this.#n++] === 1;
  }

  s(): string {
    return this.#strings[this.#refs[this.#r++]!]!;
  }

  sn(): string | null {
    const r = this.#refs[this.#r++]!;
    return r === NULL_REF ? null : this.#strings[r]!;
  }
}

/**
 * An empty Writer and Reader that live as long as the module. Why: their
 * hidden classes ("maps") are reached only through live instances (map
 * transitions are weak); the match worker's full collection between blocks
 * found none, the maps died, and every optimised codec function embedding
 * them was deoptimised (see `retainShapes` in node/market/matching.ts).
 */
export const KEPT_CODEC_SHAPES: readonly unknown[] = [
  new Writer(),
  new Reader({
    tags: new Uint8Array(0),
    nums: new Float64Array(0),
    refs: new Uint32Array(0),
    strings: [],
    plain: [],
  }),
];

/** An order, built by `NewOrder` (not an object literal: see `NewOrder`). */
function readOrder(r: Reader): Order {
  const id = r.s(), owner = r.s(), side = r.s() as Order["side"];
  const amountWh = r.n(), priceSatangPerKwh = r.n(), source = r.sn() as Order["source"];
  const location = r.s(), expiresAtMs = r.n(), remainingWh = r.n(), seq = r.n();
  return new NewOrder(
    id,
    owner,
    side,
    amountWh,
    priceSatangPerKwh,
    source,
    location,
    expiresAtMs,
    remainingWh,
    seq,
    r.n(),
  );
}

function readTrade(r: Reader): Trade {
  return {
    id: r.s(),
    height: r.n(),
    timestampMs: r.n(),
    interval: r.n(),
    buyOrderId: r.s(),
    sellOrderId: r.s(),
    buyer: r.s(),
    seller: r.s(),
    makerSide: r.s() as Trade["makerSide"],
    amountWh: r.n(),
    priceSatangPerKwh: r.n(),
    valueSatang: r.n(),
    distance: r.s() as Trade["distance"],
    peak: r.b(),
    gridFeeSatangPerKwh: r.n(),
    gridFeeSatang: r.n(),
    feeAuthority: r.s(),
    source: r.s() as Trade["source"],
    carbonMicroCredits: r.n(),
    sellerLocation: r.s(),
    buyerLocation: r.s(),
    certificateId: r.s(),
  };
}

function readRemoval(r: Reader): OrderRemoval {
  return {
    orderId: r.s(),
    owner: r.s(),
    side: r.s() as OrderRemoval["side"],
    reason: r.s() as OrderRemoval["reason"],
    releasedSatang: r.n(),
    releasedWh: r.n(),
  };
}

/** Packs a block's ops (see the module comment). */
export function encodeOps(ops: readonly MarketOp[]): WireOps {
  const w = new Writer();
  for (let i = 0; i < ops.length; i++) {
    const op: unknown = ops[i];
    let packed = false;
    if (isObject(op) && op.type === "place" && hasExactKeys(op, PLACE_KEYS)) {
      packed = writeOrder(w, op.order, TAG_PLACE);
    } else if (isObject(op) && op.type === "cancel" && hasExactKeys(op, CANCEL_KEYS)) {
      packed = writeCancel(w, op);
    }
    if (!packed) w.addPlain(op);
  }
  return { columns: w.finish() };
}

/** Inverse of {@link encodeOps}. */
export function decodeOps(wire: WireOps): MarketOp[] {
  const r = new Reader(wire.columns);
  const n = wire.columns.tags.length;
  const ops: MarketOp[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const t = r.tag();
    if (t === TAG_PLACE) ops[i] = { type: "place", order: readOrder(r) };
    else if (t === TAG_CANCEL) {
      const type = r.s() as "cancel";
      ops[i] = { type, orderId: r.s(), owner: r.s() };
    } else ops[i] = r.plain() as MarketOp;
  }
  return ops;
}

/** Packs resting orders (a `load`). */
export function encodeOrders(orders: Iterable<Order>): WireOrders {
  const w = new Writer();
  for (const o of orders) if (!writeOrder(w, o, TAG_PACKED)) w.addPlain(o);
  return { columns: w.finish() };
}

/** Inverse of {@link encodeOrders}. */
export function decodeOrders(wire: WireOrders): Order[] {
  const r = new Reader(wire.columns);
  const n = wire.columns.tags.length;
  const out: Order[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = r.tag() === TAG_PLAIN ? r.plain() as Order : readOrder(r);
  return out;
}

/** Packs a match result (its small fields travel as themselves). */
export function encodeResult(result: MatchResult): WireResult {
  if (!hasExactKeys(result, RESULT_KEYS)) return { plain: result };
  const w = new Writer();
  for (const t of result.trades) if (!writeTrade(w, t)) w.addPlain(t);
  for (const rm of result.removed) if (!writeRemoval(w, rm)) w.addPlain(rm);
  for (const o of result.changed) if (!writeOrder(w, o, TAG_PACKED)) w.addPlain(o);
  return {
    head: {
      height: result.height,
      interval: result.interval,
      rejected: result.rejected,
      gridFlows: result.gridFlows,
      rematchPending: result.rematchPending,
    },
    trades: result.trades.length,
    removed: result.removed.length,
    changed: result.changed.length,
    columns: w.finish(),
  };
}

/** Inverse of {@link encodeResult}. */
export function decodeResult(wire: WireResult): MatchResult {
  if ("plain" in wire) return wire.plain;
  const r = new Reader(wire.columns);
  const trades: Trade[] = new Array(wire.trades);
  for (let i = 0; i < wire.trades; i++) {
    trades[i] = r.tag() === TAG_PLAIN ? r.plain() as Trade : readTrade(r);
  }
  const removed: OrderRemoval[] = new Array(wire.removed);
  for (let i = 0; i < wire.removed; i++) {
    removed[i] = r.tag() === TAG_PLAIN ? r.plain() as OrderRemoval : readRemoval(r);
  }
  const changed: Order[] = new Array(wire.changed);
  for (let i = 0; i < wire.changed; i++) {
    changed[i] = r.tag() === TAG_PLAIN ? r.plain() as Order : readOrder(r);
  }
  const h = wire.head;
  return {
    height: h.height,
    interval: h.interval,
    trades,
    removed,
    changed,
    rejected: h.rejected,
    gridFlows: h.gridFlows,
    rematchPending: h.rematchPending,
  };
}

/** The buffers to transfer with a message carrying these columns. */
export function getTransferables(c: PackedColumns | undefined): ArrayBuffer[] {
  if (c === undefined) return [];
  return [c.tags.buffer, c.nums.buffer, c.refs.buffer] as ArrayBuffer[];
}
