import { existsSync } from 'node:fs';
import type { ExchangeConfig } from './exchangeConfig.ts';
import { seedExchangeDatabase } from './seedStore.ts';
import { DatasetStore } from './store/DatasetStore.ts';
import { startExchangeServer } from './server.ts';
import type { RunningServer } from '../../shared/http/listen.ts';
import type { Logger } from '../../shared/logger.ts';

/** One exchange serving: its HTTP server (url, port) and its store; `stop` closes the server, then the database. */
export interface RunningExchange {
  id: string;
  url: string;
  catalogVersion: string;
  server: RunningServer;
  stop(): Promise<void>;
}

/**
 * Starts one exchange from its configuration: seeds its database when the file is missing, opens its
 * DatasetStore and serves it on its own HTTP server. The exchange process (main.ts) runs one; the exchange
 * host (host.ts) runs several in one process, each with its own server, database, store and catalog version.
 */
export async function startExchange(config: ExchangeConfig, logger: Logger): Promise<RunningExchange> {
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
  return {
    id: config.info.id,
    url: running.url,
    get catalogVersion() {
      return store.catalogVersion;
    },
    server: running,
    // Requests in flight finish, then the database closes.
    stop: async () => {
      await running.close();
      store.close();
    },
  };
}
