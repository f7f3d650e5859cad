/**
 * Runs the readable matcher vectors in tests/vectors/market/*.json.
 *
 * Format: { description, topology? ("default" or a GridTopology), params?
 * (overrides of DEFAULT_MARKET_PARAMS), book: partial orders (defaults as in
 * makeOrder), blocks: [{ height, timestampMs, haltedLocations?, ops, expect:
 * { trades?, removed?, rejected?, book? } }] }. Expected trades/removals are
 * compared field by field for the fields given, in order and count.
 */
import assert from "node:assert/strict";
import {
  DEFAULT_GRID_TOPOLOGY,
  DEFAULT_MARKET_PARAMS,
  GridState,
  type GridTopology,
  type MarketOp,
  type MarketParams,
  matchBlock,
  type Order,
  OrderBook,
} from "../node/market/mod.ts";
import { Ledger, makeOrder } from "./market_helpers.ts";

type Partial1 = Record<string, unknown>;
interface Vector {
  description: string;
  topology?: "default" | GridTopology;
  params?: Partial<MarketParams>;
  book: Partial1[];
  blocks: {
    height: number;
    timestampMs: number;
    haltedLocations?: string[];
    ops:
      ({ type: "place"; order: Partial1 } | { type: "cancel"; orderId: string; owner: string })[];
    expect: {
      trades?: Partial1[];
      removed?: Partial1[];
      rejected?: Partial1[];
      book?: Partial1[];
    };
  }[];
}

function subset(actual: unknown[], expected: Partial1[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: count`);
  expected.forEach((e, i) => {
    const a = actual[i] as Partial1;
    for (const [k, v] of Object.entries(e)) assert.deepEqual(a[k], v, `${what}[${i}].${k}`);
  });
}

const dir = new URL("./vectors/market/", import.meta.url);
const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".json"))
  .sort();

for (const name of files) {
  const v = JSON.parse(Deno.readTextFileSync(new URL(name, dir))) as Vector;
  Deno.test(`market vector ${name}: ${v.description}`, () => {
    const params: MarketParams = { ...DEFAULT_MARKET_PARAMS, ...v.params };
    const topology = !v.topology || v.topology === "default" ? DEFAULT_GRID_TOPOLOGY : v.topology;
    const grid = new GridState(topology);
    const mk = (o: Partial1) => makeOrder(o as Parameters<typeof makeOrder>[0], params);
    const pre = v.book.map(mk);
    const book = OrderBook.fromOrders(pre);
    const ledger = new Ledger();
    ledger.place(pre.map((order) => ({ type: "place", order })));
    for (const b of v.blocks) {
      const ops: MarketOp[] = b.ops.map((op) =>
        op.type === "place" ? { type: "place", order: mk(op.order) as Order } : op
      );
      ledger.place(ops);
      const r = matchBlock(book, grid, ops, {
        height: b.height,
        timestampMs: b.timestampMs,
        params,
        haltedLocations: b.haltedLocations,
      });
      ledger.apply(r);
      if (b.expect.trades) subset(r.trades, b.expect.trades, `block ${b.height} trades`);
      if (b.expect.removed) subset(r.removed, b.expect.removed, `block ${b.height} removed`);
      if (b.expect.rejected) subset(r.rejected, b.expect.rejected, `block ${b.height} rejected`);
      if (b.expect.book) subset(book.snapshot(), b.expect.book, `block ${b.height} book`);
      ledger.check(book);
    }
  });
}
