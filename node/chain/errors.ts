/**
 * Errors of the chain layer. `code` is stable and machine-readable; the API
 * maps codes to HTTP statuses in one place (node/api/errors.ts).
 */
export class ChainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The offending field, as a dotted path into the transaction or block. */
    readonly field?: string,
  ) {
    super(message);
    this.name = "ChainError";
  }
}
