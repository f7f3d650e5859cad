/** Structured logging: see {@link createLogger}. */
export {
  createLogger,
  type Level,
  LEVELS,
  type LogFields,
  type Logger,
  type LoggerOptions,
  type LogMethod,
  REDACTED_FIELD,
} from "./logger.ts";
export { loggerOptionsFromConfig } from "./from_config.ts";
