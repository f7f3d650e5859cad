/**
 * Server render time of the console overview with 100,000 blocks in the
 * chain and 10,000 open orders behind the order book source. The overview
 * reads its 20 recent blocks by height, so the chain length must not matter.
 */
import assert from "node:assert/strict";
import type { BlockRecord } from "../node/storage/kv_layout.ts";
import { kvKey } from "../node/storage/kv_layout.ts";
import { OrderBook } from "../node/market/order_book.ts";
import type { Order } from "../node/market/order.ts";
import { addConsoleSource } from "../console/data.ts";
import { startTestNode } from "./helpers/test_node.ts";

const BLOCKS = 100_000;
const ORDERS = 10_000;

function makeOrders(): Order[] {
  return Array.from({ length: ORDERS }, (_, i) => ({
    id: `o${i}`,
    owner: `owner${i % 50}`,
    side: i % 2 === 0 ? "buy" : "sell",
    amountWh: 1_000 + i,
    remainingWh: 1_000 + i,
    priceSatangPerKwh: i % 2 === 0 ? 300 + (i % 100) : 450 + (i % 100),
    source: i % 2 === 0 ? null : "solar",
    location: "BKK-01-SUB001",
    seq: i,
    expiresAtMs: 9_999_999_999_999,
    lockedSatang: 0,
  }));
}

Deno.test({
  name: "console overview renders under 200 ms with 100k blocks and 10k open orders",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dataDir = await Deno.makeTempDir({ prefix: "gtx-console-perf-" });
    const book = OrderBook.fromOrders(makeOrders());
    addConsoleSource((node) =>
      node.config.node.data_dir === dataDir
        ? {
          getOrderBook: (levels) =>
            Promise.resolve({
              bids: book.depth("buy", levels),
              asks: book.depth("sell", levels),
              openOrders: book.size,
            }),
        }
        : {}
    );
    const tn = await startTestNode({ dataDir, blockTimeMs: 3_600_000 });
    try {
      const node = tn.running.node;
      const rec0 = await node.store.getBlockRecord(node.head.header.height);
      assert.ok(rec0);
      const start = node.head.header.height + 1;
      for (let h = start; h <= BLOCKS; h += 500) {
        const op = node.store.kv.atomic();
        for (let k = h; k < Math.min(h + 500, BLOCKS + 1); k++) {
          const header = {
            ...rec0.header,
            height: k,
            timestampMs: rec0.header.timestampMs + k * 2000,
            txCount: k % 7,
          };
          op.set(
            kvKey.block(k),
            { ...rec0, header, hash: k.toString(16).padStart(64, "0") } satisfies BlockRecord,
          );
        }
        await op.commit();
      }
      const last = (await node.store.getBlockRecord(BLOCKS))!;
      node.head = { header: last.header, hash: last.hash };
      const times: number[] = [];
      for (let i = 0; i < 30; i++) {
        const t0 = performance.now();
        const res = await fetch(`${tn.baseUrl}/`);
        const html = await res.text();
        times.push(performance.now() - t0);
        assert.equal(res.status, 200);
        assert.match(html, /100,000/);
        assert.match(html, /10,000/);
      }
      times.sort((a, b) => a - b);
      const median = times[15]!;
      const p95 = times[28]!;
      console.log(
        `overview GET /: median ${median.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, min ${
          times[0]!.toFixed(1)
        } ms`,
      );
      assert.ok(median < 200, `median ${median} ms`);
    } finally {
      await tn.stop();
    }
  },
});
