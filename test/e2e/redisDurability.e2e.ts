import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../devkit/processes.ts';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { loadGatewayConfig } from '../../gateway/src/config.ts';
import { startGateway, type RunningGateway } from '../../gateway/src/createGateway.ts';
import { createLogger } from '../../shared/logger.ts';
import { graphql } from '../helpers/graphql.ts';
import { startSeededExchange, type ExchangeFixture } from '../helpers/exchangeFixture.ts';
import { launchRedisOnFreePort, relaunchRedisServer } from '../helpers/redisServer.ts';

// Real redis-server processes of the test's own, started with the settings under test: durable state
// (registrations, exchange tokens, API keys) must survive a restart of an append-only Redis, and a Redis
// that could lose it must be reported (log, /health) or, with REDIS_REQUIRE_DURABLE=true, refused.

const ADMIN = 'durability-admin';
const dirs: string[] = [];
const children: ChildProcess[] = [];
const closers: Array<() => Promise<unknown>> = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'redis-durability-'));
  dirs.push(dir);
  return dir;
}

async function redisWith(args: string[]): Promise<{ port: number; url: string; child: ChildProcess }> {
  const { port, child } = await launchRedisOnFreePort(() => args);
  children.push(child);
  return { port, url: `redis://127.0.0.1:${port}`, child };
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** A gateway in this process, with no exchanges, whose log lines the test reads. */
async function gatewayOn(redisUrl: string, env: Record<string, string> = {}): Promise<{ gateway: RunningGateway; lines: Array<Record<string, any>> }> {
  const exchangesFile = join(tempDir(), 'exchanges.json');
  writeFileSync(exchangesFile, JSON.stringify({ exchanges: [] }));
  const lines: Array<Record<string, any>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const config = loadGatewayConfig({ REDIS_URL: redisUrl, PORT: '0', EXCHANGES_FILE: exchangesFile, ...env });
  const gateway = await startGateway(config, { logger: createLogger({ service: 'gateway', level: 'info', destination }) });
  closers.push(() => gateway.close());
  return { gateway, lines };
}

async function health(gateway: { url: string }) {
  return (await (await fetch(gateway.url.replace(/\/graphql$/, '/health'))).json()) as { cache: { status: string; durability: string; reasons?: string[] } };
}

async function eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, withinMs: number): Promise<T> {
  const deadline = performance.now() + withinMs;
  let value = await read();
  while (!accept(value) && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

afterAll(async () => {
  for (const close of closers.reverse()) await close().catch(() => {});
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(children.map(exited));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('a Redis with append-only persistence', () => {
  let stack: Stack;
  let sz: ExchangeFixture;
  afterAll(async () => {
    await stack?.stop();
    await sz?.close();
  });

  it('keeps registrations, exchange tokens and API keys through a crash of Redis and a restart of the gateway', async () => {
    const args = ['--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction', '--dir', tempDir()];
    const redis = await redisWith(args);
    stack = await startStack({ perExchange: 10, gatewayEnv: { REDIS_URL: redis.url, GATEWAY_ADMIN_TOKEN: ADMIN } });
    sz = await startSeededExchange({ id: 'sz', count: 7 });
    const base = stack.gatewayBase;
    const admin = (path: string, init: { method?: string; body?: unknown; token?: string } = {}) =>
      fetch(`${base}${path}`, {
        method: init.method ?? 'GET',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${init.token ?? ADMIN}` },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    expect((await health(stack.services.gateway)).cache).toEqual({ status: 'redis', durability: 'ok' });

    const registration = {
      id: 'sz',
      name: 'Shenzhen Data Exchange',
      nameZh: '深圳数据交易所',
      city: 'Shenzhen',
      province: 'Guangdong',
      divisionCode: '440300',
      url: sz.url,
    };
    expect((await admin('/admin/exchanges', { method: 'POST', body: registration })).status).toBe(201);
    const token: string = (await (await admin('/admin/tokens', { method: 'POST', body: { exchange: 'sz' } })).json()).token;
    const key: string = (await (await admin('/admin/keys', { method: 'POST', body: { name: 'survives restarts', costPerMin: 4321 } })).json()).key;

    // appendfsync everysec: what was written more than a second ago is on disk. Then a crash (SIGKILL),
    // and the gateway goes away too, so nothing can be written back from a replica's memory.
    await new Promise((r) => setTimeout(r, 2500));
    await stack.services.gateway.stop();
    redis.child.kill('SIGKILL');
    await exited(redis.child);
    children.push(await relaunchRedisServer(redis.port, args));
    const restarted = await stack.startGateway('restarted');
    const again = restarted.url.replace(/\/graphql$/, '');

    const ids = await graphql(restarted.url, '{ exchanges { id } }');
    expect((ids.data?.exchanges as Array<{ id: string }>).map((e) => e.id).sort()).toEqual(['bj', 'gy', 'sh', 'sz', 'ty']);
    const invalidated = await fetch(`${again}/admin/exchanges/sz/invalidate`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(invalidated.status).toBe(200);
    const keyed = await graphql(restarted.url, '{ datasets(first: 1) { totalCount } }', undefined, { 'x-api-key': key });
    expect(keyed.status).toBe(200);
    expect(keyed.data?.datasets.totalCount).toBe(4 * 10 + 7);
    expect(keyed.headers.get('ratelimit-policy')).toBe('"key";q=4321;w=60');
  }, 240_000);
});

describe('a Redis that could lose durable state', () => {
  it('is named in one warning with the fix and flagged at-risk in /health, and checked again on reconnect', async () => {
    const redis = await redisWith(['--maxmemory-policy', 'allkeys-lru']); // and no persistence (the helper's default)
    const { gateway, lines } = await gatewayOn(redis.url);
    const warnings = lines.filter((line) => line.component === 'redis-durability' && line.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].msg).toContain('maxmemory-policy allkeys-lru');
    expect(warnings[0].msg).toContain('noeviction or volatile-lru');
    expect(warnings[0].msg).toContain('appendonly yes');
    const flagged = await health(gateway);
    expect(flagged.cache.durability).toBe('at-risk');
    expect(flagged.cache.reasons).toHaveLength(2);

    // The same address comes back as a durable Redis (a failover, a fixed container): the flag follows.
    redis.child.kill('SIGKILL');
    await exited(redis.child);
    children.push(await relaunchRedisServer(redis.port, ['--appendonly', 'yes', '--maxmemory-policy', 'volatile-lru', '--dir', tempDir()]));
    const fixed = await eventually(
      () => health(gateway),
      (h) => h.cache.durability === 'ok',
      10_000,
    );
    expect(fixed.cache).toEqual({ status: 'redis', durability: 'ok' });
  }, 60_000);

  it('reports a Redis that refuses CONFIG GET as unknown and starts anyway, even when durability is required', async () => {
    const redis = await redisWith(['--appendonly', 'yes', '--dir', tempDir(), '--rename-command', 'CONFIG', '']);
    const { gateway, lines } = await gatewayOn(redis.url, { REDIS_REQUIRE_DURABLE: 'true' });
    const reported = await health(gateway);
    expect(reported.cache.status).toBe('redis');
    expect(reported.cache.durability).toBe('unknown');
    expect(reported.cache.reasons?.[0]).toContain('refused CONFIG GET');
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
  }, 60_000);

  it('with REDIS_REQUIRE_DURABLE=true, refuses to start with a one-line reason', async () => {
    const redis = await redisWith([]); // --save "" --appendonly no
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/src/main.ts'], {
      cwd: REPO_ROOT,
      env: { ...process.env, REDIS_URL: redis.url, REDIS_REQUIRE_DURABLE: 'true', PORT: '0', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    clearTimeout(timer);
    expect(code).toBe(1);
    expect(stderr).toBe(
      `gateway: REDIS_REQUIRE_DURABLE=true, but durable state could be lost: Redis 127.0.0.1:${redis.port} persists nothing (appendonly no, save ""): a restart loses registrations, exchange tokens and API keys; fix: appendonly yes, appendfsync everysec\n`,
    );
  }, 60_000);
});
