/**
 * Reads a JSON request body within the size limit, with clear errors;
 * rejects bodies with duplicate object keys.
 */
import type { Context } from "hono";
import { ApiError } from "./errors.ts";
import { findDuplicateKey } from "./json_duplicate_keys.ts";

export async function readJsonBody(c: Context): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (type !== "" && !type.toLowerCase().startsWith("application/json")) {
    throw new ApiError(
      "UNSUPPORTED_MEDIA_TYPE",
      `Content-Type must be application/json, got "${type}"`,
    );
  }
  const text = await c.req.text();
  if (text.trim() === "") throw new ApiError("BAD_JSON", "Request body is empty; expected JSON");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ApiError("BAD_JSON", `Malformed JSON: ${(e as Error).message}`);
  }
  // JSON.parse keeps the last of two equal keys; a signed or logged body must mean one thing.
  const duplicate = findDuplicateKey(text);
  if (duplicate !== null) {
    throw new ApiError(
      "BAD_JSON",
      `Duplicate key "${duplicate.key}" in the JSON object at ${duplicate.path}`,
      duplicate.path === "$" ? duplicate.key : `${duplicate.path.slice(2)}.${duplicate.key}`,
    );
  }
  return value;
}
