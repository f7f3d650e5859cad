/**
 * The HTTP application: REST API under /api/v1, Prometheus /metrics. One
 * error handler turns every failure into the JSON error body.
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { GridNode } from "../runtime/grid_node.ts";
import { createApiMetrics } from "../metrics/api_metrics.ts";
import { registerChainRoutes } from "./chain_routes.ts";
import { ApiError, toErrorResponse } from "./errors.ts";
import { installApiHardening } from "./middleware/hardening.ts";

export interface AppOptions {
  maxBodyBytes: number;
}

export type RouteRegistrar = (app: Hono, node: GridNode) => void;

/** Routes other modules add (market, governance, console) before the catch-all. */
const extraRegistrars: RouteRegistrar[] = [];
export function addRoutes(registrar: RouteRegistrar): void {
  if (!extraRegistrars.includes(registrar)) extraRegistrars.push(registrar);
}

export function createApp(node: GridNode, opts: AppOptions): Hono {
  const app = new Hono();
  const metrics = createApiMetrics(node.registry);

  app.use("*", async (c, next) => {
    const end = metrics.requestSeconds.startTimer();
    await next();
    c.header("X-Content-Type-Options", "nosniff");
    end({ method: c.req.method, route: c.req.routePath, status: String(c.res.status) });
  });
  installApiHardening(app, node.config.api);

  app.use(
    "/api/*",
    bodyLimit({
      maxSize: opts.maxBodyBytes,
      onError: () => {
        throw new ApiError(
          "BODY_TOO_LARGE",
          `Request body is over the ${opts.maxBodyBytes} byte limit`,
        );
      },
    }),
  );

  app.get("/metrics", async (c) => {
    c.header("Content-Type", node.registry.contentType);
    return c.body(await node.registry.metrics());
  });

  registerChainRoutes(app, node);
  for (const register of extraRegistrars) register(app, node);

  app.notFound((c) => {
    const { status, body } = toErrorResponse(
      new ApiError("NOT_FOUND", `No route ${c.req.method} ${new URL(c.req.url).pathname}`),
    );
    return c.json(body, status as 404);
  });

  app.onError((e, c) => {
    const { status, body } = toErrorResponse(e);
    if (status >= 500) node.log.error("api.error", { path: c.req.path, error: String(e) });
    return c.json(body, status as 400);
  });

  return app;
}
