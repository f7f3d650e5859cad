/**
 * Signature-verification worker: answers each {@link VerifyRequest} with a
 * {@link VerifyResult}. Started by workers/verify_pool.ts.
 */
/// <reference lib="deno.worker" />
import { handleVerifyRequest, type VerifyRequest } from "./verify_protocol.ts";

self.onmessage = async (event: MessageEvent<VerifyRequest>) => {
  const result = await handleVerifyRequest(event.data);
  const transfer = result.type === "verified" ? [result.valid.buffer] : [];
  self.postMessage(result, { transfer });
};
