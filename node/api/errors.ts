/**
 * The one place where error codes become HTTP statuses. Clients always get
 * `{"error": {"code": "...", "message": "...", "field": "..."}}`.
 */
import { ChainError } from "../chain/errors.ts";
import { CryptoError } from "../crypto/errors.ts";

export class ApiError extends Error {
  constructor(readonly code: string, message: string, readonly field?: string) {
    super(message);
    this.name = "ApiError";
  }
}

const STATUS_OF_CODE: Record<string, number> = {
  // Energy market (node/market/chain): refusals of a valid request are 422, ownership 403.
  BAD_LOCATION: 400,
  BAD_ORDER: 400,
  UNKNOWN_LOCATION: 422,
  BAD_AMOUNT: 422,
  ORDER_EXPIRED: 422,
  PRICE_BELOW_FLOOR: 422,
  PRICE_ABOVE_CEILING: 422,
  NOT_REGISTERED: 403,
  ORDER_NOT_FOUND: 404,
  NOT_ORDER_OWNER: 403,
  UNKNOWN_METER: 422,
  NOT_METER_SIGNER: 403,
  METER_LOCATION_MISMATCH: 422,
  STALE_READING: 409,
  READING_IN_FUTURE: 422,
  // Consensus (node/consensus).
  BAD_EVIDENCE: 422,
  EVIDENCE_TOO_OLD: 422,
  EVIDENCE_USED: 409,
  NOT_SLASHABLE: 422,
  LAST_VALIDATOR: 422,
  BAD_JSON: 400,
  BAD_REQUEST: 400,
  BAD_PARAM: 400,
  BAD_TRANSACTION: 400,
  BAD_ENCODING: 400,
  BAD_ADDRESS: 400,
  BAD_HEX: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_AUTHORITY: 403,
  AUTHORITY_ROLE: 403,
  AUTHORITY_SUSPENDED: 403,
  OUTSIDE_SERVICE_AREA: 403,
  PROPOSAL_NOT_FOUND: 404,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  DUPLICATE_TX: 409,
  NONCE_TOO_LOW: 409,
  REPLACEMENT_UNDERPRICED: 409,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  BAD_SIGNATURE: 422,
  WRONG_NETWORK: 422,
  EXPIRED: 422,
  FEE_TOO_LOW: 422,
  NONCE_GAP: 422,
  INSUFFICIENT_BALANCE: 422,
  INSUFFICIENT_ENERGY: 422,
  INSUFFICIENT_STAKE: 422,
  OVERFLOW: 422,
  UNSUPPORTED_KIND: 422,
  RATE_LIMITED: 429,
  MEMPOOL_FULL: 503,
  UNAVAILABLE: 503,
  REQUEST_TIMEOUT: 504,
};

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

/** Status and body for any thrown value; unknown errors are 500 without internals. */
export function toErrorResponse(e: unknown): { status: number; body: ErrorBody } {
  if (e instanceof ApiError || e instanceof ChainError || e instanceof CryptoError) {
    const field = "field" in e ? (e as { field?: string }).field : undefined;
    const status = STATUS_OF_CODE[e.code] ?? (e instanceof ChainError ? 422 : 400);
    return {
      status,
      body: { error: { code: e.code, message: e.message, ...(field ? { field } : {}) } },
    };
  }
  return { status: 500, body: { error: { code: "INTERNAL", message: "Internal error" } } };
}
