import { existsSync } from 'node:fs';
import { exchangeConfigFromArgs } from './exchangeConfig.ts';
import { seedExchangeDatabase } from './seedStore.ts';
import { DatasetStore } from './store/DatasetStore.ts';
import { startExchangeServer } from './server.ts';
import { runService } from '../../shared/runService.ts';
import { lifecycleLogger } from '../../shared/logger.ts';

runService({
  name: 'exchange',
  config: () => exchangeConfigFromArgs(process.argv.slice(2), process.env),
  traceName: (config) => `exchange-${config.info.id}`,
  start: async (config, serviceLogger) => {
    const logger = serviceLogger.child({ exchange: config.info.id });
    if (!existsSync(config.dbPath)) {
      logger.info({ count: config.seedCount, db: config.dbPath }, 'seeding');
      const seeded = seedExchangeDatabase({
        exchange: config.info.id,
        divisionCode: config.info.divisionCode,
        count: config.seedCount,
        dbPath: config.dbPath,
        categories: config.seedCategories,
      });
      logger.info(seeded, 'seeded');
    }
    const store = new DatasetStore(config.info.id, config.dbPath, { changeRetentionDays: config.changeRetentionDays });
    // Read before the first request rather than by it (one scan: ~1 s at 250,000 listings).
    store.filterColumns();
    store.facets();
    const running = await startExchangeServer({
      store,
      port: config.port,
      host: config.host,
      adminToken: config.adminToken,
      info: config.info,
      development: config.development,
      logger,
    });
    // Printed at any LOG_LEVEL: `npm start` and the tests wait for it.
    lifecycleLogger(logger).info({ url: running.url, catalogVersion: store.catalogVersion }, 'exchange ready');
    // SIGTERM closes the server (requests in flight finish), then the database.
    return {
      stop: async () => {
        await running.close();
        store.close();
      },
    };
  },
});
