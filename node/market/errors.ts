/**
 * Typed errors of the energy market core. Codes are stable: the REST layer
 * maps them to HTTP statuses in one place.
 */

/** Every error code the market core can raise. */
export type MarketErrorCode =
  | "BAD_LOCATION"
  | "UNKNOWN_LOCATION"
  | "BAD_TOPOLOGY"
  | "BAD_ORDER"
  | "BAD_PARAMS"
  | "DUPLICATE_ORDER"
  | "ORDER_NOT_FOUND"
  | "NOT_ORDER_OWNER";

/** An error of the market core, carrying a stable code and the offending field. */
export class MarketError extends Error {
  override readonly name = "MarketError";
  /**
   * @param code stable machine-readable code
   * @param message what went wrong and with which value
   * @param field the input field at fault, when there is one
   */
  constructor(
    readonly code: MarketErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
