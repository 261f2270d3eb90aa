import { existsSync } from 'node:fs';
import { exchangeConfigFromArgs, ConfigError } from './exchangeConfig.ts';
import { seedExchangeDatabase } from './seedStore.ts';
import { DatasetStore } from './store/DatasetStore.ts';
import { startExchangeServer } from './server.ts';

function log(fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ time: new Date().toISOString(), ...fields }));
}

async function main(): Promise<void> {
  const config = exchangeConfigFromArgs(process.argv.slice(2));
  if (!existsSync(config.dbPath)) {
    log({ msg: 'seeding', exchange: config.info.id, count: config.seedCount, db: config.dbPath });
    const seeded = seedExchangeDatabase({ exchange: config.info.id, divisionCode: config.info.divisionCode, count: config.seedCount, dbPath: config.dbPath });
    log({ msg: 'seeded', exchange: config.info.id, ...seeded });
  }
  const store = new DatasetStore(config.info.id, config.dbPath);
  const running = await startExchangeServer({ store, port: config.port, host: config.host, adminToken: config.adminToken });
  log({ msg: 'exchange ready', exchange: config.info.id, url: running.url, catalogVersion: store.catalogVersion });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log({ msg: 'stopping', exchange: config.info.id, signal });
    await running.close();
    store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    console.error(`exchange: ${(err as Error).message}`);
  } else {
    console.error(err);
  }
  process.exit(1);
});
