import { existsSync } from 'node:fs';
import { exchangeConfigFromArgs, ConfigError } from './exchangeConfig.ts';
import { seedExchangeDatabase } from './seedStore.ts';
import { DatasetStore } from './store/DatasetStore.ts';
import { startExchangeServer } from './server.ts';
import { runService } from '../../shared/runService.ts';

function log(fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ time: new Date().toISOString(), ...fields }));
}

runService('exchange', async () => {
  const config = exchangeConfigFromArgs(process.argv.slice(2));
  if (!existsSync(config.dbPath)) {
    log({ msg: 'seeding', exchange: config.info.id, count: config.seedCount, db: config.dbPath });
    const seeded = seedExchangeDatabase({ exchange: config.info.id, divisionCode: config.info.divisionCode, count: config.seedCount, dbPath: config.dbPath });
    log({ msg: 'seeded', exchange: config.info.id, ...seeded });
  }
  const store = new DatasetStore(config.info.id, config.dbPath);
  // Read before the first request rather than by it (one scan: ~1 s at 250,000 listings).
  store.filterColumns();
  store.facets();
  const running = await startExchangeServer({ store, port: config.port, host: config.host, adminToken: config.adminToken, info: config.info });
  log({ msg: 'exchange ready', exchange: config.info.id, url: running.url, catalogVersion: store.catalogVersion });
  // SIGTERM closes the server (requests in flight finish), then the database.
  return { stop: async () => { await running.close(); store.close(); } };
}, (err) => err instanceof ConfigError);
