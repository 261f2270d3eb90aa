import { LOG_LEVELS, type LogLevel } from '../logger.ts';
import type { ConfigReader } from './configReader.ts';

/** What every service process reads besides its own settings (runService and the logger use these). */
export interface ServiceSettings {
  /** LOG_LEVEL, default info. */
  logLevel: LogLevel;
  /** SERVICE_STOP_TIMEOUT_MS, default 5000: a stop that takes longer exits with code 1 anyway. */
  stopTimeoutMs: number;
  /** NODE_ENV=development adds stack traces to GraphQL error responses; no other value does. */
  development: boolean;
  /** NODE_ENV=production: the gateway masks unexpected errors ("Internal server error"). */
  production: boolean;
}

export const DEFAULT_STOP_TIMEOUT_MS = 5000;

export function readServiceSettings(read: ConfigReader): ServiceSettings {
  const nodeEnv = read.string('NODE_ENV');
  return {
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    stopTimeoutMs: read.durationMs('SERVICE_STOP_TIMEOUT_MS', { default: DEFAULT_STOP_TIMEOUT_MS, max: 600_000 }),
    development: nodeEnv === 'development',
    production: nodeEnv === 'production',
  };
}
