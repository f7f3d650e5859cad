import assert from "node:assert/strict";
import { createOrder, type Order, shareConstantStrings } from "./order.ts";
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
