import { ConfigError } from './config/configReader.ts';
import type { ServiceSettings } from './config/serviceSettings.ts';
import { createLogger, lifecycleLogger, type Logger } from './logger.ts';
import { startTracing } from './tracing/tracing.ts';

export interface ServiceDefinition<C extends ServiceSettings> {
  /** The `service` field of its log lines, and the prefix of a configuration error. */
  name: string;
  /** Reads the whole configuration; a ConfigError or a bad flag stops the process with one line. */
  config: () => C;
  start: (config: C, logger: Logger) => Promise<{ stop(): Promise<void> }>;
  /** The `service.name` of its spans when OTEL_SERVICE_NAME is not set (e.g. `exchange-bj`). Default: name. */
  traceName?: (config: C) => string;
}

function isConfigError(err: unknown): err is Error {
  return err instanceof ConfigError || String((err as { code?: unknown })?.code ?? '').startsWith('ERR_PARSE_ARGS');
}

/**
 * The life of a service process: read its configuration, start it, stop it cleanly on SIGTERM or SIGINT
 * (exit 0). A configuration error prints one line, `<name>: <message>`, on stderr and exits 1; any other
 * startup failure is logged with its stack and exits 1.
 *
 * Stopping is bounded: when `stop()` has not resolved (or rejected) after SERVICE_STOP_TIMEOUT_MS
 * (default 5000), or a second signal arrives meanwhile, the process logs why and exits with code 1 anyway,
 * so an orchestrator's SIGTERM never waits for its SIGKILL. Started with an IPC channel (`npm start` does),
 * it also stops when the channel closes: its launcher is gone.
 */
export function runService<C extends ServiceSettings>(definition: ServiceDefinition<C>): void {
  const { name } = definition;
  let config: C;
  try {
    config = definition.config();
  } catch (err) {
    console.error(isConfigError(err) ? `${name}: ${err.message}` : err);
    process.exit(1);
  }
  const logger = createLogger({ service: name, level: config.logLevel });
  const lifecycle = lifecycleLogger(logger);
  // A child of `npm start` runs in a process group of its own, tied to the launcher by an IPC channel
  // (devkit/processes.ts, ownProcessGroup): the channel closing means the launcher is gone, so stop too.
  let stopOnDisconnect = (): void => {
    logger.warn('launcher exited before this service was ready; exiting');
    process.exit(1);
  };
  if (process.connected) process.once('disconnect', () => stopOnDisconnect());
  // Tracing starts before the service (its SDK is loaded only when OTEL_EXPORTER_OTLP_ENDPOINT is set).
  const starting = startTracing(config.tracing, definition.traceName?.(config) ?? name).then(async (tracing) => {
    const service = await definition.start(config, logger);
    return { stop: async () => (await service.stop(), await tracing.stop()) };
  });
  starting
    .then((running) => {
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) {
          logger.warn({ signal }, 'second signal while stopping; exiting now');
          process.exit(1);
        }
        stopping = true;
        lifecycle.info({ signal }, 'stopping');
        const timer = setTimeout(() => {
          logger.error({ signal }, `stop did not finish within ${config.stopTimeoutMs} ms; exiting anyway`);
          process.exit(1);
        }, config.stopTimeoutMs);
        try {
          await running.stop();
        } catch (err) {
          clearTimeout(timer);
          logger.error({ err: (err as Error)?.message ?? String(err) }, 'stop failed');
          process.exit(1);
        }
        clearTimeout(timer);
        process.exit(0);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
      stopOnDisconnect = () => void stop('launcher exited');
    })
    .catch((err: unknown) => {
      // A setting that only fails once used (a Redis namespace, say) is still a configuration error.
      if (isConfigError(err)) console.error(`${name}: ${err.message}`);
      else logger.fatal({ err }, 'failed to start');
      process.exit(1);
    });
}
