import { loadGatewayConfig } from './config.ts';
import { startGateway } from './createGateway.ts';
import { runService } from '../../shared/runService.ts';
import { lifecycleLogger } from '../../shared/logger.ts';

runService({
  name: 'gateway',
  config: () => loadGatewayConfig(process.env),
  start: async (config, logger) => {
    const gateway = await startGateway(config, { logger });
    // Printed at any LOG_LEVEL: `npm start` and the tests wait for it.
    lifecycleLogger(logger).info({ url: gateway.url, exchanges: gateway.directory.all().map((e) => e.id) }, 'gateway ready');
    return { stop: () => gateway.close() };
  },
});
