/**
 * Shared helpers for market tests: a small topology, order builders, random
 * op streams and the conservation / capacity invariant checker.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { EnergySource } from "../node/chain/params.ts";
import { ENERGY_SOURCES } from "../node/chain/params.ts";
import {
  computeBuyLockSatang,
  DEFAULT_MARKET_PARAMS,
  GridState,
  type GridTopology,
  type MarketOp,
  type MarketParams,
  matchBlock,
  type MatchResult,
  type Order,
  OrderBook,
} from "../node/market/mod.ts";

/** 2026-01-15 10:00 Bangkok (03:00 UTC): off-peak. */
export const OFF_PEAK_MS = Date.UTC(2026, 0, 15, 3, 0, 0);

/** Small capacities so that capacity limits bite. 1 kW = 250 Wh per 15-minute interval. */
export const SMALL_TOPOLOGY: GridTopology = {
  transmissionAuthority: "EGAT",
  regions: [{ id: "BKK", authority: "MEA" }, { id: "CNX", authority: "PEA" }],
  zones: [{ id: "BKK-01" }, { id: "BKK-02" }, { id: "BKK-03" }, { id: "CNX-01" }],
  substations: [
    { id: "BKK-01-SUB001", capacityKw: 40 },
    { id: "BKK-01-SUB002", capacityKw: 40 },
    { id: "BKK-02-SUB001", capacityKw: 40 },
    { id: "BKK-03-SUB001", capacityKw: 20 },
    { id: "CNX-01-SUB001", capacityKw: 40 },
  ],
  links: [
    { zoneA: "BKK-01", zoneB: "BKK-02", capacityKw: 16 },
    { zoneA: "BKK-02", zoneB: "BKK-03", capacityKw: 16 },
    { zoneA: "BKK-03", zoneB: "CNX-01", capacityKw: 8 },
  ],
};

/** Fill defaults of a partial order: remaining = amount, the full buy lock, far expiry. */
export function makeOrder(
  p: Partial<Order> & Pick<Order, "id" | "side" | "amountWh" | "priceSatangPerKwh" | "seq">,
  params: MarketParams = DEFAULT_MARKET_PARAMS,
): Order {
  return {
    owner: `acct-${p.id}`,
    source: p.side === "sell" ? "solar" : null,
    location: "BKK-01-SUB001",
    expiresAtMs: 4_000_000_000_000,
    remainingWh: p.amountWh,
    lockedSatang: p.side === "buy"
      ? computeBuyLockSatang(p.amountWh, p.priceSatangPerKwh, params)
      : 0,
    ...p,
  };
}

/** Ledger of everything locked, paid and released, to check conservation. */
export class Ledger {
  lockedSatang = 0;
  lockedWh = 0;
  paidSatang = 0;
  sellerSatang = 0;
  feeSatang = 0;
  tradedWh = 0;
  releasedSatang = 0;
  releasedWh = 0;

  /** Record the locks of placed orders. */
  place(ops: readonly MarketOp[]): void {
    for (const op of ops) {
      if (op.type !== "place") continue;
      if (op.order.side === "buy") this.lockedSatang += op.order.lockedSatang;
      else this.lockedWh += op.order.remainingWh;
    }
  }

  /** Record a block result. */
  apply(r: MatchResult): void {
    for (const t of r.trades) {
      this.paidSatang += t.valueSatang + t.gridFeeSatang;
      this.sellerSatang += t.valueSatang;
      this.feeSatang += t.gridFeeSatang;
      this.tradedWh += t.amountWh;
    }
    for (const rm of r.removed) {
      this.releasedSatang += rm.releasedSatang;
      this.releasedWh += rm.releasedWh;
    }
  }

  /** Locks = payments + releases + what still rests, exactly. */
  check(book: OrderBook): void {
    let restingSatang = 0, restingWh = 0;
    for (const o of book.snapshot()) {
      if (o.side === "buy") restingSatang += o.lockedSatang;
      else restingWh += o.remainingWh;
      assert.ok(o.lockedSatang >= 0 && o.remainingWh > 0, `bad resting order ${o.id}`);
    }
    assert.equal(this.paidSatang, this.sellerSatang + this.feeSatang);
    assert.equal(this.lockedSatang, this.paidSatang + this.releasedSatang + restingSatang);
    assert.equal(this.lockedWh, this.tradedWh + this.releasedWh + restingWh);
  }
}

/** Assert that no substation, zone-sum or link is above its capacity. */
export function checkCapacity(grid: GridState): void {
  const c = grid.getCongestion();
  for (const e of [...c.substations, ...c.links]) {
    assert.ok(e.scheduledWh <= e.capacityWh, `${e.id}: ${e.scheduledWh} > ${e.capacityWh}`);
  }
}

/** Locations of {@link SMALL_TOPOLOGY}. */
export const SMALL_LOCATIONS = SMALL_TOPOLOGY.substations.map((s) => s.id);
export { ENERGY_SOURCES };

const params = DEFAULT_MARKET_PARAMS;

/** Random draws for one op. */
export interface RawOp {
  kind: "buy" | "sell" | "cancel";
  amountWh: number;
  price: number;
  loc: number;
  owner: number;
  source: number;
  ttlMs: number;
  pick: number;
}

/** One random op. */
export interface RawBlock {
  advanceMs: number;
  halt: string | null;
  ops: RawOp[];
}

const rawOp = fc.record<RawOp>({
  kind: fc.constantFrom("buy", "buy", "sell", "sell", "cancel"),
  amountWh: fc.integer({ min: 100, max: 6000 }),
  price: fc.integer({ min: 40, max: 60 }).map((p) => p * 100),
  loc: fc.nat(SMALL_LOCATIONS.length - 1),
  owner: fc.nat(5),
  source: fc.nat(ENERGY_SOURCES.length),
  ttlMs: fc.integer({ min: 1, max: 3_600_000 }),
  pick: fc.nat(),
});

const blockArb: fc.Arbitrary<RawBlock> = fc.record({
  advanceMs: fc.integer({ min: 0, max: 600_000 }),
  halt: fc.option(fc.constantFrom("BKK-02", "CNX", "BKK-01-SUB002"), { freq: 4 }),
  ops: fc.array(rawOp, { maxLength: 25 }),
});
export const streamArb: fc.Arbitrary<RawBlock[]> = fc.array(blockArb, {
  minLength: 1,
  maxLength: 12,
});

/** A block of ops for matchBlock. */
export type Block = { height: number; timestampMs: number; halted: string[]; ops: MarketOp[] };

/** Turn raw draws into concrete blocks (cancels pick among ids placed so far). */
export function buildBlocks(raw: RawBlock[], opts: { simple?: boolean } = {}): Block[] {
  let seq = 0, ts = OFF_PEAK_MS;
  const ids: { id: string; owner: string }[] = [];
  return raw.map((b, h) => {
    ts += b.advanceMs;
    const ops: MarketOp[] = b.ops.map((r): MarketOp => {
      if (r.kind === "cancel" && ids.length > 0) {
        const t = ids[r.pick % ids.length]!;
        return { type: "cancel", orderId: t.id, owner: r.pick % 7 === 0 ? "other" : t.owner };
      }
      const side = r.kind === "sell" ? "sell" : "buy";
      const id = `o${++seq}`;
      const source: EnergySource | null = side === "sell"
        ? ENERGY_SOURCES[r.source % ENERGY_SOURCES.length]!
        : opts.simple
        ? null
        : ENERGY_SOURCES[r.source] ?? null;
      const owner = opts.simple ? `acct-${id}` : `acct-${r.owner}`;
      ids.push({ id, owner });
      return {
        type: "place",
        order: makeOrder({
          id,
          side,
          amountWh: r.amountWh,
          priceSatangPerKwh: r.price,
          seq,
          source,
          owner,
          location: opts.simple ? SMALL_LOCATIONS[0]! : SMALL_LOCATIONS[r.loc]!,
          expiresAtMs: ts + r.ttlMs,
        }),
      };
    });
    return {
      height: h + 1,
      timestampMs: ts,
      halted: !opts.simple && b.halt ? [b.halt] : [],
      ops,
    };
  });
}

/** Run blocks on a fresh book over SMALL_TOPOLOGY. */
export function run(
  blocks: Block[],
  onBlock?: (r: MatchResult, book: OrderBook, grid: GridState) => void,
) {
  const book = new OrderBook();
  const grid = new GridState(SMALL_TOPOLOGY);
  const results = blocks.map((b) => {
    const r = matchBlock(book, grid, b.ops, {
      height: b.height,
      timestampMs: b.timestampMs,
      params,
      haltedLocations: b.halted,
    });
    onBlock?.(r, book, grid);
    return r;
  });
  return { results, book, grid };
}
