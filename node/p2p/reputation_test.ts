import assert from "node:assert/strict";
import { ReputationBook } from "./reputation.ts";

const PEER = "12D3KooWpeer";
const T0 = 1_000_000;

Deno.test("two invalid signatures in quick succession ban the peer", () => {
  const book = new ReputationBook({ banMs: 60_000 });
  const first = book.penalise(PEER, "invalid_signature", T0);
  assert.equal(first.banned, false);
  assert.equal(first.score, -60);
  const second = book.penalise(PEER, "invalid_signature", T0 + 1_000);
  assert.equal(second.banned, true);
  assert.equal(second.bannedUntilMs, T0 + 61_000);
  assert.equal(book.isBanned(PEER, T0 + 60_999), true);
  assert.equal(book.isBanned(PEER, T0 + 61_000), false);
  // Further offences during the ban do not extend or re-announce it.
  const during = book.penalise(PEER, "malformed", T0 + 2_000);
  assert.equal(during.banned, false);
  assert.equal(during.bannedUntilMs, T0 + 61_000);
});

Deno.test("score decays toward 0 with the configured half-life", () => {
  const book = new ReputationBook({ decayHalfLifeMs: 10_000 });
  book.penalise(PEER, "invalid_payload", T0);
  assert.equal(book.getScore(PEER, T0), -20);
  assert.equal(book.getScore(PEER, T0 + 10_000), -10);
  assert.equal(book.getScore(PEER, T0 + 20_000), -5);
  // Spread-out offences never reach the threshold.
  for (let i = 1; i <= 50; i++) book.penalise(PEER, "invalid_payload", T0 + i * 60_000);
  assert.equal(book.isBanned(PEER, T0 + 50 * 60_000), false);
});

Deno.test("token bucket allows the burst then the sustained rate", () => {
  const book = new ReputationBook({ rateLimitPerSecond: 10, rateBurst: 20 });
  let allowed = 0;
  for (let i = 0; i < 100; i++) if (book.takeToken(PEER, T0)) allowed++;
  assert.equal(allowed, 20);
  assert.equal(book.takeToken(PEER, T0 + 99), false);
  assert.equal(book.takeToken(PEER, T0 + 100), true); // 1 token per 100 ms
  let later = 0;
  for (let i = 0; i < 100; i++) if (book.takeToken(PEER, T0 + 1_100)) later++;
  assert.equal(later, 10);
});

Deno.test("sustained flood leads to a ban", () => {
  const book = new ReputationBook();
  let banned = false;
  for (let i = 0; i < 60 && !banned; i++) banned = book.penalise(PEER, "flood", T0 + i).banned;
  assert.equal(banned, true);
});

Deno.test("listStandings and prune keep only relevant peers", () => {
  const book = new ReputationBook({ decayHalfLifeMs: 1_000, banMs: 5_000 });
  book.penalise("a", "bad_request", T0);
  book.penalise("b", "invalid_signature", T0);
  book.penalise("b", "invalid_signature", T0);
  book.takeToken("c", T0);
  assert.deepEqual(book.listStandings(T0).map((s) => s.peerId).sort(), ["a", "b"]);
  book.prune(T0 + 20_000);
  assert.deepEqual(book.listStandings(T0 + 20_000), []);
  assert.equal(book.getScore("a", T0 + 20_000), 0);
});

Deno.test("named buckets are independent and take counts", () => {
  const book = new ReputationBook({
    rateLimitPerSecond: 1,
    rateBurst: 1,
    txItems: { perSecond: 1_000, burst: 2_000 },
  });
  assert.equal(book.takeToken(PEER, T0), true);
  assert.equal(book.takeToken(PEER, T0), false, "messages bucket empty");
  assert.equal(book.takeToken(PEER, T0, "tx_items", 1_500), true, "tx_items bucket untouched");
  assert.equal(book.takeToken(PEER, T0, "tx_items", 600), false, "500 left");
  assert.equal(book.takeToken(PEER, T0, "tx_items", 500), true, "a refused take takes nothing");
  assert.equal(book.takeToken(PEER, T0 + 100, "tx_items", 100), true, "refilled 100 in 100 ms");
  assert.equal(book.takeToken(PEER, T0 + 100, "tx_items", 1), false);
  assert.equal(
    book.takeToken(PEER, T0, "tx_items", 2_001),
    false,
    "more than the burst never passes",
  );
});

Deno.test("defaults: honest tx load fits, a useless-batch flood is penalised", () => {
  const book = new ReputationBook();
  // 2,500 tx/s in 100 batches/s for 60 s from one peer: never over budget.
  for (let ms = 0; ms < 60_000; ms += 10) {
    assert.equal(book.takeToken(PEER, T0 + ms, "tx_messages"), true);
    assert.equal(book.takeToken(PEER, T0 + ms, "tx_items", 25), true);
  }
  // 1,000 batches with nothing new within one second: over the budget -> floods -> ban.
  let banned = false;
  for (let i = 0; i < 1_000 && !banned; i++) {
    if (!book.takeToken(PEER, T0 + 70_000 + i, "tx_useless")) {
      banned = book.penalise(PEER, "flood", T0 + 70_000 + i).banned;
    }
  }
  assert.equal(banned, true);
});
