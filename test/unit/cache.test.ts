import { describe, it, expect } from 'vitest';
import { MemoryCache } from '../../gateway/src/cache/MemoryCache.ts';
import { CACHE_CONTRACT } from '../helpers/cacheContract.ts';
import { CircuitBreaker } from '../../gateway/src/cache/CircuitBreaker.ts';
import { createCache, type CreateCacheOptions } from '../../gateway/src/cache/createCache.ts';
import { parseClusterNodes, readCacheTarget } from '../../gateway/src/config.ts';
import { configReader } from '../../shared/config/configReader.ts';
import { RedisCache } from '../../gateway/src/cache/RedisCache.ts';
import { canonicalJson, stableHash, operationHash, shardFetchKey, entityKey, exchangeEpochName } from '../../gateway/src/cache/cacheKeys.ts';
import { hashSlot, crc16 } from '../../gateway/src/cache/hashSlot.ts';
import { toKeyValueCache } from '../../gateway/src/cache/toKeyValueCache.ts';

// Unit layer: the in-memory cache against the shared contract, and the pure pieces (breaker, keys, slots,
// configuration). The same contract runs against real Redis in redisCache.e2e.ts and redisCluster.e2e.ts.

describe('MemoryCache: the Cache contract', () => {
  for (const contractCase of CACHE_CONTRACT) {
    it(contractCase.name, async () => {
      const cache = new MemoryCache();
      try {
        await contractCase.run(cache);
      } finally {
        await cache.close();
      }
    });
  }
});

describe('MemoryCache bounds', () => {
  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = new MemoryCache({ maxEntries: 2 });
    await cache.set('a', '1', 60);
    await cache.set('b', '2', 60);
    await cache.get('a'); // now b is the least recently used
    await cache.set('c', '3', 60);
    expect(await cache.getMany(['a', 'b', 'c'])).toEqual(['1', null, '3']);
  });

  it('evicts by approximate size and refuses an entry larger than maxSizeBytes', async () => {
    const cache = new MemoryCache({ maxSizeBytes: 1000 });
    await cache.set('big1', 'x'.repeat(300), 60); // ~608 bytes
    await cache.set('big2', 'y'.repeat(300), 60); // pushes big1 out
    await cache.set('huge', 'z'.repeat(600), 60); // larger than the whole cache: not stored
    expect(await cache.getMany(['big1', 'big2', 'huge'])).toEqual([null, 'y'.repeat(300), null]);
  });

  it('reports status "memory" and is connected at once', async () => {
    const cache = new MemoryCache();
    expect(cache.status()).toBe('memory');
    expect(await cache.whenConnected(0)).toBe(true);
  });
});

describe('CircuitBreaker', () => {
  function breakerAt(clock: { now: number }, phases: string[] = []) {
    return new CircuitBreaker(
      { failureThreshold: 3, cooldownMs: 1000 },
      () => clock.now,
      (phase) => phases.push(phase),
    );
  }

  it('opens after the threshold of consecutive failures and refuses calls without running them', () => {
    const clock = { now: 0 };
    const breaker = breakerAt(clock);
    breaker.recordFailure();
    breaker.recordFailure();
    breaker.recordSuccess(); // a success in between starts the count again
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.phase).toBe('closed');
    breaker.recordFailure();
    expect(breaker.phase).toBe('half-open'); // opened, and the first probe may go at once
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('opens at the first failure by default', () => {
    const breaker = new CircuitBreaker();
    expect(breaker.tryAcquire()).toBe(true);
    breaker.recordFailure();
    expect(breaker.phase).toBe('half-open'); // opened, and the first probe may go at once
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('lets no caller through once open, only one probe at a time (the first at once), and closes when a probe succeeds', () => {
    const clock = { now: 0 };
    const phases: string[] = [];
    const breaker = breakerAt(clock, phases);
    for (let i = 0; i < 3; i++) breaker.recordFailure();
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.msUntilProbe).toBe(0);
    expect(breaker.tryProbe()).toBe(true);
    expect(breaker.tryProbe()).toBe(false); // the probe is still running
    expect(breaker.tryAcquire()).toBe(false); // half-open: callers do not wait on the trial
    breaker.recordSuccess();
    expect(breaker.phase).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
    expect(phases).toEqual(['open', 'half-open', 'closed']);
  });

  it('waits a cool-down after a failed probe, counted from the failure', () => {
    const clock = { now: 0 };
    const breaker = breakerAt(clock);
    for (let i = 0; i < 3; i++) breaker.recordFailure();
    expect(breaker.tryProbe()).toBe(true);
    clock.now = 100;
    breaker.recordFailure();
    expect(breaker.phase).toBe('open');
    expect(breaker.msUntilProbe).toBe(1000);
    clock.now = 1099;
    expect(breaker.tryProbe()).toBe(false);
    expect(breaker.tryAcquire()).toBe(false);
    clock.now = 1100;
    expect(breaker.tryProbe()).toBe(true);
  });

  it('does not push the probe back for failures of calls sent before it opened', () => {
    const clock = { now: 0 };
    const breaker = breakerAt(clock);
    for (let i = 0; i < 3; i++) breaker.recordFailure();
    expect(breaker.tryProbe()).toBe(true);
    breaker.recordFailure(); // the probe failed: open for a cool-down
    clock.now = 500;
    breaker.recordFailure(); // a call that was already waiting when the breaker opened
    expect(breaker.msUntilProbe).toBe(500);
    clock.now = 1000;
    expect(breaker.tryProbe()).toBe(true);
  });

  it('closes at once on reset (a reconnect)', () => {
    const clock = { now: 0 };
    const breaker = breakerAt(clock);
    for (let i = 0; i < 3; i++) breaker.recordFailure();
    breaker.reset();
    expect(breaker.tryAcquire()).toBe(true);
  });

  it('refuses a threshold below 1 with the bad value', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0 })).toThrow(/failureThreshold must be an integer >= 1, got 0/);
  });
});

describe('cache keys', () => {
  it('hash values equal whatever the order of object keys, and differ when a value differs', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"x":0,"y":1}]},"b":1}');
    expect(stableHash({ a: 1, b: [1, 2] })).toBe(stableHash({ b: [1, 2], a: 1 }));
    expect(stableHash({ a: 1, b: [1, 2] })).not.toBe(stableHash({ a: 1, b: [2, 1] }));
    expect(stableHash('x')).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(operationHash('query { a }', null)).toBe(operationHash('query { a }', {}));
  });

  it('change with the catalog version, the epoch, the operation and the variables', () => {
    const base = {
      exchangeId: 'bj',
      catalogVersion: '2024-05-01T00:00:00Z',
      epoch: 3,
      operation: 'query Q($f: F) { datasets(filter: $f) { totalCount } }',
      variables: { f: { types: ['API'], text: '交通' } },
    };
    const key = shardFetchKey(base);
    expect(key).toMatch(/^shard:\{exchange:bj\}:c2024-05-01T00%3A00%3A00Z:e3:[A-Za-z0-9_-]{22}$/);
    expect(shardFetchKey({ ...base, variables: { f: { text: '交通', types: ['API'] } } })).toBe(key);
    for (const changed of [
      { catalogVersion: '2024-05-02' },
      { epoch: 4 },
      { operation: base.operation + ' ' },
      { variables: { f: { types: ['FILE'] } } },
      { exchangeId: 'sh' },
    ]) {
      expect(shardFetchKey({ ...base, ...changed })).not.toBe(key);
    }
  });

  it('put every key of one exchange, its epoch included, in one Cluster slot', () => {
    const scope = { exchangeId: 'gy', catalogVersion: 7, epoch: 0 };
    const slots = new Set([
      hashSlot(`ecg:version:${exchangeEpochName('gy')}`),
      hashSlot(`ecg:data:${shardFetchKey({ ...scope, operation: 'query { a }' })}`),
      hashSlot(`ecg:data:${entityKey({ ...scope, operation: 'query { b }', representation: { __typename: 'Dataset', id: 'gy:ds-000001' } })}`),
    ]);
    expect(slots.size).toBe(1);
  });

  it('refuse an exchange id that would break the hash tag, and an epoch that is not a known integer', () => {
    expect(() => exchangeEpochName('b}j')).toThrow(/exchange id .* got "b}j"/);
    expect(() => shardFetchKey({ exchangeId: 'bj', catalogVersion: 1, epoch: Number.NaN, operation: 'q' })).toThrow(/epoch must be a non-negative integer/);
  });
});

describe('hashSlot', () => {
  it('matches Redis Cluster on known keys and hash tags', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3);
    expect(hashSlot('foo')).toBe(12182);
    expect(hashSlot('bar')).toBe(5061);
    expect(hashSlot('{user1000}.following')).toBe(hashSlot('{user1000}.followers'));
    expect(hashSlot('foo{bar}{zap}')).toBe(hashSlot('bar'));
    expect(hashSlot('foo{}{bar}')).toBe(crc16(Buffer.from('foo{}{bar}')) % 16384); // an empty tag hashes the whole key
    expect(hashSlot('foo{{bar}}zap')).toBe(hashSlot('{bar'));
  });
});

describe('createCache', () => {
  // As the gateway does it: its config reads the variables, createCache takes the typed result.
  const cacheFromEnv = (env: Record<string, string>, options: Partial<CreateCacheOptions> = {}) =>
    createCache({ ...readCacheTarget(configReader(env)), ...options });

  it('uses memory when neither REDIS_URL nor REDIS_CLUSTER_NODES is set', async () => {
    const cache = cacheFromEnv({});
    expect(cache.kind).toBe('memory');
    expect(cache.status()).toBe('memory');
    await cache.close();
  });

  it('uses Redis when REDIS_URL is set, degraded until connected (no server here)', async () => {
    const cache = cacheFromEnv({ REDIS_URL: 'redis://127.0.0.1:1' });
    expect(cache.kind).toBe('redis');
    expect(cache).toBeInstanceOf(RedisCache);
    expect(cache.status()).toBe('degraded');
    expect(await cache.get('k')).toBeNull();
    await cache.close();
  });

  it('names the variable, the rule and the bad value when the configuration is malformed', () => {
    expect(() => cacheFromEnv({ REDIS_URL: 'http://127.0.0.1:6379' })).toThrow(
      'REDIS_URL must be a redis:// or rediss:// URL with a host, like redis://127.0.0.1:6379, got "http://127.0.0.1:6379"',
    );
    expect(() => cacheFromEnv({ REDIS_URL: 'not a url' })).toThrow(/REDIS_URL must be .* got "not a url"/);
    expect(() => cacheFromEnv({ REDIS_CLUSTER_NODES: '127.0.0.1:7000,127.0.0.1' })).toThrow(
      /REDIS_CLUSTER_NODES must list host:port pairs .* got "127.0.0.1" in "127.0.0.1:7000,127.0.0.1"/,
    );
    expect(() => cacheFromEnv({ REDIS_CLUSTER_NODES: 'h:70000' })).toThrow(/port 1-65535.*"h:70000"/);
    expect(() => cacheFromEnv({ REDIS_CLUSTER_NODES: ' , ' })).toThrow(/REDIS_CLUSTER_NODES must list host:port pairs/);
    expect(() => cacheFromEnv({ REDIS_URL: 'redis://a:1', REDIS_CLUSTER_NODES: 'b:2' })).toThrow(/not both/);
    expect(() => cacheFromEnv({ REDIS_URL: 'redis://a:1', REDIS_COMMAND_TIMEOUT_MS: '0' })).toThrow(
      'REDIS_COMMAND_TIMEOUT_MS must be a positive integer (milliseconds), got "0"',
    );
    expect(() => cacheFromEnv({ REDIS_URL: 'redis://a:1' }, { redis: { namespace: 'ecg{x}:' } })).toThrow(/namespace must not contain/);
  });

  it('parses cluster seed nodes, IPv6 in brackets included', () => {
    expect(parseClusterNodes(' redis-a:7000, 10.0.0.2:7001 ,[::1]:7002')).toEqual([
      { host: 'redis-a', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
  });
});

describe('toKeyValueCache', () => {
  it('gives Apollo a prefixed view with bounded TTLs and undefined for a miss', async () => {
    const cache = new MemoryCache();
    const apq = toKeyValueCache(cache, { prefix: 'apq:', defaultTtlSeconds: 0.2, maxTtlSeconds: 60 });
    expect(await apq.get('h')).toBeUndefined();
    await apq.set('h', 'query { a }');
    expect(await cache.get('apq:h')).toBe('query { a }');
    await apq.set('forever', 'x', { ttl: null }); // bounded by maxTtlSeconds, not stored forever
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await apq.get('h')).toBeUndefined();
    expect(await apq.get('forever')).toBe('x');
    await apq.delete('forever');
    expect(await apq.get('forever')).toBeUndefined();
  });
});
