import type { NodeConfig } from "../config/node_config.ts";
import type { LoggerOptions } from "./logger.ts";

/**
 * Logger options from the `[logging]` section: level, format, and the file
 * path when `[logging.file_logging] enabled = true`.
 *
 * @example
 * const log = createLogger(loggerOptionsFromConfig(cfg));
 */
export function loggerOptionsFromConfig(cfg: Pick<NodeConfig, "logging">): LoggerOptions {
  const { level, format, file_logging } = cfg.logging;
  return file_logging.enabled
    ? { level, format, filePath: file_logging.file_path }
    : { level, format };
}
