import assert from "node:assert/strict";
import { hashOrderId } from "./book_core.ts";
import type { Order } from "./order.ts";
import { OrderBook } from "./order_book.ts";

const o = (id: string, seq: number, location = "BKK-01-SUB001"): Order => ({
  id,
  owner: "a",
  side: "sell",
  amountWh: 100,
  remainingWh: 100,
  priceSatangPerKwh: 50 + (seq % 3),
  source: "solar",
  location,
  seq,
  expiresAtMs: 1e12 + (seq % 5),
  lockedSatang: 0,
});

/** Ids whose hashOrderId collide, found by search. */
function collidingIds(count: number): string[] {
  const seen = new Map<number, string[]>();
  for (let i = 0;; i++) {
    const id = `c${i}`;
    const h = hashOrderId(id);
    const list = seen.get(h) ?? [];
    list.push(id);
    seen.set(h, list);
    if (list.length === count) return list;
  }
}

Deno.test("order book id index: ids with the same hash stay distinct through insert/get/remove/expiry", () => {
  const [a, b] = collidingIds(2) as [string, string];
  assert.equal(hashOrderId(a), hashOrderId(b));
  const book = new OrderBook();
  book.insert(o(a, 1));
  book.insert(o(b, 2, "BKK-02-SUB001"));
  assert.equal(book.size, 2);
  assert.equal(book.get(a)?.id, a);
  assert.equal(book.get(b)?.id, b);
  assert.throws(() => book.insert(o(a, 9)), /already/);
  assert.equal(book.has(`${a}x`), false);
  // Remove the chain's second node, re-insert it as head, remove the head, then the last.
  assert.equal(book.remove(a)?.id, a);
  assert.ok(!book.has(a) && book.has(b));
  book.insert(o(a, 3));
  assert.equal(book.remove(a)?.id, a);
  assert.equal(book.get(b)?.id, b);
  assert.deepEqual(book.snapshot().map((x) => x.id), [b]);
  book.insert(o(a, 4));
  assert.deepEqual(book.popExpired(2e12).map((x) => x.id), [b, a]);
  assert.equal(book.size, 0);
  assert.deepEqual(book.depth("sell", 5), []);
});

Deno.test("order book id index: ids differing only in their middle share a hash and stay distinct", () => {
  // hashOrderId reads an id's first and last 8 characters and its length.
  const id = (i: number) => `aaaaaaaa${String(i).padStart(20, "0")}zzzzzzzz`;
  assert.equal(hashOrderId(id(1)), hashOrderId(id(2)));
  const book = new OrderBook();
  for (let i = 0; i < 300; i++) book.insert(o(id(i), i + 1));
  for (let i = 0; i < 300; i += 2) assert.equal(book.remove(id(i))?.id, id(i));
  for (let i = 0; i < 320; i++) {
    assert.equal(book.has(id(i)), i % 2 === 1 && i < 300, id(i));
    if (i % 2 === 1 && i < 300) assert.equal(book.get(id(i))?.seq, i + 1);
  }
  assert.throws(() => book.insert(o(id(7), 999)), /already/);
  book.insert(o(id(8), 1000));
  assert.equal(book.get(id(8))?.seq, 1000);
  assert.equal(book.size, 151);
});

Deno.test("order book: seq order within a level is kept for out-of-order inserts (level and per-location lists)", () => {
  const book = new OrderBook();
  const seqs = [5, 2, 9, 1, 7, 3];
  seqs.forEach((s, i) =>
    book.insert({
      ...o(`x${s}`, s, i % 2 ? "BKK-01-SUB002" : "BKK-01-SUB001"),
      priceSatangPerKwh: 50,
    })
  );
  assert.deepEqual(book.list("sell").map((x) => x.seq), [1, 2, 3, 5, 7, 9]);
  book.remove("x3");
  book.remove("x1");
  assert.deepEqual(book.list("sell").map((x) => x.seq), [2, 5, 7, 9]);
  assert.deepEqual(book.depth("sell", 1), [{ priceSatangPerKwh: 50, amountWh: 400, orders: 4 }]);
});

Deno.test("order book: id index, expiry heap and reused price levels agree with a plain model under churn", () => {
  // Enough orders to grow the id index several times; removals by id, by
  // expiry and by emptying levels; levels dropped and reused at other prices.
  let rng = 7;
  const next = (n: number) => {
    rng = (Math.imul(rng, 1103515245) + 12345) >>> 0;
    return (rng >>> 8) % n;
  };
  const book = new OrderBook();
  const model = new Map<string, Order>();
  let seq = 0;
  for (let round = 0; round < 40; round++) {
    for (let i = 0; i < 150; i++) {
      seq++;
      const side = next(2) ? "buy" : "sell";
      const order: Order = {
        ...o(next(3) ? `id-${seq}` : `${seq}`.padStart(64, "0"), seq),
        side,
        priceSatangPerKwh: side === "buy" ? 40 + next(20) : 60 + next(20),
        expiresAtMs: 1_000 + next(400) * 10,
      };
      book.insert({ ...order });
      model.set(order.id, order);
    }
    const ids = [...model.keys()];
    for (let i = 0; i < 100 && ids.length > 0; i++) {
      const id = ids.splice(next(ids.length), 1)[0]!;
      assert.equal(book.remove(id)?.id, id);
      model.delete(id);
    }
    const now = 1_000 + round * 50;
    const expired = book.popExpired(now).map((x) => x.id);
    const want = [...model.values()]
      .filter((x) => x.expiresAtMs <= now)
      .sort((a, b) => a.expiresAtMs - b.expiresAtMs || a.seq - b.seq)
      .map((x) => x.id);
    assert.deepEqual(expired, want);
    for (const id of want) model.delete(id);
    assert.equal(book.size, model.size);
    for (const id of ids.slice(0, 50)) assert.equal(book.has(id), model.has(id));
    assert.deepEqual(book.snapshot(), [...model.values()].sort((a, b) => a.seq - b.seq));
    for (const side of ["buy", "sell"] as const) {
      const rest = [...model.values()].filter((x) => x.side === side);
      const prices = [...new Set(rest.map((x) => x.priceSatangPerKwh))]
        .sort((a, b) => side === "buy" ? b - a : a - b);
      const depth = prices.map((p) => {
        const at = rest.filter((x) => x.priceSatangPerKwh === p);
        const amountWh = at.reduce((s, x) => s + x.remainingWh, 0);
        return { priceSatangPerKwh: p, amountWh, orders: at.length };
      });
      assert.deepEqual(book.depth(side, 1_000), depth);
      const order = side === "buy"
        ? (a: Order, b: Order) => b.priceSatangPerKwh - a.priceSatangPerKwh || a.seq - b.seq
        : (a: Order, b: Order) => a.priceSatangPerKwh - b.priceSatangPerKwh || a.seq - b.seq;
      assert.deepEqual(book.list(side), rest.sort(order));
    }
  }
});
