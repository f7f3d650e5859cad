/** Metrics of the signature-verification worker pool (workers/verify_pool.ts). */
import { client, type Registry } from "./registry.ts";

/** Creates the verify-pool metrics on `registry`. */
export function createVerifyMetrics(registry: Registry) {
  const registers = [registry];
  return {
    batchItems: new client.Histogram({
      name: "gridtokenx_verify_batch_items",
      help: "Signatures per job sent to a verify worker",
      buckets: [1, 4, 16, 32, 64, 128, 256, 512, 1024],
      registers,
    }),
    jobSeconds: new client.Histogram({
      name: "gridtokenx_verify_job_seconds",
      help: "Time from sending a verify job to a worker to its result",
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
      registers,
    }),
    queueDepth: new client.Gauge({
      name: "gridtokenx_verify_queue_items",
      help: "Signatures buffered, waiting for a verify worker",
      registers,
    }),
    jobsInFlight: new client.Gauge({
      name: "gridtokenx_verify_jobs_in_flight",
      help: "Verify jobs sent to workers and not yet answered",
      registers,
    }),
    signatures: new client.Counter({
      name: "gridtokenx_verify_signatures_total",
      help: "Signatures checked by the verify pool, by result",
      labelNames: ["result"] as const,
      registers,
    }),
    workerRestarts: new client.Counter({
      name: "gridtokenx_verify_worker_restarts_total",
      help: "Verify workers replaced after a crash",
      registers,
    }),
  };
}

/** The verify-pool metrics. */
export type VerifyMetrics = ReturnType<typeof createVerifyMetrics>;
