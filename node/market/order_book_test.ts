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

Deno.test("order book: expiry and id lookups after removals (dead heap entries, stale id entries, rebuilds) match a model", () => {
  // Orders removed before they expire leave dead heap entries, dropped at the top, by
  // reserveForBlock's compaction, or by a push once they outnumber the live orders.
  let rng = 7;
  const next = (n: number) => (rng = (Math.imul(rng, 1103515245) + 12345) >>> 0) % n;
  const book = new OrderBook();
  const live = new Map<string, Order>();
  let seq = 0, now = 0;
  for (let step = 0; step < 60; step++) {
    const inserts = next(3) === 0 ? 3000 : next(400);
    for (let i = 0; i < inserts; i++) {
      seq++;
      const order = o(`o${seq}`, next(2) ? "buy" : "sell", 40 + next(20), seq, now + 1 + next(500));
      book.insert({ ...order });
      live.set(order.id, order);
    }
    // Remove most of them (more than the book holds after a big insert), then expire some.
    const ids = [...live.keys()];
    for (let i = 0; i < ids.length; i++) {
      if (next(10) < 8) {
        assert.equal(book.remove(ids[i]!)?.id, ids[i]);
        live.delete(ids[i]!);
      }
    }
    // Removed ids are gone from the id index (their entries are stale), and may come back.
    for (let i = 0; i < ids.length; i += 97) {
      const id = ids[i]!;
      assert.equal(book.has(id), live.has(id));
      if (!live.has(id) && next(2) === 0) {
        seq++;
        const again = o(id, "sell", 40 + next(20), seq, now + 1 + next(500));
        book.insert({ ...again });
        live.set(id, again);
        assert.equal(book.get(id)!.seq, seq);
      }
    }
    if (next(4) === 0) book[BOOK_CORE].reserveForBlock(next(2000));
    now += next(120);
    const expected = [...live.values()]
      .filter((x) => x.expiresAtMs <= now)
      .sort((a, b) => a.expiresAtMs - b.expiresAtMs || a.seq - b.seq)
      .map((x) => x.id);
    assert.deepEqual(book.popExpired(now).map((x) => x.id), expected);
    for (const id of expected) live.delete(id);
    assert.equal(book.size, live.size);
    const bySeq = [...live.values()].sort((a, b) => a.seq - b.seq);
    assert.deepEqual(book.snapshot().map((x) => x.id), bySeq.map((x) => x.id));
  }
});
