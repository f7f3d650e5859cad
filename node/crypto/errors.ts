/**
 * Errors raised by `node/crypto`. One type for the layer; `code` is stable and
 * meant for programs (the API maps it to an HTTP status), `message` for people.
 *
 * Codes: `BAD_HEX`, `BAD_ADDRESS`, `BAD_KEY`, `BAD_KEYSTORE`,
 * `WRONG_PASSPHRASE`, `KEYSTORE_NOT_FOUND`, `KEYSTORE_PERMISSIONS`.
 *
 * @example
 * ```ts
 * throw new CryptoError("BAD_HEX", `Invalid hex "0x1": odd length 3`);
 * ```
 */
export class CryptoError extends Error {
  /**
   * @param code stable machine-readable code, e.g. `"BAD_ADDRESS"`
   * @param message human-readable explanation naming the bad value
   */
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = "CryptoError";
  }
}
