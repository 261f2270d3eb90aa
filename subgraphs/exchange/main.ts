import { exchangeConfigFromArgs } from './exchangeConfig.ts';
import { startExchange } from './startExchange.ts';
import { runService } from '../../shared/runService.ts';
import { lifecycleLogger } from '../../shared/logger.ts';

runService({
  name: 'exchange',
  config: () => exchangeConfigFromArgs(process.argv.slice(2), process.env),
  traceName: (config) => `exchange-${config.info.id}`,
  start: async (config, serviceLogger) => {
    const logger = serviceLogger.child({ exchange: config.info.id });
    const exchange = await startExchange(config, logger);
    // Printed at any LOG_LEVEL: `npm start` and the tests wait for it.
    lifecycleLogger(logger).info({ url: exchange.url, catalogVersion: exchange.catalogVersion }, 'exchange ready');
    // SIGTERM closes the server (requests in flight finish), then the database.
    return { stop: () => exchange.stop() };
  },
});
