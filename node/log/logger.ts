/**
 * Structured logger: one line per event, JSON or human-readable, to the
 * console and optionally appended to a file. Field names that look like
 * secrets are redacted so that a passphrase or token never reaches a log.
 */
import { dirname } from "node:path";

/** Log levels, least to most severe. */
export const LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
export type Level = typeof LEVELS[number];

/** Fields attached to an event, e.g. `{ height: 5, hash: "ab12..." }`. */
export type LogFields = Record<string, unknown>;

export interface LoggerOptions {
  /** Events below this level are dropped. */
  level: Level;
  /** `json`: `{"ts":...,"level":...,"event":...,...}`; `pretty`: `ts LEVEL event k=v`. */
  format: "json" | "pretty";
  /** Append lines to this file too (parent directory is created). */
  filePath?: string;
  /** Console output: `true` (default) = stdout, `false` = none, or a function receiving each line. */
  console?: boolean | ((line: string) => void);
  /** Clock, for tests. */
  now?: () => Date;
}

/** Logs `event` (a dotted name like `block.committed`) with optional fields. */
export type LogMethod = (event: string, fields?: LogFields) => void;

export interface Logger {
  trace: LogMethod;
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  /** Whether events at `level` are written (to skip costly field building). */
  isEnabled(level: Level): boolean;
  /** A logger sharing the same outputs that adds `fields` to every event. */
  child(fields: LogFields): Logger;
  /** Closes the log file (writes are synchronous, nothing is buffered). Idempotent. */
  close(): void;
}

/** Field names whose values are replaced by `[redacted]`. */
export const REDACTED_FIELD = /passphrase|secret|token|private/i;
const RESERVED = new Set(["ts", "level", "event"]);
const MAX_DEPTH = 6;

/**
 * Creates a logger.
 *
 * @example
 * const log = createLogger({ level: "info", format: "json" });
 * log.info("block.committed", { height: 5, txs: 12 });
 * // {"ts":"2026-11-25T12:00:00.000Z","level":"info","event":"block.committed","height":5,"txs":12}
 */
export function createLogger(options: LoggerOptions): Logger {
  const minRank = LEVELS.indexOf(options.level);
  if (minRank < 0) throw new Error(`Unknown log level "${options.level}"`);
  const now = options.now ?? (() => new Date());
  const toConsole = options.console === false
    ? undefined
    : typeof options.console === "function"
    ? options.console
    : (line: string) => console.log(line);
  const encoder = new TextEncoder();
  let file: Deno.FsFile | undefined;
  if (options.filePath !== undefined) {
    Deno.mkdirSync(dirname(options.filePath), { recursive: true });
    file = Deno.openSync(options.filePath, { append: true, create: true });
  }

  const write = (level: Level, event: string, fields: LogFields) => {
    const ts = now().toISOString();
    const clean = sanitizeFields(fields);
    const line = options.format === "json"
      ? JSON.stringify({ ts, level, event, ...clean })
      : formatPretty(ts, level, event, clean);
    toConsole?.(line);
    if (file !== undefined) writeAll(file, encoder.encode(line + "\n"));
  };

  const make = (bound: LogFields): Logger => {
    const method = (level: Level): LogMethod => {
      const enabled = LEVELS.indexOf(level) >= minRank;
      return (event, fields) => {
        if (enabled) write(level, event, fields === undefined ? bound : { ...bound, ...fields });
      };
    };
    return {
      trace: method("trace"),
      debug: method("debug"),
      info: method("info"),
      warn: method("warn"),
      error: method("error"),
      isEnabled: (level) => LEVELS.indexOf(level) >= minRank,
      child: (fields) => make({ ...bound, ...fields }),
      close: () => {
        file?.close();
        file = undefined;
      },
    };
  };
  return make({});
}

function writeAll(file: Deno.FsFile, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += file.writeSync(bytes.subarray(offset));
}

/** Redacts secret-looking names, renames reserved ones, makes values JSON-safe. */
function sanitizeFields(fields: LogFields): LogFields {
  const out: LogFields = {};
  const seen = new WeakSet<object>();
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const key = RESERVED.has(name) ? `_${name}` : name;
    out[key] = REDACTED_FIELD.test(name) ? "[redacted]" : sanitizeValue(value, 0, seen);
  }
  return out;
}

function sanitizeValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (value === null || typeof value !== "object") {
    return typeof value === "function" || typeof value === "symbol" ? String(value) : value;
  }
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (depth >= MAX_DEPTH) return "[too deep]";
  if (seen.has(value)) return "[circular]";
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => sanitizeValue(v, depth + 1, seen));
  const out: LogFields = {};
  for (const [name, v] of Object.entries(value)) {
    if (v === undefined) continue;
    out[name] = REDACTED_FIELD.test(name) ? "[redacted]" : sanitizeValue(v, depth + 1, seen);
  }
  return out;
}

function formatPretty(ts: string, level: Level, event: string, fields: LogFields): string {
  let line = `${ts} ${level.toUpperCase().padEnd(5)} ${event}`;
  for (const [name, value] of Object.entries(fields)) line += ` ${name}=${prettyValue(value)}`;
  return line;
}

function prettyValue(value: unknown): string {
  if (typeof value === "string") return /^[^\s="]+$/.test(value) ? value : JSON.stringify(value);
  if (typeof value === "object" && value !== null) return JSON.stringify(value);
  return String(value);
}
