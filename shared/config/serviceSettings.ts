import { LOG_LEVELS, type LogLevel } from '../logger.ts';
import { checkUrl, type ConfigReader } from './configReader.ts';
import { SAMPLER_NAMES, type SamplerSettings, type TracingSettings } from '../tracing/tracing.ts';

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
  /** OTEL_EXPORTER_OTLP_ENDPOINT set: spans exported over OTLP/HTTP (docs/tracing.md); unset: null, tracing off. */
  tracing: TracingSettings | null;
}

export const DEFAULT_STOP_TIMEOUT_MS = 5000;
/** OTEL_BSP_SCHEDULE_DELAY's default, the OpenTelemetry specification's. */
export const DEFAULT_SPAN_BATCH_DELAY_MS = 5000;

export function readServiceSettings(read: ConfigReader): ServiceSettings {
  const nodeEnv = read.string('NODE_ENV');
  return {
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    stopTimeoutMs: read.durationMs('SERVICE_STOP_TIMEOUT_MS', { default: DEFAULT_STOP_TIMEOUT_MS, max: 600_000 }),
    development: nodeEnv === 'development',
    production: nodeEnv === 'production',
    tracing: readTracingSettings(read),
  };
}

function readTracingSettings(read: ConfigReader): TracingSettings | null {
  const endpoint = read.string('OTEL_EXPORTER_OTLP_ENDPOINT');
  if (!endpoint) return null;
  return {
    endpoint: checkUrl('OTEL_EXPORTER_OTLP_ENDPOINT', endpoint),
    serviceName: read.string('OTEL_SERVICE_NAME'),
    scheduledDelayMs: read.durationMs('OTEL_BSP_SCHEDULE_DELAY', { default: DEFAULT_SPAN_BATCH_DELAY_MS, max: 600_000 }),
    sampler: readSamplerSettings(read),
  };
}

/** The specification's default sampler, parentbased_always_on: every request traced unless its parent was not. */
function readSamplerSettings(read: ConfigReader): SamplerSettings {
  const name = read.oneOf('OTEL_TRACES_SAMPLER', SAMPLER_NAMES, 'parentbased_always_on');
  const ratio = read.parsed('OTEL_TRACES_SAMPLER_ARG', 'be a number from 0 to 1', (text) => {
    const n = /^(\d+(\.\d*)?|\.\d+)$/.test(text) ? Number(text) : NaN;
    return n >= 0 && n <= 1 ? n : undefined;
  });
  return { name, ratio: ratio ?? 1 };
}
