import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';
import { seedExchangeDatabase } from '../../subgraphs/exchange/seedStore.ts';
import { DatasetStore } from '../../subgraphs/exchange/store/DatasetStore.ts';
import { startExchangeServer } from '../../subgraphs/exchange/server.ts';

export interface ExchangeFixture {
  id: string;
  url: string;
  baseUrl: string;
  store: DatasetStore;
  dbPath: string;
  close(): Promise<void>;
}

/** A seeded exchange served over real HTTP on a free port, from a fresh database in a temp dir. */
export async function startSeededExchange(options: { id: string; count: number; adminToken?: string; divisionCode?: string }): Promise<ExchangeFixture> {
  const dir = mkdtempSync(join(tmpdir(), `exchange-${options.id}-`));
  const dbPath = join(dir, `${options.id}.db`);
  const divisionCode = options.divisionCode ?? DEFAULT_EXCHANGES.find((e) => e.id === options.id)?.divisionCode ?? '440300';
  seedExchangeDatabase({ exchange: options.id, divisionCode, count: options.count, dbPath });
  const store = new DatasetStore(options.id, dbPath);
  const info = DEFAULT_EXCHANGES.find((e) => e.id === options.id);
  const running = await startExchangeServer({ store, port: 0, adminToken: options.adminToken, info: info && { ...info, divisionCode } });
  return {
    id: options.id,
    url: running.url,
    baseUrl: running.url.replace(/\/graphql$/, ''),
    store,
    dbPath,
    close: async () => {
      await running.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
