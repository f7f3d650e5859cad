/**
 * Web Worker running the matcher off the main thread. Start with
 * `new Worker(new URL("./match_worker.ts", import.meta.url).href, { type: "module" })`;
 * speaks {@link MatchWorkerRequest} / {@link MatchWorkerResponse}.
 *
 * After answering a `load`, `match` or `rollback` it collects garbage while idle (see
 * match_idle_gc.ts; needs `--v8-flags=--expose-gc`, else V8 collects when it
 * decides, possibly during the next match).
 */
/// <reference lib="deno.worker" />
import {
  getResponseTransferables,
  MatchSession,
  type MatchWorkerRequest,
  type MatchWorkerResponse,
} from "./match_protocol.ts";
import { IdleCollector } from "./match_idle_gc.ts";

const session = new MatchSession();
const collector = new IdleCollector();
let collectionQueued = false;

self.onmessage = (e: MessageEvent<MatchWorkerRequest>) => {
  const res: MatchWorkerResponse = session.handle(e.data);
  self.postMessage(res, getResponseTransferables(res));
  // In a later task: the response is on its way and the request and result are garbage.
  if (
    collector.enabled && !collectionQueued &&
    (res.type === "matched" || res.type === "loaded" || res.type === "rolledBack")
  ) {
    collectionQueued = true;
    setTimeout(() => {
      collectionQueued = false;
      collector.collect();
    }, 0);
  }
};
