/**
 * Web Worker running the matcher off the main thread. Start with
 * `new Worker(new URL("./match_worker.ts", import.meta.url).href, { type: "module" })`;
 * speaks {@link MatchWorkerRequest} / {@link MatchWorkerResponse}.
 */
/// <reference lib="deno.worker" />
import {
  MatchSession,
  type MatchWorkerRequest,
  type MatchWorkerResponse,
} from "./match_protocol.ts";

const session = new MatchSession();

self.onmessage = (e: MessageEvent<MatchWorkerRequest>) => {
  const res: MatchWorkerResponse = session.handle(e.data);
  self.postMessage(res);
};
