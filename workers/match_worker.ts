/**
 * Web Worker running the matcher off the main thread. Start with
 * `new Worker(new URL("./match_worker.ts", import.meta.url).href, { type: "module" })`;
 * speaks {@link MatchWorkerRequest} / {@link MatchWorkerResponse}.
 *
 * After answering a `load`, `match` or `rollback`, while idle, it grows the
 * replica's indexes for the next block and drops what fills left in them
 * (`MatchSession.prepareForNextBlock`) and collects garbage (see match_idle_gc.ts; needs `--v8-flags=--expose-gc`,
 * else V8 collects when it decides, possibly during the next match).
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
let idleWorkQueued = false;

self.onmessage = (e: MessageEvent<MatchWorkerRequest>) => {
  const res: MatchWorkerResponse = session.handle(e.data);
  self.postMessage(res, getResponseTransferables(res));
  // In a later task: the response is on its way and the request and result are garbage.
  if (
    !idleWorkQueued &&
    (res.type === "matched" || res.type === "loaded" || res.type === "rolledBack")
  ) {
    idleWorkQueued = true;
    setTimeout(() => {
      idleWorkQueued = false;
      // First: what growing the book's index leaves behind is collected below.
      session.prepareForNextBlock();
      collector.collect();
    }, 0);
  }
};
