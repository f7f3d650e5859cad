/**
 * Signature-verification worker: answers each {@link VerifyRequest} with a
 * {@link VerifyResult} and each {@link ParseVerifyRequest} with a
 * {@link ParseVerifyResult}. Started by workers/verify_pool.ts. After
 * 200 ms without a job it compacts its heap ({@link IdleCompactor}: gives
 * back the young generation that sustained load grew).
 */
/// <reference lib="deno.worker" />
import { IdleCompactor } from "../node/runtime/heap_collector.ts";
import {
  handleParseVerifyRequest,
  handleVerifyRequest,
  type ParseVerifyRequest,
  type VerifyRequest,
} from "./verify_protocol.ts";

const idle = new IdleCompactor();

self.onmessage = async (event: MessageEvent<VerifyRequest | ParseVerifyRequest>) => {
  idle.start();
  try {
    if (event.data.type === "parse_verify") {
      const { result, transfer } = await handleParseVerifyRequest(event.data);
      self.postMessage(result, { transfer });
      return;
    }
    const result = await handleVerifyRequest(event.data);
    const transfer = result.type === "verified" ? [result.valid.buffer] : [];
    self.postMessage(result, { transfer });
  } finally {
    idle.done();
  }
};
