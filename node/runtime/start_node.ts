/** Starts a node with its HTTP server and wires graceful shutdown. */
import { createApp } from "../api/app.ts";
import { type HttpServer, startHttpServer } from "../api/server.ts";
import type { NodeConfig } from "../config/node_config.ts";
import type { Logger } from "../log/logger.ts";
import { createRegistry } from "../metrics/registry.ts";
import { createVerifyMetrics } from "../metrics/verify_metrics.ts";
import { VerifyPool } from "../../workers/verify_pool.ts";
import { verifyChainStore } from "../storage/verify_store.ts";
import { GridNode, type NodeOptions } from "./grid_node.ts";

export interface RunningNode {
  node: GridNode;
  http: HttpServer;
  /** Stops HTTP, finishes the current commit, closes KV. Idempotent. */
  stop(): Promise<void>;
  /** Resolves when the node has stopped (signal or stop()); rejects with a failed stop's error. */
  finished: Promise<void>;
}

export async function startNode(
  cfg: NodeConfig,
  log: Logger,
  opts: NodeOptions & { handleSignals?: boolean } = {},
): Promise<RunningNode> {
  if (cfg.storage.verify_on_start) {
    const t0 = performance.now();
    const report = await verifyChainStore(cfg.storage.kv_path);
    log.info("storage.verified", { ...report, ms: Math.round(performance.now() - t0) });
  }
  // Signatures are checked in a worker pool, never on the main thread.
  const registry = opts.registry ?? createRegistry();
  const verifier = opts.verifier ?? new VerifyPool({ metrics: createVerifyMetrics(registry) });
  let node: GridNode;
  try {
    node = await GridNode.open(cfg, log, { ...opts, registry, verifier });
  } catch (e) {
    verifier.close?.();
    throw e;
  }
  const app = createApp(node, { maxBodyBytes: cfg.api.max_body_bytes });
  const http = await startHttpServer(app, cfg.api.host, cfg.api.port);
  let resolveFinished!: () => void;
  let rejectFinished!: (e: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    resolveFinished = resolve;
    rejectFinished = reject;
  });
  // main.ts awaits `finished` (a failed stop then exits 1 with its error);
  // callers that stop the node themselves get the error from stop().
  finished.catch(() => {});
  let stopping: Promise<void> | null = null;
  let memoryLogTimer: ReturnType<typeof setInterval> | undefined;
  // Work in flight when the node stops (a block being built, a match or
  // signature job) fails with CLOSED errors; whoever started it handles them
  // (the commit protocol keeps the store safe). No process-wide guard: an
  // unhandled rejection is a bug at the place that created the promise.
  const stop = () => {
    if (stopping !== null) return stopping;
    stopping = (async () => {
      try {
        // Long-lived responses (console SSE streams) close on this, so that
        // shutdown does not wait for them.
        node.events.dispatchEvent(new Event("stopping"));
        clearInterval(memoryLogTimer);
        await http.shutdown();
        await node.stop();
      } catch (e) {
        log.error("node.stop_failed", { error: String(e), stack: (e as Error)?.stack ?? "" });
        throw e;
      } finally {
        log.close();
      }
    })();
    stopping.then(resolveFinished, rejectFinished);
    return stopping;
  };
  // Before anything is announced: a SIGTERM right after start-up still stops gracefully.
  if (opts.handleSignals ?? true) {
    const onSignal = (signal: string) => () => {
      log.info("node.signal", { signal });
      // A failed stop reaches main.ts through `finished`.
      stop().catch(() => {});
    };
    Deno.addSignalListener("SIGINT", onSignal("SIGINT"));
    Deno.addSignalListener("SIGTERM", onSignal("SIGTERM"));
  }
  log.info("api.listening", {
    url: `http://${http.hostname}:${http.port}/api/v1/`,
    port: http.port,
  });
  // Debugging memory (tools/loadtest/memory_probe.ts): GTX_MEMORY_LOG_MS=N logs the
  // main isolate's heap, external buffers and RSS every N ms.
  const memLogMs = Number(Deno.env.get("GTX_MEMORY_LOG_MS") ?? 0);
  if (memLogMs > 0) {
    memoryLogTimer = setInterval(() => {
      const m = Deno.memoryUsage();
      log.info("debug.memory", {
        rss_mib: Math.round(m.rss / 1048576),
        heap_total_mib: Math.round(m.heapTotal / 1048576),
        heap_used_mib: Math.round(m.heapUsed / 1048576),
        external_mib: Math.round(m.external / 1048576),
        mempool: node.mempool.size,
        height: node.head.header.height,
      });
    }, memLogMs);
  }
  try {
    await node.start();
  } catch (e) {
    await stop();
    throw e;
  }
  return { node, http, stop, finished };
}
