/**
 * Prometheus metrics. One registry per node (tests run several nodes in one
 * process); each subsystem defines its metrics in its own file and takes the
 * registry here. Names follow Prometheus conventions: `gridtokenx_` prefix,
 * base units in the name, `_total` for counters.
 */
import client from "prom-client";

export type Registry = client.Registry;

export function createRegistry(): Registry {
  return new client.Registry();
}

export { client };
