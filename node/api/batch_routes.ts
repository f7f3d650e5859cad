/**
 * `POST /api/v1/transactions/batch`: many signed transactions in one request,
 * one result per item, in order.
 *
 * Request: `{"transactions": [<signed tx>, ...]}` with at most
 * {@link MAX_BATCH_TRANSACTIONS} items; the body is also bounded by
 * `api.max_body_bytes` (default 1 MiB, enough for 1,000 transfers of ~400
 * bytes; raise it up to {@link MAX_BATCH_BODY_BYTES} for full batches of
 * larger transactions).
 * Response 202: `{"results": [{"id": "...", "status": "pending"} |
 * {"error": {"code", "message", "field"?}}, ...]}`. A bad item never fails
 * the others; the request as a whole fails only when it is not a batch.
 */
import type { Hono } from "hono";
import { ChainError } from "../chain/errors.ts";
import { parseTransaction, type Tx } from "../chain/transaction.ts";
import type { GridNode } from "../runtime/grid_node.ts";
import { addRoutes } from "./app.ts";
import { ApiError, type ErrorBody, toErrorResponse } from "./errors.ts";
import { readJsonBody } from "./json_body.ts";
import type { ParsedItem } from "../../workers/verify_protocol.ts";

/** Most transactions in one batch request. */
export const MAX_BATCH_TRANSACTIONS = 1000;
/** Largest batch body this endpoint is designed for (4 MiB); `api.max_body_bytes` also applies. */
export const MAX_BATCH_BODY_BYTES = 4 * 1024 * 1024;

/** One item's outcome. */
export type BatchItemResult = { id: string; status: "pending" } | ErrorBody;

/** A verifier that can also parse raw transactions off the main thread (workers/verify_pool.ts). */
interface ParsingVerifier {
  parseAndVerify(items: readonly unknown[]): Promise<ParsedItem[]>;
}

function isParsingVerifier(v: unknown): v is ParsingVerifier {
  return typeof (v as Partial<ParsingVerifier>).parseAndVerify === "function";
}

/**
 * Admits the items of a parsed batch body; one result per item. With the
 * worker pool, the items are parsed and verified in the workers and the node
 * skips its own verification; if any signature is bad, the batch goes the
 * ordinary way (so results, including which check fails first, are the same).
 */
export async function submitTransactionBatch(
  node: GridNode,
  input: unknown,
): Promise<BatchItemResult[]> {
  const list = (input as { transactions?: unknown } | null)?.transactions;
  if (typeof input !== "object" || input === null || Array.isArray(input) || !Array.isArray(list)) {
    throw new ApiError(
      "BAD_REQUEST",
      'Body must be {"transactions": [...]} with an array of signed transactions',
      "transactions",
    );
  }
  if (list.length > MAX_BATCH_TRANSACTIONS) {
    throw new ApiError(
      "BAD_REQUEST",
      `A batch holds at most ${MAX_BATCH_TRANSACTIONS} transactions, got ${list.length}`,
      "transactions",
    );
  }
  const results: BatchItemResult[] = new Array(list.length);
  if (isParsingVerifier(node.verifier)) {
    return await submitParsedInWorkers(node, node.verifier, list, results);
  }
  const parsed: Tx[] = [];
  const parsedAt: number[] = [];
  list.forEach((item, i) => {
    try {
      parsed.push(parseTransaction(item));
      parsedAt.push(i);
    } catch (e) {
      if (!(e instanceof ChainError)) throw e;
      results[i] = toErrorResponse(e).body;
    }
  });
  const admitted = await node.admitBatch(parsed);
  admitted.forEach((r, k) => {
    results[parsedAt[k]!] = r instanceof ChainError ? toErrorResponse(r).body : r;
  });
  return results;
}

async function submitParsedInWorkers(
  node: GridNode,
  verifier: ParsingVerifier,
  list: readonly unknown[],
  results: BatchItemResult[],
): Promise<BatchItemResult[]> {
  const parsed: Tx[] = [];
  const parsedAt: number[] = [];
  let allValid = true;
  (await verifier.parseAndVerify(list)).forEach((item, i) => {
    if (item.ok) {
      parsed.push(item.tx);
      parsedAt.push(i);
      if (!item.signatureValid) allValid = false;
    } else {
      results[i] = toErrorResponse(new ChainError(item.code, item.message, item.field)).body;
    }
  });
  const admitted = await node.admitBatch(parsed, { signaturesVerified: allValid });
  admitted.forEach((r, k) => {
    results[parsedAt[k]!] = r instanceof ChainError ? toErrorResponse(r).body : r;
  });
  return results;
}

addRoutes((app: Hono, node: GridNode) => {
  app.post("/api/v1/transactions/batch", async (c) => {
    const body = await readJsonBody(c);
    return c.json({ results: await submitTransactionBatch(node, body) }, 202);
  });
});
