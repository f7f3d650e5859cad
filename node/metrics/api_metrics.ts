/** Metrics of the HTTP server. */
import { client, type Registry } from "./registry.ts";

export function createApiMetrics(registry: Registry) {
  return {
    requestSeconds: new client.Histogram({
      name: "gridtokenx_http_request_duration_seconds",
      help: "HTTP request duration by route and status",
      labelNames: ["method", "route", "status"] as const,
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers: [registry],
    }),
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;
