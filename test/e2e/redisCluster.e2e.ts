import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createCache } from '../../gateway/src/cache/createCache.ts';
import { CACHE_CONTRACT, collectMessages } from '../helpers/cacheContract.ts';
import { hashSlot } from '../../gateway/src/cache/hashSlot.ts';
import { shardFetchKey } from '../../gateway/src/cache/cacheKeys.ts';
import type { Cache } from '../../gateway/src/cache/Cache.ts';
import { launchRedisOnFreePort } from '../helpers/redisServer.ts';
import type { RedisTarget } from '../../gateway/src/cache/RedisCache.ts';

// End to end over a real three-master Redis Cluster that this file starts on free ports and always stops.
// The cache is built as the gateway builds it, from REDIS_CLUSTER_NODES. Multi-key calls are the point:
// a Cluster refuses MGET over keys of different slots, so RedisCache groups keys by hash slot and sends
// one MGET per slot; keys sharing an exchange's hash tag cost one MGET (counted below via INFO commandstats).

const run = promisify(execFile);
const RUN = `cluster-e2e-${process.pid}-${Date.now()}`;
let dir: string;
let ports: number[] = [];
const servers: ChildProcess[] = [];
let caseNumber = 0;

function redisCli(port: number, ...args: string[]): Promise<string> {
  return run('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).then((result) => result.stdout);
}

/** A cluster node on a free port (tried again on another if taken meanwhile); its bus is port + 10000. */
async function startClusterNode(): Promise<number> {
  const { port, child } = await launchRedisOnFreePort(
    (p) => ['--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${p}.conf`), '--dir', dir],
    65535 - 10000,
  );
  servers.push(child);
  return port;
}

function clusterTarget(): RedisTarget {
  return { mode: 'cluster', nodes: ports.map((port) => ({ host: '127.0.0.1', port })) };
}

async function clusterCache(namespace = `${RUN}:${caseNumber++}:`): Promise<Cache> {
  // A generous command timeout: these tests check behaviour, not latency (see redisCache.e2e.ts).
  const cache = createCache({ target: clusterTarget(), redis: { namespace, commandTimeoutMs: 1000 } });
  if (!(await cache.whenConnected(10_000))) throw new Error(`the cache did not connect to the cluster on ports ${ports.join(', ')} (status ${cache.status()})`);
  return cache;
}

/** MGET calls served so far, summed over the masters. */
async function mgetCalls(): Promise<number> {
  let total = 0;
  for (const port of ports) total += Number(/cmdstat_mget:calls=(\d+)/.exec(await redisCli(port, 'INFO', 'commandstats'))?.[1] ?? 0);
  return total;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  ports = [await startClusterNode(), await startClusterNode(), await startClusterNode()];
  await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes']);
  const deadline = Date.now() + 30_000;
  for (const port of ports) {
    while (!(await redisCli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) {
      if (Date.now() > deadline) throw new Error(`cluster_state never became ok on port ${port}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
});

afterAll(async () => {
  await Promise.all(
    servers.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('RedisCache on a Redis Cluster: the Cache contract', () => {
  for (const contractCase of CACHE_CONTRACT) {
    it(contractCase.name, async () => {
      const cache = await clusterCache();
      try {
        await contractCase.run(cache);
      } finally {
        await cache.close();
      }
    });
  }
});

describe('RedisCache on a Redis Cluster', () => {
  it('computes the same hash slots as the cluster', async () => {
    const keys = ['foo', `${RUN}:data:shard:{exchange:bj}:c1:e0:abc`, 'plain:dataset:sh:ds-000123', '中文键', 'a{}b', 'x{{y}}z'];
    for (const key of keys) expect(hashSlot(key), key).toBe(Number(await redisCli(ports[0], 'CLUSTER', 'KEYSLOT', key)));
  });

  it('spreads keys over all three masters and reads them back in order, one MGET per slot', async () => {
    const namespace = `${RUN}:spread:`;
    const cache = await clusterCache(namespace);
    try {
      const scope = { exchangeId: 'bj', catalogVersion: 1, epoch: 0 };
      const bjKeys = Array.from({ length: 20 }, (_, i) => shardFetchKey({ ...scope, operation: `query { n${i} }` }));
      const untagged = Array.from({ length: 30 }, (_, i) => `untagged:${i}`);
      await cache.setMany([...bjKeys, ...untagged].map((key) => ({ key, value: `v:${key}`, ttlSeconds: 60 })));
      // SCAN (never KEYS) each master for this test's keys.
      const perNode = await Promise.all(
        ports.map(async (port) => (await redisCli(port, '--scan', '--pattern', `${namespace}*`)).split('\n').filter(Boolean).length),
      );
      expect(perNode.reduce((a, b) => a + b)).toBe(50);
      expect(
        perNode.every((count) => count > 0),
        `keys per master: ${perNode}`,
      ).toBe(true);

      let before = await mgetCalls();
      expect(await cache.getMany([...bjKeys, 'missing:{exchange:bj}'])).toEqual([...bjKeys.map((key) => `v:${key}`), null]);
      expect(await mgetCalls()).toBe(before + 1); // one exchange's keys share a hash tag: one slot, one MGET

      const mixed = [untagged[3], 'nothing-here', bjKeys[0], untagged[17]];
      const slots = new Set(mixed.map((key) => hashSlot(`${namespace}data:${key}`)));
      before = await mgetCalls();
      expect(await cache.getMany(mixed)).toEqual([`v:${untagged[3]}`, null, `v:${bjKeys[0]}`, `v:${untagged[17]}`]);
      expect(await mgetCalls()).toBe(before + slots.size);
    } finally {
      await cache.close();
    }
  });

  it("shares entries, versions and messages between two replicas' clients", async () => {
    const namespace = `${RUN}:replicas:`;
    const options = { target: clusterTarget(), redis: { namespace, commandTimeoutMs: 1000 } };
    const [first, second] = [createCache(options), createCache(options)];
    try {
      expect(await first.whenConnected(10_000)).toBe(true);
      expect(await second.whenConnected(10_000)).toBe(true);
      await first.set('shared:{exchange:ty}', 'from the first', 60);
      expect(await second.get('shared:{exchange:ty}')).toBe('from the first');
      await first.bumpVersion('epoch:{exchange:ty}');
      await first.bumpVersion('epoch:{exchange:gy}');
      expect(await second.readVersions(['epoch:{exchange:ty}', 'epoch:{exchange:gy}', 'epoch:{exchange:bj}'])).toEqual([1, 1, 0]);
      const received = await collectMessages(second, 'registrations', 1);
      expect(await first.publish('registrations', 'sz')).toBe(true);
      expect(await received.done).toEqual(['sz']);
      await received.stop();
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });
});

describe('the gateway on a Redis Cluster', () => {
  it('answers repeats from the cluster without calling the exchanges, and shares them with a second replica', async () => {
    const { startStack } = await import('../../devkit/stack.ts');
    const { graphql, dataOf } = await import('../helpers/graphql.ts');
    const stack = await startStack({
      perExchange: 100,
      gatewayEnv: { REDIS_CLUSTER_NODES: ports.map((port) => `127.0.0.1:${port}`).join(','), REDIS_COMMAND_TIMEOUT_MS: '1000' },
    });
    try {
      const replica = await stack.startGateway('replica');
      const query = `{ datasets(first: 5, sort: TITLE_ASC) { totalCount nodes { id } } }`;
      const first = dataOf(await graphql(stack.gatewayUrl, query, {}, { authorization: 'Bearer reader' }));
      const calls = () => Object.values(stack.proxies).reduce((sum, p) => sum + p.calls, 0);
      const before = calls();
      expect(dataOf(await graphql(stack.gatewayUrl, query, {}, { authorization: 'Bearer reader' }))).toEqual(first);
      expect(dataOf(await graphql(replica.url, query, {}, { authorization: 'Bearer reader' }))).toEqual(first);
      expect(calls()).toBe(before);
      const health = await (await fetch(stack.gatewayUrl.replace(/\/graphql$/, '/health'))).json();
      expect(health.cache.status).toBe('redis');
    } finally {
      await stack.stop();
    }
  }, 180_000);
});
