/**
 * Typed errors of the p2p layer. Codes are stable; callers switch on `code`.
 * @module
 */

/** Stable error codes raised by `node/p2p`. */
export type P2PErrorCode =
  | "NOT_STARTED"
  | "UNKNOWN_TOPIC"
  | "MESSAGE_TOO_LARGE"
  | "MALFORMED_ENVELOPE"
  | "BAD_SIGNATURE"
  | "REQUEST_INVALID"
  | "RESPONSE_INVALID"
  | "RESPONSE_TOO_LARGE"
  | "REQUEST_TIMEOUT"
  | "REQUEST_FAILED"
  | "PEER_BANNED"
  | "BLOCK_NOT_FOUND"
  | "INVALID_OPTION";

/** Error raised by the p2p adapter, carrying a stable `code` and optional details. */
export class P2PError extends Error {
  /** Stable machine-readable code. */
  readonly code: P2PErrorCode;
  /** Extra data that explains the error (peer id, sizes, ...). */
  readonly details: Record<string, unknown>;

  constructor(code: P2PErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = "P2PError";
    this.code = code;
    this.details = details;
  }
}
