/**
 * config.toml text -> validated {@link NodeConfig}. Pure: no file system, no
 * environment; relative paths are joined to the config file's directory.
 */
import { isAbsolute, join } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import type { z } from "zod";
import { ConfigError, type ConfigIssue, formatConfigValue } from "./config_error.ts";
import { configSchema, getKnownKeys, type ParsedConfig } from "./schema.ts";
import type { NodeConfig } from "./node_config.ts";

/**
 * Parses and validates config.toml text. Omitted keys take their defaults;
 * `node.data_dir` and `logging.file_logging.file_path` are resolved against
 * the directory of `sourcePath`, and `storage.kv_path` against `node.data_dir`.
 *
 * @param tomlText the file's content
 * @param sourcePath the file's path, used in messages and to resolve relative paths
 * @throws {ConfigError} naming the dotted key and the value of every problem
 *
 * @example
 * const cfg = parseConfig('[api]\nport = 9090\n', "/etc/gridtokenx/config.toml");
 * cfg.api.port;       // 9090
 * cfg.node.data_dir;  // "/etc/gridtokenx/data"
 */
export function parseConfig(tomlText: string, sourcePath: string): NodeConfig {
  return parseConfigIn(tomlText, sourcePath, dirnameOf(sourcePath), sourcePath);
}

/**
 * Like {@link parseConfig} with the label, base directory and recorded
 * `source_path` given separately (the embedded default has no file of its own).
 */
export function parseConfigIn(
  tomlText: string,
  label: string,
  baseDir: string,
  sourcePath: string | null,
): NodeConfig {
  let raw: unknown;
  try {
    raw = parseToml(tomlText);
  } catch (err) {
    if (err instanceof TomlError) {
      const where = `line ${err.line}, column ${err.column}`;
      const first = (err.message.split("\n")[0] ?? "").replace(/^Invalid TOML document: /, "");
      throw new ConfigError(
        `Invalid config ${label}: TOML syntax error at ${where}: ${first}\n${err.codeblock.trimEnd()}`,
      );
    }
    throw err;
  }

  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw toConfigError(label, issuesFromZod(result.error.issues, raw));
  }
  const cfg = result.data;
  const crossIssues = checkCrossKeyRules(cfg);
  if (crossIssues.length > 0) throw toConfigError(label, crossIssues);

  const dataDir = resolvePath(baseDir, cfg.node.data_dir);
  return {
    source_path: sourcePath,
    ...cfg,
    node: { ...cfg.node, data_dir: dataDir },
    logging: {
      ...cfg.logging,
      file_logging: {
        ...cfg.logging.file_logging,
        file_path: resolvePath(baseDir, cfg.logging.file_logging.file_path),
      },
    },
    storage: { ...cfg.storage, kv_path: resolvePath(dataDir, cfg.storage.kv_path) },
  };
}

/** `p` if absolute, else `base/p`, normalized. */
export function resolvePath(base: string, p: string): string {
  return isAbsolute(p) ? join(p) : join(base, p);
}

function dirnameOf(path: string): string {
  const i = path.lastIndexOf("/");
  if (i < 0) return ".";
  if (i === 0) return "/";
  return path.slice(0, i);
}

/** `genesis.accounts[0].address` from `["genesis","accounts",0,"address"]`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out === "" ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

function issuesFromZod(zodIssues: readonly z.core.$ZodIssue[], raw: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const seen = new Set<string>();
  const push = (issue: ConfigIssue) => {
    if (seen.has(issue.message)) return;
    seen.add(issue.message);
    out.push(issue);
  };
  for (const issue of zodIssues) {
    if (issue.code === "unrecognized_keys") {
      const known = getKnownKeys(issue.path);
      for (const name of issue.keys) {
        const key = formatKeyPath([...issue.path, name]);
        const hint = closestKey(name, known);
        push({
          key,
          message: `unknown key "${key}"${hint ? ` (did you mean "${hint}"?)` : ""}`,
        });
      }
      continue;
    }
    const key = formatKeyPath(issue.path);
    const value = valueAt(raw, issue.path);
    const message = value === undefined
      ? `"${key}" is required: it ${issue.message}`
      : `"${key}" ${issue.message}, got ${formatConfigValue(value)}`;
    push({ key, message });
  }
  return out;
}

/** Rules that involve more than one key. */
function checkCrossKeyRules(cfg: ParsedConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const { energy, thai_market, api, genesis } = cfg;
  if (energy.max_trade_amount < energy.min_trade_amount) {
    issues.push({
      key: "energy.max_trade_amount",
      message:
        `"energy.max_trade_amount" must be >= "energy.min_trade_amount" (${energy.min_trade_amount}), got ${energy.max_trade_amount}`,
    });
  }
  const peak = thai_market.peak_hours;
  if (peak.end_hour <= peak.start_hour) {
    issues.push({
      key: "thai_market.peak_hours.end_hour",
      message:
        `"thai_market.peak_hours.end_hour" must be > "thai_market.peak_hours.start_hour" (${peak.start_hour}), got ${peak.end_hour}`,
    });
  }
  if (api.rate_limit_burst < api.rate_limit_per_second) {
    issues.push({
      key: "api.rate_limit_burst",
      message:
        `"api.rate_limit_burst" must be >= "api.rate_limit_per_second" (${api.rate_limit_per_second}), got ${api.rate_limit_burst}`,
    });
  }
  const duplicates = (section: string, field: string, values: string[]) => {
    const seen = new Map<string, number>();
    values.forEach((v, i) => {
      const norm = v.toLowerCase();
      const first = seen.get(norm);
      if (first === undefined) seen.set(norm, i);
      else {
        const key = `${section}[${i}].${field}`;
        issues.push({
          key,
          message: `"${key}" repeats ${section}[${first}].${field}, got ${formatConfigValue(v)}`,
        });
      }
    });
  };
  duplicates("genesis.accounts", "address", genesis.accounts.map((a) => a.address));
  duplicates("genesis.validators", "public_key", genesis.validators.map((v) => v.public_key));
  duplicates("genesis.authorities", "name", genesis.authorities.map((a) => a.name));
  return issues;
}

function toConfigError(label: string, issues: ConfigIssue[]): ConfigError {
  const [first, ...rest] = issues;
  const head = `Invalid config ${label}: ${first?.message ?? "unknown problem"}`;
  const message = rest.length === 0
    ? head
    : [head, ...rest.map((i) => `  ${i.message}`)].join("\n");
  return new ConfigError(message, { key: first?.key, issues });
}

/** A known key within edit distance 2 of `name`, for typo hints. */
function closestKey(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
