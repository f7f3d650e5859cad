import assert from "node:assert/strict";
import type { Order } from "./order.ts";
import { OrderBook } from "./order_book.ts";
import { BOOK_CORE } from "./book_core.ts";

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

Deno.test("order book: growing the indexes between blocks (reserveForBlock) changes nothing seen", () => {
  const plain = new OrderBook(), reserved = new OrderBook();
  const core = reserved[BOOK_CORE];
  let seq = 0;
  for (let round = 0; round < 6; round++) {
    core.reserveForBlock(round * 700);
    for (let i = 0; i < 900; i++) {
      seq++;
      const order = o(`o${seq}`, seq % 2 ? "buy" : "sell", 40 + (seq * 7) % 20, seq, 1000 + seq);
      plain.insert({ ...order });
      reserved.insert({ ...order });
    }
    for (let i = round; i < seq; i += 5) {
      assert.equal(reserved.remove(`o${i}`)?.id, plain.remove(`o${i}`)?.id);
    }
    assert.deepEqual(
      reserved.popExpired(1000 + seq - 300).map((x) => x.id),
      plain.popExpired(1000 + seq - 300).map((x) => x.id),
    );
    assert.equal(reserved.size, plain.size);
    assert.deepEqual(reserved.snapshot(), plain.snapshot());
    assert.deepEqual(reserved.list("buy"), plain.list("buy"));
    assert.deepEqual(reserved.list("sell"), plain.list("sell"));
    assert.equal(reserved.has(`o${seq}`), true);
  }
});
