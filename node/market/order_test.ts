import assert from "node:assert/strict";
import { compactOrder, createOrder, type Order, shareConstantStrings } from "./order.ts";
import { DEFAULT_MARKET_PARAMS } from "./params.ts";

const order = createOrder(
  {
    id: "a".repeat(64),
    owner: "gtx1owner",
    side: "buy",
    amountWh: 1_500,
    priceSatangPerKwh: 5_000,
    source: null,
    location: "BKK-01-SUB001",
    expiresAtMs: 4_000_000_000_000,
  },
  7,
  DEFAULT_MARKET_PARAMS,
);

Deno.test("compactOrder copies a (cloned) order field for field, keys in the same order", () => {
  for (const o of [order, structuredClone(order)]) {
    const c = compactOrder(o);
    assert.notEqual(c, o);
    assert.deepEqual(c, o);
    assert.equal(JSON.stringify(c), JSON.stringify(o));
    assert.deepEqual(Object.keys(c), Object.keys(o));
  }
});

Deno.test("compactOrder leaves any other shape alone (extra, missing or reordered fields)", () => {
  const extra = { ...order, note: "x" } as Order;
  const { seq: _seq, ...missing } = order;
  const { id, ...rest } = order;
  const reordered = { ...rest, id } as Order;
  for (const o of [extra, missing as Order, reordered]) assert.equal(compactOrder(o), o);
  const weird = null as unknown as Order;
  assert.equal(compactOrder(weird), weird);
});

Deno.test("shareConstantStrings keeps every field equal and leaves unknown values alone", () => {
  const decoded = JSON.parse(JSON.stringify({ ...order, side: "sell", source: "wind" })) as Order;
  const before = structuredClone(decoded);
  shareConstantStrings(decoded);
  assert.deepEqual(decoded, before);
  assert.deepEqual(Object.keys(decoded), Object.keys(before));
  const odd = { ...order, side: "hold", source: "coal" } as unknown as Order;
  shareConstantStrings(odd);
  assert.equal(odd.side, "hold");
  assert.equal(odd.source, "coal");
  const anyBuy = { ...order, source: null };
  shareConstantStrings(anyBuy);
  assert.equal(anyBuy.source, null);
});
