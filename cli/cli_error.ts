/** Errors of the CLI: each maps to an exit code and prints as one line. */

/** Exit codes: documented in docs/governance.md (CLI section). */
export const EXIT = {
  /** The node answered with an error, or rejected the transaction. */
  NODE_ERROR: 1,
  /** Bad arguments: the usage is printed. */
  USAGE: 2,
  /** The node could not be reached. */
  UNREACHABLE: 3,
  /** Local problem: wallet, passphrase, file. */
  LOCAL: 4,
} as const;

export class CliError extends Error {
  constructor(readonly exitCode: number, message: string, readonly code = "CLI_ERROR") {
    super(message);
    this.name = "CliError";
  }
}

/** Bad arguments; `usage` is the command's usage text. */
export class UsageError extends CliError {
  constructor(message: string, readonly usage?: string) {
    super(EXIT.USAGE, message, "USAGE");
  }
}
