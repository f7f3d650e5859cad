/** One problem found in a config file: the dotted key it concerns and what is wrong. */
export interface ConfigIssue {
  /** Dotted path of the key, e.g. `energy.max_trade_amount` or `genesis.accounts[0].address`. */
  key: string;
  /** Full sentence naming the key and the value, e.g. `"api.port" must be ..., got 70000`. */
  message: string;
}

/**
 * Error thrown for any bad configuration: unreadable file, TOML syntax error,
 * unknown key, wrong type, value out of range, or a value that cannot be
 * converted exactly to the chain's integer units.
 *
 * `key` is the dotted path of the first offending key (absent for file-level
 * errors such as a syntax error); `issues` lists every problem found.
 */
export class ConfigError extends Error {
  /** Stable error code. */
  readonly code = "BAD_CONFIG" as const;
  /** Dotted path of the first offending key, when the error concerns a key. */
  key?: string;
  /** All problems found, in document order. Empty for file-level errors. */
  readonly issues: readonly ConfigIssue[];

  constructor(message: string, options: { key?: string; issues?: ConfigIssue[] } = {}) {
    super(message);
    this.name = "ConfigError";
    this.key = options.key;
    this.issues = options.issues ?? [];
  }
}

/** Renders a config value for an error message: `-5`, `"abc"`, `[1,2]`, `nothing`. */
export function formatConfigValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value instanceof Date) return `the date-time ${value.toISOString()}`;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return String(value);
  try {
    const json = JSON.stringify(value);
    if (json === undefined) return String(value);
    return json.length > 120 ? `${json.slice(0, 117)}...` : json;
  } catch {
    return String(value);
  }
}
