/** Metrics of the energy market. */
import { client, type Registry } from "./registry.ts";

export function createMarketMetrics(registry: Registry) {
  const registers = [registry];
  return {
    tradesTotal: new client.Counter({
      name: "gridtokenx_energy_trades_total",
      help: "Energy trades settled",
      registers,
    }),
    tradedWh: new client.Counter({
      name: "gridtokenx_energy_traded_wh_total",
      help: "Energy traded, Wh",
      registers,
    }),
    openOrders: new client.Gauge({
      name: "gridtokenx_energy_open_orders",
      help: "Orders resting in the order book, by side",
      labelNames: ["side"] as const,
      registers,
    }),
    matchingSeconds: new client.Histogram({
      name: "gridtokenx_energy_matching_seconds",
      help: "Time to match one block's market operations (in the match worker, round trip)",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers,
    }),
  };
}

export type MarketMetrics = ReturnType<typeof createMarketMetrics>;
