/// <reference lib="deno.worker" />
/**
 * Mining worker: searches nonces for a seal (see mine_protocol.ts), in
 * chunks, yielding between chunks so cancel messages get through.
 */
import { MAX_NONCE, PowHasher } from "../node/consensus/pow.ts";
import {
  CHUNK_ATTEMPTS,
  type MineMessage,
  type MineResult,
  runMineChunk,
} from "./mine_protocol.ts";

const cancelled = new Set<number>();
let current = 0;

function post(result: MineResult): void {
  self.postMessage(result);
}

const yieldToEvents = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function mine(req: Extract<MineMessage, { type: "mine" }>): Promise<void> {
  current = req.id;
  const hasher = new PowHasher(req.preSealHash);
  let nonce = req.startNonce;
  let attempts = 0;
  while (!cancelled.has(req.id) && current === req.id) {
    const r = runMineChunk(hasher, req.difficulty, nonce, req.stride, CHUNK_ATTEMPTS);
    attempts += r.tried;
    if (r.found !== null) return post({ type: "found", id: req.id, nonce: r.found, attempts });
    if (r.next > MAX_NONCE) return post({ type: "exhausted", id: req.id, attempts });
    nonce = r.next;
    await yieldToEvents();
  }
  cancelled.delete(req.id);
  post({ type: "cancelled", id: req.id, attempts });
}

self.onmessage = (e: MessageEvent<MineMessage>) => {
  const msg = e.data;
  if (msg.type === "cancel") {
    cancelled.add(msg.id);
    return;
  }
  mine(msg).catch((err) => post({ type: "error", id: msg.id, message: String(err) }));
};
