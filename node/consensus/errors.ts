/**
 * Errors of the consensus layer. `code` is stable and machine-readable; the
 * API maps codes to HTTP statuses in one place (node/api/errors.ts).
 */
export class ConsensusError extends Error {
  override readonly name = "ConsensusError";
  constructor(
    /** e.g. `BAD_SEAL`, `BAD_DIFFICULTY`, `BAD_COMMIT`, `BAD_TIMESTAMP`, `BAD_VOTE`. */
    readonly code: string,
    message: string,
    /** The offending field, as a dotted path. */
    readonly field?: string,
  ) {
    super(message);
  }
}
