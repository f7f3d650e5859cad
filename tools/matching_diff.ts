// deno-lint-ignore-file no-explicit-any -- two source trees' market modules, loaded by path at run time
/**
 * Differential check of the matcher: tree A's and tree B's `matchBlock` on
 * the same random block streams (random topologies and capacities, halts,
 * re-matches, cancels, duplicates, bad orders, equal seqs and prices, scan
 * limits, book rebuilds), comparing every result (trades, removals,
 * rejections, grid flows), the books and grids after each block, replicas
 * fed `applyMatchResult`, and books rebuilt from snapshots. Use it before
 * landing any change to node/market's book or matcher: a change that only
 * makes matching faster must leave every stream identical.
 *
 * Orders with equal seqs never occur in a chain's book (seqs are unique), and
 * there two implementations may legitimately differ in the order of equal
 * items. `--unique-seqs` generates none, and then everything must match
 * exactly; the default streams include them, and `--ties-as-sets` compares
 * only those items as sets (expiries of equal expiry and seq, snapshot
 * entries of equal seq; rebuilt books both start from A's snapshot). `--reserve` also calls B's `reserveForBlock` (the
 * match worker's idle step) at random between blocks, which implies
 * `--ties-as-sets`.
 *
 * Usage (a tree to compare with, e.g. the last commit):
 *   git archive HEAD | (mkdir -p /tmp/base && tar -x -C /tmp/base)
 *   deno run -A tools/matching_diff.ts --a /tmp/base [--b .] [--seed 1] [--streams 1000] \
 *     [--big] [--unique-seqs | --ties-as-sets] [--reserve]
 * Prints one line and exits 0 when every stream agrees; exits 1 at the first difference (the
 * two results are written to $TMPDIR/matching_diff_{a,b}.json).
 */
import { parseArgs } from "node:util";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const { values: flags } = parseArgs({
  args: Deno.args,
  options: {
    a: { type: "string" },
    b: { type: "string", default: "." },
    seed: { type: "string", default: "1" },
    streams: { type: "string", default: "1000" },
    big: { type: "boolean", default: false },
    "unique-seqs": { type: "boolean", default: false },
    "ties-as-sets": { type: "boolean", default: false },
    reserve: { type: "boolean", default: false },
  },
});
if (!flags.a) {
  console.error(
    "Usage: deno run -A tools/matching_diff.ts --a DIR [--b DIR] [--seed N] [--streams N] [--big] [--unique-seqs | --ties-as-sets] [--reserve]",
  );
  Deno.exit(2);
}
const rootOf = (dir: string) => pathToFileURL(resolve(dir) + "/").href;
const O: any = await import(`${rootOf(flags.a)}node/market/mod.ts`);
const N: any = await import(`${rootOf(flags.b)}node/market/mod.ts`);
const { BOOK_CORE: NBC } = await import(`${rootOf(flags.b)}node/market/book_core.ts`);
const seed0 = Number(flags.seed);
const streams = Number(flags.streams);
const big = flags.big;
const PREP = flags.reserve;
const NOTIES = flags["unique-seqs"];
const TIES = flags["ties-as-sets"] || PREP;
const failDir = Deno.env.get("TMPDIR") ?? "/tmp";
/** Snapshots with equal-seq entries compared as sets (see the module comment). */
const snapOf = (b: any) =>
  TIES
    ? b.snapshot().sort((x: any, y: any) =>
      x.seq - y.seq || (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1)
    )
    : b.snapshot();

let rng = seed0 >>> 0;
function rnd(n: number): number {
  rng ^= rng << 13;
  rng >>>= 0;
  rng ^= rng >>> 17;
  rng ^= rng << 5;
  rng >>>= 0;
  return rng % n;
}
const SOURCES = ["solar", "wind", "hydro", "biomass", "geothermal"] as const;
const base = O.DEFAULT_GRID_TOPOLOGY;

function topology(kind: number) {
  const t = structuredClone(base) as any;
  if (kind === 0) return t; // default
  if (kind === 1) { // ample
    t.substations.forEach((s: any) => s.capacityKw = 10_000_000);
    t.links.forEach((l: any) => l.capacityKw = 10_000_000);
    return t;
  }
  if (kind === 2 || kind === 4) { // tiny capacities: fills cut, substations/links fill fast
    t.substations.forEach((s: any) => s.capacityKw = 1 + rnd(kind === 4 ? 3000 : 60));
    t.links.forEach((l: any) => l.capacityKw = rnd(4) === 0 ? 0 : 1 + rnd(kind === 4 ? 2000 : 40));
    return t;
  }
  // kind 3: some links removed (unconnected zones), mixed capacities
  t.links = t.links.filter(() => rnd(3) !== 0);
  t.substations.forEach((s: any) => s.capacityKw = rnd(2) ? 5 + rnd(200) : 10_000_000);
  t.links.forEach((l: any) => l.capacityKw = 1 + rnd(300));
  return t;
}

function hex(n: number) {
  return n.toString(16).padStart(8, "0");
}

function runStream(
  si: number,
): {
  blocks: number;
  trades: number;
  rejects: number;
  removals: number;
  throws: number;
  pending: number;
} {
  const topoKind = rnd(5);
  const topo = topology(topoKind);
  const locs: string[] = topo.substations.map((s: any) => s.id);
  const nOwners = 2 + rnd(8);
  const params: any = structuredClone(O.DEFAULT_MARKET_PARAMS);
  const scanChoices = [1, 2, 3, 5, 10, 40, 256];
  params.maxScanPerOrder = scanChoices[rnd(scanChoices.length)];
  if (rnd(3) === 0) params.intervalMs = [60_000, 300_000, 900_000][rnd(3)];
  const bookO = new O.OrderBook(), bookN = new N.OrderBook();
  const gridO = new O.GridState(topo), gridN = new N.GridState(topo);
  const repO = new O.OrderBook(), repN = new N.OrderBook();
  const repGO = new O.GridState(topo), repGN = new N.GridState(topo);
  let ts = Date.UTC(2026, 0, 15, rnd(24), rnd(60), 0);
  let seq = 0, lastSeq = 0, prevSide = "", prevPrice = 0;
  const past: { seq: number; side: string; price: number }[] = [];
  const ids: { id: string; owner: string }[] = [];
  const nBlocks = big ? 8 + rnd(8) : 3 + rnd(15);
  const opsPerBlock = big ? 500 + rnd(3000) : 1 + rnd(60);
  const priceBase = 4000 + rnd(2000);
  const spread = 1 + rnd(big ? 60 : 20);
  const st = { blocks: 0, trades: 0, rejects: 0, removals: 0, throws: 0, pending: 0 };
  for (let h = 1; h <= nBlocks; h++) {
    ts += [0, 1, 1000, 60_000, 300_000, 900_000][rnd(6)]!;
    const ops: any[] = [];
    const n = rnd(opsPerBlock + 1);
    for (let k = 0; k < n; k++) {
      const r = rnd(100);
      if (r < 12 && ids.length > 0) {
        const t = ids[rnd(ids.length)]!;
        ops.push({
          type: "cancel",
          orderId: rnd(20) === 0 ? "nope" + rnd(5) : t.id,
          owner: rnd(8) === 0 ? "o" + rnd(nOwners) : t.owner,
        });
        continue;
      }
      const oldTie = rnd(10) === 0 && past.length > 0 ? past[rnd(past.length)]! : null;
      const tie = oldTie === null && rnd(6) === 0 && prevSide !== "";
      const side = oldTie ? oldTie.side : tie ? prevSide : rnd(2) ? "buy" : "sell";
      const amountWh = [100, 500, 1000, 1000, 2500, 7000, 100_000][rnd(7)]! +
        (rnd(3) === 0 ? rnd(900) : 0);
      const price = oldTie
        ? oldTie.price
        : tie
        ? prevPrice
        : priceBase + (side === "buy" ? -(spread >> 1) : spread >> 1) +
          (rnd(2 * spread + 1) - spread);
      let location = locs[rnd(locs.length)]!;
      const lr = rnd(200);
      if (lr === 0) location = "XYZ-09-SUB009";
      else if (lr === 1) location = "bad";
      const owner = "o" + rnd(nOwners);
      let id = hex(si) + hex(++seq);
      if (rnd(40) === 0 && ids.length > 0) id = ids[rnd(ids.length)]!.id; // duplicate
      const source = side === "sell"
        ? SOURCES[rnd(SOURCES.length)]
        : (rnd(3) === 0 ? SOURCES[rnd(2)] : null);
      const o = O.createOrder(
        {
          id,
          owner,
          side: side as any,
          amountWh,
          priceSatangPerKwh: Math.max(1, price),
          source: source as any,
          location,
          expiresAtMs: ts + [0, 1, 500, 60_000, 600_000, 3_600_000, 86_400_000][rnd(7)]!,
        },
        NOTIES
          ? (rnd(30), seq * 2)
          : rnd(30) === 0
          ? Math.max(0, seq - rnd(50))
          : oldTie
          ? oldTie.seq
          : tie
          ? lastSeq
          : (lastSeq = seq * 2),
        params,
      );
      prevSide = side;
      prevPrice = o.priceSatangPerKwh;
      past.push({ seq: o.seq, side, price: o.priceSatangPerKwh });
      if (rnd(8) === 0) o.remainingWh = 1 + rnd(o.amountWh);
      if (side === "buy" && rnd(6) === 0) o.lockedSatang = rnd(o.lockedSatang + 1);
      if (rnd(300) === 0) (o as any).amountWh = -1;
      ids.push({ id, owner });
      ops.push({ type: "place", order: o });
    }
    const halted: string[] = [];
    if (rnd(6) === 0) halted.push(["BKK-02", "CNX", "BKK-01-SUB002", "KKN-01-SUB001"][rnd(4)]!);
    const ctx: any = {
      height: h,
      timestampMs: ts,
      params,
      haltedLocations: halted,
      rematch: rnd(5) === 0,
    };
    if (rnd(10) === 0) {
      ctx.params = { ...params, maxScanPerOrder: scanChoices[rnd(scanChoices.length)] };
    }
    const both = matchBoth(`stream ${si} block ${h}`, bookO, gridO, bookN, gridN, ops, ctx);
    if (both === null) {
      st.throws++;
      return st;
    }
    const { rO, rN } = both;
    st.blocks++;
    st.trades += rO.trades.length;
    st.rejects += rO.rejected.length;
    st.removals += rO.removed.length;
    if (rO.rematchPending) st.pending++;
    const state = (book: any, grid: any) =>
      JSON.stringify([
        book.size,
        snapOf(book),
        book.list("buy"),
        book.list("sell"),
        book.depth("buy", 1000),
        book.depth("sell", 1000),
        book.best("buy") ?? null,
        book.best("sell") ?? null,
        grid.snapshot(),
        grid.getCongestion(),
        ids.slice(-30).map((x) => [book.has(x.id), book.get(x.id) ?? null]),
      ]);
    const sO = state(bookO, gridO), sN = state(bookN, gridN);
    if (sO !== sN) {
      const A = JSON.parse(sO), B = JSON.parse(sN);
      const diffs = A.map((x: any, i: number) =>
        JSON.stringify(x) === JSON.stringify(B[i]) ? null : i
      ).filter((i: any) => i !== null);
      const snap = bookN.snapshot();
      const seqs = snap.map((o: any) => o.seq);
      const dup = seqs.length !== new Set(seqs).size;
      const sortKey = (o: any) => JSON.stringify(o);
      const sameSet =
        JSON.stringify(A[1].map(sortKey).sort()) === JSON.stringify(B[1].map(sortKey).sort());
      throw new Error(
        `stream ${si} block ${h}: book/grid state differs: components ${diffs} dupSeqs ${dup} sameSnapshotSet ${sameSet}`,
      );
    }
    // Replicas through applyMatchResult.
    O.applyMatchResult(repO, repGO, structuredClone(rO));
    N.applyMatchResult(repN, repGN, structuredClone(rN));
    if (state(repO, repGO) !== state(repN, repGN)) {
      throw new Error(`stream ${si} block ${h}: replica differs`);
    }
    // Sometimes rebuild both books from their snapshots (fromOrders), as a restart does.
    if (rnd(6) === 0) {
      // With --ties-as-sets both rebuild from A's snapshot: its order among equal seqs is one of several.
      const snapO = bookO.snapshot(), snapN = TIES ? structuredClone(snapO) : bookN.snapshot();
      if (rnd(3) === 0 && snapO.length > 0) {
        // A book of bad data: one resting order at a location the grid does not know.
        const i = rnd(snapO.length);
        snapO[i]!.location = "XYZ-09-SUB009";
        snapN[i]!.location = "XYZ-09-SUB009";
      }
      const nb = N.OrderBook.fromOrders(snapN);
      const ob = O.OrderBook.fromOrders(snapO);
      if (state(ob, gridO) !== state(nb, gridN)) {
        throw new Error(`stream ${si} block ${h}: rebuild differs`);
      }
      // Continue on the rebuilt books.
      return continueWith(si, st, ob, nb, gridO, gridN, h, nBlocks, ts, params, ids, seq, ops);
    }
  }
  return st;
}
// Simple continuation after rebuild: run the remaining blocks with cancels + re-match only on the rebuilt books.
function continueWith(
  si: number,
  st: any,
  bookO: any,
  bookN: any,
  gridO: any,
  gridN: any,
  h0: number,
  nBlocks: number,
  ts: number,
  params: any,
  ids: any[],
  _seq: number,
  lastOps: any[],
) {
  for (let h = h0 + 1; h <= Math.min(nBlocks, h0 + 3); h++) {
    ts += 1000;
    const ops = lastOps.filter(() => rnd(2) === 0).map((op: any) =>
      op.type === "place"
        ? {
          ...op,
          order: { ...op.order, id: op.order.id + "r" + h, seq: op.order.seq + 1_000_000 * h },
        }
        : op
    );
    for (let k = 0; k < 5 && ids.length; k++) {
      const t = ids[rnd(ids.length)];
      ops.push({ type: "cancel", orderId: t.id, owner: t.owner });
    }
    const ctx: any = { height: h, timestampMs: ts, params, rematch: true };
    const both = matchBoth(
      `stream ${si} block ${h} (rebuilt)`,
      bookO,
      gridO,
      bookN,
      gridN,
      ops,
      ctx,
    );
    if (both === null) {
      st.throws++;
      return st;
    }
    const { rO } = both;
    if (
      JSON.stringify([snapOf(bookO), bookO.list("buy"), bookO.list("sell"), gridO.snapshot()]) !==
        JSON.stringify([snapOf(bookN), bookN.list("buy"), bookN.list("sell"), gridN.snapshot()])
    ) throw new Error(`stream ${si} block ${h} (rebuilt): state differs`);
    st.blocks++;
    st.trades += rO.trades.length;
  }
  return st;
}

/**
 * Tree A's and tree B's `matchBlock` on the same block (with `--reserve`, B's
 * idle step at random in between). Throws when they throw differently or
 * give different results (expiries of equal expiry and seq compared as sets
 * with `--ties-as-sets`; both results are then written to `failDir`). Null
 * when both threw the same error.
 */
function matchBoth(
  where: string,
  bookO: any,
  gridO: any,
  bookN: any,
  gridN: any,
  ops: any[],
  ctx: any,
): { rO: any; rN: any } | null {
  // Expiry keys of the orders resting before the block, for --ties-as-sets.
  const keyOf = new Map<string, string>();
  if (TIES) { for (const o of bookO.snapshot()) keyOf.set(o.id, o.expiresAtMs + ":" + o.seq); }
  let rO: any, rN: any, eO: string | null = null, eN: string | null = null;
  try {
    rO = O.matchBlock(bookO, gridO, structuredClone(ops), ctx);
  } catch (e) {
    eO = String(e);
  }
  if (PREP && rnd(2) === 0) bookN[NBC].reserveForBlock(rnd(3) === 0 ? rnd(5000) : rnd(40));
  try {
    rN = N.matchBlock(bookN, gridN, structuredClone(ops), ctx);
  } catch (e) {
    eN = String(e);
  }
  if (eO !== eN) throw new Error(`${where}: throw differs: ${eO} vs ${eN}`);
  if (eO !== null) return null;
  if (TIES) {
    sortExpiryTies(rO, keyOf);
    sortExpiryTies(rN, keyOf);
  }
  const a = JSON.stringify(rO), b = JSON.stringify(rN);
  if (a !== b) {
    Deno.writeTextFileSync(join(failDir, "matching_diff_a.json"), a);
    Deno.writeTextFileSync(join(failDir, "matching_diff_b.json"), b);
    throw new Error(`${where}: result differs`);
  }
  return { rO, rN };
}

/**
 * Expiries of equal (expiresAtMs, seq) may come out in another order (heap
 * shape): sort the result's leading expiries by id within such ties only.
 */
function sortExpiryTies(r: any, keyOf: Map<string, string>): void {
  const rm = r.removed;
  let i = 0;
  while (i < rm.length && rm[i].reason === "expired") {
    let j = i + 1;
    const k = keyOf.get(rm[i].orderId);
    while (j < rm.length && rm[j].reason === "expired" && keyOf.get(rm[j].orderId) === k) j++;
    const run = rm.slice(i, j).sort((x: any, y: any) =>
      x.orderId < y.orderId ? -1 : x.orderId > y.orderId ? 1 : 0
    );
    rm.splice(i, j - i, ...run);
    i = j;
  }
}

const tot = { blocks: 0, trades: 0, rejects: 0, removals: 0, throws: 0, pending: 0 };
const t0 = performance.now();
for (let s = 0; s < streams; s++) {
  const st = runStream(seed0 * 1_000_000 + s);
  for (const k of Object.keys(tot) as (keyof typeof tot)[]) tot[k] += st[k];
}
console.log(
  `seed ${seed0} streams ${streams}${big ? " big" : ""}${NOTIES ? " unique-seqs" : ""}${
    TIES ? " ties-as-sets" : ""
  }: identical. ${JSON.stringify(tot)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
);
