import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface LoggerOptions {
  /** The `service` field of every line: gateway, exchange, providers. */
  service: string;
  /** Default info. */
  level?: LogLevel;
  /** Fields on every line besides `service`, e.g. `{ exchange: 'bj' }`. */
  base?: Record<string, unknown>;
  /** Default stdout (synchronous, so a line logged just before process.exit is not lost). */
  destination?: DestinationStream;
}

/**
 * The logger of every service: one JSON object a line on stdout with `time` (ISO 8601), `level` (pino's
 * number: 30 info, 40 warn, 50 error), `service` and `msg`; request lines add `requestId`.
 */
export function createLogger(options: LoggerOptions): Logger {
  const settings = { level: options.level ?? 'info', base: { service: options.service, ...options.base }, timestamp: pino.stdTimeFunctions.isoTime };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}

/**
 * For the lines a launcher or a test waits for ("exchange ready", "stopping"): printed at any LOG_LEVEL
 * but silent, which asks for nothing at all.
 */
export function lifecycleLogger(logger: Logger): Logger {
  return logger.level === 'silent' ? logger : logger.child({}, { level: 'info' });
}
