/** Serves the HTTP application with Deno.serve. */
import type { Hono } from "hono";

export interface HttpServer {
  port: number;
  hostname: string;
  shutdown(): Promise<void>;
}

export function startHttpServer(app: Hono, hostname: string, port: number): Promise<HttpServer> {
  return new Promise((resolve) => {
    const server = Deno.serve({
      hostname,
      port,
      onListen: (addr) => {
        resolve({ port: addr.port, hostname: addr.hostname, shutdown: () => server.shutdown() });
      },
    }, app.fetch);
  });
}
