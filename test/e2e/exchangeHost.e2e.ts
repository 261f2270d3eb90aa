import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from '../../devkit/processes.ts';
import { exchangeHostService, exchangeService, hostedExchangesOf } from '../../devkit/services.ts';

/** A shard call as the gateway sends it at 32 exchanges (a small page, cursors, totalCount). */
const SHARD_PAGE = {
  query: `query ($first: Int, $after: String) { datasets(first: $first, after: $after) { totalCount nodes { id title category price { model amount } }
    edges { cursor } pageInfo { hasNextPage endCursor } } }`,
  variables: { first: 4, after: null },
};
const STATISTICS = { query: '{ priceStatistics(groupBy: [EXCHANGE, CATEGORY]) { buckets { keys count pricedCount min max sketch } } }' };

async function post(url: string, body: unknown): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

describe('exchange host (several exchanges in one process)', () => {
  it('serves each exchange on its own port and database, answering as the exchange process does on the same database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exchange-host-e2e-'));
    const hostFile = join(dir, 'host.json');
    writeFileSync(
      hostFile,
      JSON.stringify({
        exchanges: [
          { args: ['--id', 'xa', '--port', '0', '--division-code', '440300'], env: { SEED_CATEGORIES: 'AUDIO_SAMPLES', SEED_PER_EXCHANGE: '20' } },
          { args: ['--id', 'xb', '--port', '0', '--name', 'XB Exchange'] },
        ],
      }),
    );
    const host = await startService({
      ...exchangeHostService('host', hostFile, { env: { DATA_DIR: dir, SEED_PER_EXCHANGE: '30', LOG_LEVEL: 'warn' } }),
      quiet: true,
    });
    let single: Awaited<ReturnType<typeof startService>> | undefined;
    try {
      const hosted = hostedExchangesOf(host.readyRecord);
      expect(hosted.map((e) => e.id)).toEqual(['xa', 'xb']);
      expect(new Set(hosted.map((e) => new URL(e.url).port)).size).toBe(2);
      const [xa, xb] = hosted.map((e) => e.url);
      const health = async (url: string) => (await fetch(url.replace(/\/graphql$/, '/health'))).json();
      expect(await health(xa)).toMatchObject({ status: 'ok', exchange: 'xa', divisionCode: '440300' });
      expect(await health(xb)).toMatchObject({ status: 'ok', exchange: 'xb', name: 'XB Exchange' });

      // Each its own catalog: 20 listings of one category, 30 of the default mix; ids of its own.
      const a = JSON.parse((await post(xa, SHARD_PAGE)).text).data.datasets;
      const b = JSON.parse((await post(xb, SHARD_PAGE)).text).data.datasets;
      expect([a.totalCount, b.totalCount]).toEqual([20, 30]);
      expect(a.nodes.length).toBe(4);
      for (const node of a.nodes) expect(node).toMatchObject({ id: expect.stringMatching(/^xa:/), category: 'AUDIO_SAMPLES' });
      for (const node of b.nodes) expect(node.id).toMatch(/^xb:/);

      // The exchange process over xa's own database answers byte for byte the same, headers included.
      single = await startService({ ...exchangeService('xa', { dbPath: join(dir, 'xa.db'), env: { LOG_LEVEL: 'warn' } }), quiet: true });
      for (const body of [
        SHARD_PAGE,
        { ...SHARD_PAGE, variables: { first: 3, after: a.edges[1].cursor } },
        STATISTICS,
        { query: '{ datasets(first: 101) { totalCount } }' },
      ]) {
        const fromHost = await post(xa, body);
        const fromProcess = await post(single.url, body);
        expect(fromHost.status).toBe(fromProcess.status);
        expect(fromHost.text).toBe(fromProcess.text);
        for (const header of ['cache-control', 'x-catalog-version', 'x-sql-statements', 'content-type'])
          expect(fromHost.headers.get(header), header).toBe(fromProcess.headers.get(header));
      }

      // SIGTERM stops every exchange of the host cleanly: each database's write-ahead log checkpointed and removed.
      await single.stop();
      single = undefined;
      expect(await host.stop()).toEqual({ code: 0, signal: null });
      expect(existsSync(join(dir, 'xa.db-wal')) || existsSync(join(dir, 'xb.db-wal'))).toBe(false);
      await expect(fetch(xb)).rejects.toThrow();
    } finally {
      await single?.stop();
      await host.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad host file at start in one line naming the entry, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exchange-host-e2e-'));
    try {
      const hostFile = join(dir, 'host.json');
      writeFileSync(hostFile, JSON.stringify({ exchanges: [{ args: ['--id', 'xa', '--port', '0'] }, { args: ['--id', 'xa', '--port', '0'] }] }));
      await expect(startService({ ...exchangeHostService('host', hostFile, { env: { DATA_DIR: dir } }), quiet: true })).rejects.toThrow(
        /exchange-host: .*host\.json: exchanges\[1\] --id xa is already exchanges\[0\]'s/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
