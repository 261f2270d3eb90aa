import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { startService, freePort, REPO_ROOT, type ServiceError } from '../../devkit/processes.ts';
import { graphql, dataOf } from '../helpers/graphql.ts';

describe('service processes', () => {
  it('an exchange seeds itself on first start, and SIGTERM closes its server and database cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exchange-process-'));
    try {
      const exchange = await startService({
        name: 'sz', file: 'subgraphs/exchange/main.ts', readyMsg: 'exchange ready', quiet: true,
        args: ['--id', 'sz', '--port', String(await freePort()), '--province', 'Guangdong', '--per-exchange', '50',
          '--name', 'Shenzhen Data Exchange', '--name-zh', '深圳数据交易所', '--city', 'Shenzhen'],
        env: { DATA_DIR: dir },
      });
      // Who the exchange is, as its operator gave it, in /health.
      const health = await (await fetch(exchange.url.replace(/\/graphql$/, '/health'))).json();
      expect(health).toMatchObject({
        status: 'ok', exchange: 'sz', name: 'Shenzhen Data Exchange', nameZh: '深圳数据交易所', city: 'Shenzhen', province: 'Guangdong', divisionCode: '440000',
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

  it('refuses an unknown province at start in one line, naming the valid ones, with no stack trace, and exits 1', async () => {
    const refused = await startService({
      name: 'atlantis', file: 'subgraphs/exchange/main.ts', readyMsg: 'exchange ready', quiet: true,
      args: ['--id', 'at', '--port', '0', '--province', 'Atlantis'],
    }).then(() => null, (err: ServiceError) => err);
    expect(refused?.status).toEqual({ code: 1, signal: null });
    expect(refused?.outputTail.map((l) => l.replace(/^!\s*/, ''))).toEqual([
      expect.stringMatching(/^exchange: --province must name a province-level division of China, .*\(listed in shared\/provinces\.ts\), got "Atlantis"; one of: Beijing, .*Xinjiang$/),
    ]);
  });

  it('npm start: the stack goes on without an exchange that dies, and SIGTERM stops every process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'start-'));
    const ports = { PORT: await freePort(), PROVIDERS_PORT: await freePort(), BJ_PORT: await freePort(), SH_PORT: await freePort(), TY_PORT: await freePort(), GY_PORT: await freePort() };
    const start = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
      cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), DATA_DIR: dir, SEED_PER_EXCHANGE: '60', REDIS_URL: '', LOG_LEVEL: 'warn' },
    });
    let output = '';
    start.stdout!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    start.stderr!.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const exited = new Promise<number | null>((resolve) => start.once('exit', (code) => resolve(code)));
    const waitFor = async (pattern: RegExp, ms: number) => {
      const deadline = Date.now() + ms;
      while (!pattern.test(output)) {
        if (Date.now() > deadline || start.exitCode !== null) throw new Error(`no ${pattern} in:\n${output.slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return pattern.exec(output)!;
    };
    const alive = (pid: number) => { try { process.kill(pid, 0); return true; } catch { return false; } };
    try {
      await waitFor(/Gateway ready at (\S+)/, 120_000);
      const gateway = `http://127.0.0.1:${ports.PORT}/graphql`;
      const pids = Object.fromEntries([...output.matchAll(/^ {2}(\w+)\s+http\S+\s+\(pid (\d+)\)$/gm)].map((m) => [m[1], Number(m[2])]));
      expect(Object.keys(pids).sort()).toEqual(['bj', 'gy', 'providers', 'sh', 'ty']);
      process.kill(pids.gy, 'SIGKILL');
      await waitFor(/start: gy .*the gateway goes on without it.*npm run exchange -- --id gy --port \d+/, 10_000);
      const result = await graphql(gateway, '{ datasets(first: 5) { totalCount missingExchanges nodes { id } } }');
      expect((result.data as any).datasets.missingExchanges).toEqual(['gy']);
      expect((result.data as any).datasets.totalCount).toBe(3 * 60);
      expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['EXCHANGE_UNAVAILABLE']);
      expect(start.exitCode).toBeNull();
      start.kill('SIGTERM');
      expect(await exited).toBe(0);
      for (const name of ['bj', 'sh', 'ty', 'providers']) expect(alive(pids[name]), name).toBe(false);
    } finally {
      if (start.exitCode === null) start.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
