import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { RedisCache, type RedisCacheOptions } from '../../gateway/src/cache/RedisCache.ts';
import { createRateLimiter } from '../../gateway/src/cache/costBudgets.ts';
import { CACHE_CONTRACT, collectMessages } from '../helpers/cacheContract.ts';
import type { Cache, CacheStatus } from '../../gateway/src/cache/Cache.ts';
import { launchRedisOnFreePort, relaunchRedisServer, startRedisServer as startOwnRedis, type RedisServer } from '../helpers/redisServer.ts';

// End to end over real Redis, no mocks. The contract and the two-replica tests use the Redis at REDIS_URL
// (or, when it is unset, a redis-server this file starts) under a key namespace unique to this run. The resilience tests start
// their own redis-server on a free port, so they can kill, freeze and restart it.
//
// What they prove: while Redis is gone, every call returns at once as a miss or a no-op (the connection
// is not ready and the offline queue is off, so nothing waits), and status() says 'degraded'. While Redis
// hangs (SIGSTOP: the socket stays open but nothing answers), only the calls sent before the circuit breaker
// opens wait for the command timeout; then calls are refused without touching the network, until a probe
// the cache sends in the background after the cool-down succeeds. When Redis comes back, ioredis reconnects by itself,
// the breaker closes on 'ready', and the subscriptions are renewed.

/** The Redis at REDIS_URL, or, when unset, a redis-server of this file's own (started in beforeAll). */
let REDIS_URL = process.env.REDIS_URL ?? '';
let ownRedis: RedisServer | undefined;
const RUN = `e2e-${process.pid}-${Date.now()}`;
/**
 * Behaviour tests get a generous command timeout: on a busy two-CPU box running the whole suite, Redis
 * answers within 50 ms only 98-99% of the time, and a timeout would be a (correct) miss that fails an
 * assertion. The resilience tests set the production default (50 ms) where timing is the point.
 */
const BEHAVIOUR_TIMEOUT_MS = 1000;
let caseNumber = 0;

async function connectedCache(options: Partial<RedisCacheOptions> & { url?: string } = {}): Promise<RedisCache> {
  const url = options.url ?? REDIS_URL;
  const cache = new RedisCache({ namespace: `${RUN}:${caseNumber++}:`, commandTimeoutMs: BEHAVIOUR_TIMEOUT_MS, ...options, target: { mode: 'single', url } });
  if (!(await cache.whenConnected(5000))) {
    await cache.close();
    throw new Error(`no usable Redis at ${url} within 5 s (set REDIS_URL, or start redis-server)`);
  }
  return cache;
}

/** Runs `call` and fails if it took `maxMs` or more; returns its result (or its error). */
async function within<T>(maxMs: number, label: string, call: () => Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const started = performance.now();
  let result: { value?: T; error?: unknown };
  try {
    result = { value: await call() };
  } catch (error) {
    result = { error };
  }
  const ms = performance.now() - started;
  expect(ms, `${label} took ${ms.toFixed(1)} ms`).toBeLessThan(maxMs);
  return { ...result, ms };
}

async function until(condition: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A throwaway redis-server of this file's own on a free port (so it can be killed, frozen and restarted on it). */
async function startRedisServer(): Promise<{ port: number; child: ChildProcess }> {
  return launchRedisOnFreePort();
}

async function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

beforeAll(async () => {
  if (REDIS_URL) return;
  ownRedis = await startOwnRedis();
  REDIS_URL = ownRedis.url;
});

afterAll(async () => {
  if (ownRedis) return ownRedis.stop();
  // Versions have no TTL: remove what this run wrote to the shared Redis (SCAN, never KEYS).
  const keys = execFileSync('redis-cli', ['-u', REDIS_URL, '--scan', '--pattern', `${RUN}:*`], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  for (let i = 0; i < keys.length; i += 500) execFileSync('redis-cli', ['-u', REDIS_URL, 'DEL', ...keys.slice(i, i + 500)]);
});

describe('RedisCache: the Cache contract', () => {
  for (const contractCase of CACHE_CONTRACT) {
    it(contractCase.name, async () => {
      const cache = await connectedCache();
      try {
        await contractCase.run(cache);
      } finally {
        await cache.close();
      }
    });
  }
});

describe('RedisCache between two gateway replicas', () => {
  let first: Cache;
  let second: Cache;
  beforeAll(async () => {
    first = await connectedCache({ namespace: `${RUN}:replicas:` });
    second = await connectedCache({ namespace: `${RUN}:replicas:` });
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
  });

  it('reads on one replica what the other stored, and sees its version bumps', async () => {
    await first.setMany([{ key: 'shared', value: 'from the first', ttlSeconds: 60 }]);
    expect(await second.get('shared')).toBe('from the first');
    await first.bumpVersion('epoch:{exchange:bj}');
    expect(await second.readVersion('epoch:{exchange:bj}')).toBe(1);
  });

  it("delivers one replica's published message to the other's subscriber", async () => {
    const received = await collectMessages(second, 'invalidate', 1);
    expect(await first.publish('invalidate', 'sh')).toBe(true);
    expect(await received.done).toEqual(['sh']);
    await received.stop();
  });

  it('keeps deployments apart by namespace', async () => {
    const other = await connectedCache({ namespace: `${RUN}:other-deployment:` });
    await first.set('isolated', 'mine', 60);
    expect(await other.get('isolated')).toBeNull();
    await other.close();
  });
});

describe('RedisCache when its Redis dies, hangs and comes back', () => {
  let port: number;
  let server: ChildProcess | undefined;
  afterAll(async () => {
    server?.kill('SIGCONT');
    await kill(server);
  });

  it('answers every call at once with a miss or a no-op while Redis is down, then reconnects by itself', async () => {
    ({ port, child: server } = await startRedisServer());
    const statuses: CacheStatus[] = [];
    // The command timeout stays at 1000 ms: calls to a dead Redis must return at once because the
    // connection is known to be down, not because a timeout ends them.
    const cache = await connectedCache({
      url: `redis://127.0.0.1:${port}`,
      reconnectFirstDelayMs: 20,
      reconnectMaxDelayMs: 200,
      onStatusChange: (status) => statuses.push(status),
    });
    try {
      await cache.set('k', 'before', 60);
      expect(await cache.get('k')).toBe('before');
      const messages: string[] = [];
      await cache.subscribe('events', (message) => messages.push(message));

      await kill(server);
      for (let round = 0; round < 10; round++) {
        expect((await within(200, 'get', () => cache.get('k'))).value).toBeNull();
        expect((await within(200, 'getMany', () => cache.getMany(['k', 'x']))).value).toEqual([null, null]);
        await within(200, 'set', () => cache.set('k', 'during', 60));
        await within(200, 'setMany', () => cache.setMany([{ key: 'k', value: 'during', ttlSeconds: 60 }]));
        await within(200, 'delete', () => cache.delete('k'));
        expect((await within(200, 'readVersion', () => cache.readVersion('v'))).value).toBeNull();
        expect((await within(200, 'readVersions', () => cache.readVersions(['v', 'w']))).value).toEqual([null, null]);
        expect((await within(200, 'publish', () => cache.publish('events', 'lost'))).value).toBe(false);
        const bump = await within(200, 'bumpVersion', () => cache.bumpVersion('v'));
        expect(bump.error).toMatchObject({ name: 'CacheUnavailableError' });
        // Durable records are data: their failure is an error, never an empty answer.
        expect((await within(200, 'recordGetAll', () => cache.recordGetAll('registry'))).error).toMatchObject({ name: 'CacheUnavailableError' });
        expect((await within(200, 'recordSet', () => cache.recordSet('registry', 'sz', '{}'))).error).toMatchObject({ name: 'CacheUnavailableError' });
      }
      expect(cache.status()).toBe('degraded');
      expect(statuses).toEqual(['redis', 'degraded']);

      server = await relaunchRedisServer(port);
      await until(() => cache.status() === 'redis', 10_000, "status 'redis' after the restart");
      expect(await cache.whenConnected(5000)).toBe(true);
      await cache.set('k', 'after', 60);
      expect(await cache.get('k')).toBe('after');
      expect(await cache.bumpVersion('v')).toBe(1); // the restarted server kept nothing
      // The subscription made before the outage was renewed on the new connection.
      await until(
        async () => (await cache.publish('events', 'after restart')) && messages.includes('after restart'),
        5000,
        'a message on the renewed subscription',
      );
      expect(statuses).toEqual(['redis', 'degraded', 'redis']);
    } finally {
      await cache.close();
    }
  });

  it('opens the circuit breaker while Redis hangs, so later calls do not wait, and closes it when Redis answers again', async () => {
    if (!server) ({ port, child: server } = await startRedisServer());
    let failures = 0;
    const cache = await connectedCache({
      url: `redis://127.0.0.1:${port}`,
      commandTimeoutMs: 50,
      breaker: { failureThreshold: 3, cooldownMs: 2000 },
      onError: (_error, operation) => {
        if (operation === 'get') failures++;
      },
    });
    try {
      await cache.set('k', 'v', 60);
      server.kill('SIGSTOP');
      // The connection stays open, so only the command timeout ends the first calls...
      for (let i = 0; i < 3; i++) {
        const { value, ms } = await within(1000, `get #${i + 1}`, () => cache.get('k'));
        expect(value).toBeNull();
        expect(ms).toBeGreaterThanOrEqual(45);
      }
      expect(failures).toBe(3);
      // ...then the breaker is open: calls are refused without sending a command (no more failures are
      // reported, as every command sent would time out), so they take no time.
      expect(cache.status()).toBe('degraded');
      const durations: number[] = [];
      for (let i = 0; i < 20; i++) {
        const { value, ms } = await within(200, 'get with the breaker open', () => cache.get('k'));
        expect(value).toBeNull();
        durations.push(ms);
      }
      expect(failures).toBe(3);
      expect(durations.sort((a, b) => a - b)[10]).toBeLessThan(5);
      const bump = await within(200, 'bumpVersion with the breaker open', () => cache.bumpVersion('v'));
      expect(String(bump.error)).toMatch(/CacheUnavailableError: bumpVersion "v" failed: circuit breaker open/);

      server.kill('SIGCONT');
      // After the cool-down a background probe succeeds and closes the breaker; no caller is the trial.
      await until(async () => (await cache.get('k')) === 'v', 5000, 'a hit after SIGCONT');
      expect(cache.status()).toBe('redis');
    } finally {
      server.kill('SIGCONT');
      await cache.close();
    }
  });
  it('with the default breaker, pays one command timeout when Redis hangs and none after, the cool-down included; a background probe closes it', async () => {
    if (!server) ({ port, child: server } = await startRedisServer());
    const failed: string[] = [];
    const cache = await connectedCache({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 50, onError: (_error, operation) => failed.push(operation) });
    try {
      await cache.set('k', 'v', 60);
      server.kill('SIGSTOP');
      // The first call waits for the timeout and opens the breaker...
      const first = await within(1000, 'the first get', () => cache.get('k'));
      expect(first.value).toBeNull();
      expect(first.ms).toBeGreaterThanOrEqual(45);
      expect(cache.status()).toBe('degraded');
      // ...and no later call waits, not even once the cool-down (500 ms) has passed: the trial is the
      // cache's own probe, which fails in the background while Redis is still stopped.
      const durations: number[] = [];
      const started = Date.now();
      while (Date.now() - started < 1500) {
        const { value, ms } = await within(200, 'get with the breaker open or half-open', () => cache.get('k'));
        expect(value).toBeNull();
        durations.push(ms);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(durations.length).toBeGreaterThan(10);
      expect(durations.sort((a, b) => a - b)[Math.floor(durations.length / 2)]).toBeLessThan(5);
      await until(() => failed.includes('probe'), 5000, 'a failed background probe');
      expect(failed.filter((operation) => operation === 'get')).toEqual(['get']);

      server.kill('SIGCONT');
      // No call is needed to close it: the next probe does.
      await until(() => cache.status() === 'redis', 5000, 'the breaker closed by a probe after SIGCONT');
      expect(await cache.get('k')).toBe('v');
    } finally {
      server.kill('SIGCONT');
      await cache.close();
    }
  });

  it('counts rate limits in memory while Redis hangs, each call waiting at most the command timeout, and in Redis again after', async () => {
    if (!server) ({ port, child: server } = await startRedisServer());
    const cache = await connectedCache({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 50 });
    const limiter = createRateLimiter(cache, { name: 'hang', points: 10, durationSeconds: 60 });
    const store = cache.rateLimitStore();
    // What Redis holds for a key (rate-limiter-flexible's key: `<prefix>:<name>:<key>`).
    const redisCount = async (key: string) => {
      const client = store.client as { get(key: string): Promise<string | null> };
      return Number(await client.get(`${store.keyPrefix}:hang:${key}`));
    };
    try {
      expect((await limiter.consume('a', 3)).consumedPoints).toBe(3);
      expect(await redisCount('a')).toBe(3);
      server.kill('SIGSTOP');
      // rate-limiter-flexible alone would wait for ioredis's own timeout (1 s); through the store, the
      // first call waits for the command timeout and the in-memory limiter answers.
      const first = await within(1000, 'the first consume', () => limiter.consume('a', 2));
      expect(first.value?.consumedPoints).toBe(2);
      expect(first.ms).toBeGreaterThanOrEqual(45);
      expect(first.ms).toBeLessThan(500);
      const later = await within(200, 'a consume with the breaker open', () => limiter.consume('a', 2));
      expect(later.value?.consumedPoints).toBe(4);
      // The in-memory limiter refuses past the limit as Redis would.
      const refused = await within(200, 'a consume over the limit', () => limiter.consume('a', 7));
      expect(refused.error).toBeInstanceOf(RateLimiterRes);
      server.kill('SIGCONT');
      await until(() => cache.status() === 'redis', 5000, 'the breaker closed after SIGCONT');
      // Redis counts again: 3 before the stop, 2 from the one call that was sent and timed out (Redis ran
      // it on resuming), and this 1; the calls refused by the open breaker never reached it.
      const after = await limiter.consume('a', 1);
      expect(after.consumedPoints).toBe(6);
      expect(await redisCount('a')).toBe(6);
    } finally {
      server.kill('SIGCONT');
      await cache.close();
    }
  });
});
