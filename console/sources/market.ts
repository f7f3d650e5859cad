/** Console data of the energy market and the grid, from the node's market views. */
import { addConsoleSource } from "../data.ts";
import {
  computeDepth,
  computeGridStatusView,
  readRecentTrades,
} from "../../node/runtime/market_views.ts";

addConsoleSource((node) => ({
  getGridStatus() {
    return Promise.resolve(computeGridStatusView(node));
  },
  getOrderBook(levels: number) {
    return Promise.resolve({
      bids: computeDepth(node, "buy", levels),
      asks: computeDepth(node, "sell", levels),
      openOrders: node.market.orders.size,
    });
  },
  async getTrades(limit: number) {
    return (await readRecentTrades(node, limit)).map((r) => r.value);
  },
}));
