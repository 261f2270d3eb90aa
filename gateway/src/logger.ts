import { createLogger as createServiceLogger, type Logger, type LogLevel } from '../../shared/logger.ts';

export type { Logger };

/** The gateway's logger (shared/logger.ts): JSON lines on stdout; every request's lines carry its request id. */
export function createLogger(level: LogLevel): Logger {
  return createServiceLogger({ service: 'gateway', level });
}
