import assert from "node:assert/strict";
import type { Order } from "./order.ts";
import { OrderBook } from "./order_book.ts";

const o = (id: string, side: "buy" | "sell", price: number, seq: number, exp = 1e12): Order => ({
  id,
  owner: "a",
  side,
  amountWh: 100,
  remainingWh: 100,
  priceSatangPerKwh: price,
  source: side === "sell" ? "solar" : null,
  location: "BKK-01-SUB001",
  seq,
  expiresAtMs: exp,
  lockedSatang: 0,
});

Deno.test("order book: price-time order, depth, removal, expiry, rebuild", () => {
  const book = new OrderBook();
  book.insert(o("s1", "sell", 50, 1));
  book.insert(o("s2", "sell", 49, 2, 10));
  book.insert(o("s3", "sell", 49, 3));
  book.insert(o("b1", "buy", 40, 4));
  book.insert(o("b2", "buy", 45, 5, 10));
  assert.deepEqual(book.list("sell").map((x) => x.id), ["s2", "s3", "s1"]);
  assert.deepEqual(book.list("buy").map((x) => x.id), ["b2", "b1"]);
  assert.deepEqual(book.depth("sell", 1), [{ priceSatangPerKwh: 49, amountWh: 200, orders: 2 }]);
  assert.throws(() => book.insert(o("s1", "sell", 1, 9)), /already/);
  assert.deepEqual(book.popExpired(10).map((x) => x.id), ["s2", "b2"]);
  assert.equal(book.best("buy")!.id, "b1");
  book.remove("s3");
  assert.deepEqual(book.depth("sell", 5), [{ priceSatangPerKwh: 50, amountWh: 100, orders: 1 }]);
  const copy = OrderBook.fromOrders(book.snapshot().reverse());
  assert.deepEqual(copy.snapshot(), book.snapshot());
});
