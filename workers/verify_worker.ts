/**
 * Signature-verification worker: answers each {@link VerifyRequest} with a
 * {@link VerifyResult} and each {@link ParseVerifyRequest} with a
 * {@link ParseVerifyResult}. Started by workers/verify_pool.ts.
 */
/// <reference lib="deno.worker" />
import {
  handleParseVerifyRequest,
  handleVerifyRequest,
  type ParseVerifyRequest,
  type VerifyRequest,
} from "./verify_protocol.ts";

self.onmessage = async (event: MessageEvent<VerifyRequest | ParseVerifyRequest>) => {
  if (event.data.type === "parse_verify") {
    const { result, transfer } = await handleParseVerifyRequest(event.data);
    self.postMessage(result, { transfer });
    return;
  }
  const result = await handleVerifyRequest(event.data);
  const transfer = result.type === "verified" ? [result.valid.buffer] : [];
  self.postMessage(result, { transfer });
};
