/**
 * Boots the providers subgraph as a process:
 *   tsx subgraphs/providers/main.ts [--port <n>] [--host <address>]
 * Settings: providersConfig.ts.
 */
import { providersConfigFromArgs } from './providersConfig.ts';
import { startProvidersServer } from './server.ts';
import { runService } from '../../shared/runService.ts';
import { lifecycleLogger } from '../../shared/logger.ts';

runService({
  name: 'providers',
  config: () => providersConfigFromArgs(process.argv.slice(2), process.env),
  start: async (config, logger) => {
    const running = await startProvidersServer({ port: config.port, host: config.host, development: config.development, logger });
    // Printed at any LOG_LEVEL: `npm start` and the tests wait for it.
    lifecycleLogger(logger).info({ url: running.url }, 'providers ready');
    return { stop: () => running.close() };
  },
});
