import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startService, freePort } from '../scripts/lib/processes.ts';
import { graphql, dataOf } from './helpers/graphql.ts';

describe('service processes', () => {
  it('an exchange seeds itself on first start, and SIGTERM closes its server and database cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exchange-process-'));
    try {
      const exchange = await startService({
        name: 'sz', file: 'subgraphs/exchange/main.ts', readyMsg: 'exchange ready', quiet: true,
        args: ['--id', 'sz', '--port', String(await freePort()), '--province', 'Guangdong', '--per-exchange', '50'],
        env: { DATA_DIR: dir },
      });
      const data: any = dataOf(await graphql(exchange.url, '{ datasets(first: 1) { totalCount nodes { id } } }'));
      expect(data.datasets.totalCount).toBe(50);
      expect(data.datasets.nodes[0].id).toMatch(/^sz:/);
      const status = await exchange.stop();
      expect(status).toEqual({ code: 0, signal: null });
      // A clean close checkpoints the write-ahead log into the database and removes it.
      expect(existsSync(join(dir, 'sz.db-wal'))).toBe(false);
      const db = new Database(join(dir, 'sz.db'), { readonly: true });
      expect((db.prepare('SELECT count(*) AS n FROM datasets').get() as { n: number }).n).toBe(50);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad exchange id at start with the rule and the value, and exits 1', async () => {
    await expect(startService({
      name: 'bad', file: 'subgraphs/exchange/main.ts', readyMsg: 'exchange ready', quiet: true,
      args: ['--id', 'Shenzhen1', '--port', '0'],
    })).rejects.toThrow(/--id must match .* got "Shenzhen1"/);
  });
});
