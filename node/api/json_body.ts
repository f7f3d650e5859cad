/** Reads a JSON request body within the size limit, with clear errors. */
import type { Context } from "hono";
import { ApiError } from "./errors.ts";

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
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ApiError("BAD_JSON", `Malformed JSON: ${(e as Error).message}`);
  }
}
