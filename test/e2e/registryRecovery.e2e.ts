import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Redis } from 'ioredis';
import { graphql } from '../helpers/graphql.ts';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { startRedisServer, type RedisServer } from '../helpers/redisServer.ts';
import { startSeededExchange, type ExchangeFixture } from '../helpers/exchangeFixture.ts';
import type { Service } from '../../devkit/processes.ts';

// A Redis that restarts empty (no persistence) must not empty the catalog: two gateway processes on a
// redis-server of the test's own, the four default exchanges as processes, a fifth registered at runtime.

const ADMIN = 'operator-token';
const PER_EXCHANGE = 20;
const REGISTRY_KEY = 'ecg:record:registry:exchanges';
const CATALOG = '{ datasets(first: 1) { totalCount missingExchanges } exchanges { id } }';
const ALL = ['bj', 'gy', 'sh', 'sz', 'ty'];

let stack: Stack;
let redis: RedisServer;
let replica: Service;
let sz: ExchangeFixture;
let wh: ExchangeFixture;

const info = (id: string) => ({
  id,
  name: `${id.toUpperCase()} Data Exchange`,
  nameZh: `${id}数据交易所`,
  city: id,
  province: 'Guangdong',
  divisionCode: '440300',
});

function admin(gatewayUrl: string, path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  return fetch(gatewayUrl.replace(/\/graphql$/, path), {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${init.token ?? ADMIN}` },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

async function catalog(url: string) {
  const result: any = await graphql(url, CATALOG, {}, { authorization: 'Bearer reader' });
  return {
    errors: result.errors ?? null,
    totalCount: result.data?.datasets?.totalCount,
    missing: result.data?.datasets?.missingExchanges,
    ids: (result.data?.exchanges ?? []).map((e: any) => e.id).sort(),
  };
}

async function healthIds(url: string): Promise<string[]> {
  const health = await (await fetch(url.replace(/\/graphql$/, '/health'))).json();
  return health.exchanges.map((e: any) => e.id).sort();
}

/** Registered ids in Redis (tombstones and the marker aside), read with a client of the test's own. */
async function redisIds(): Promise<string[]> {
  const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    const all = await client.hgetall(REGISTRY_KEY);
    return Object.entries(all)
      .filter(([id, json]) => /^[a-z]+$/.test(id) && !JSON.parse(json).removed)
      .map(([id]) => id)
      .sort();
  } finally {
    client.disconnect();
  }
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

beforeAll(async () => {
  redis = await startRedisServer();
  stack = await startStack({ perExchange: PER_EXCHANGE, gatewayEnv: { REDIS_URL: redis.url, GATEWAY_ADMIN_TOKEN: ADMIN } });
  replica = await stack.startGateway('replica');
  [sz, wh] = await Promise.all([startSeededExchange({ id: 'sz', count: 15 }), startSeededExchange({ id: 'wh', count: 5 })]);
}, 240_000);
afterAll(async () => {
  // The gateways first: they poll sz and wh, whose servers would otherwise wait for those connections.
  await stack?.stop();
  await Promise.allSettled([sz?.close(), wh?.close()]);
  await redis?.stop();
});

describe('registry: a Redis that restarts empty', () => {
  it('keeps the full catalog on every replica, writes the registry back, and still propagates later registrations', async () => {
    const registered = await admin(stack.gatewayUrl, '/admin/exchanges', { method: 'POST', body: { ...info('sz'), url: sz.url } });
    expect(registered.status).toBe(201);
    const full = { errors: null, totalCount: 4 * PER_EXCHANGE + 15, missing: [], ids: ALL };
    for (const gateway of [stack.gatewayUrl, replica.url]) {
      expect(
        await eventually(
          () => catalog(gateway),
          (c) => c.ids.length === 5,
          2000,
        ),
      ).toEqual(full);
    }
    const issued = await admin(stack.gatewayUrl, '/admin/tokens', { method: 'POST', body: { exchange: 'wh' } });
    const whToken: string = (await issued.json()).token;
    expect((await admin(stack.gatewayUrl, '/admin/exchanges', { token: whToken })).status).toBe(200);

    // Redis dies and comes back with nothing: no persistence.
    await redis.kill();
    await redis.restart();

    // Within a few seconds (the replicas reconnect with backoff, at most 2 s apart), and at every moment
    // meanwhile, each replica answers the whole catalog, without an error.
    const started = performance.now();
    const seen: unknown[] = [];
    while (performance.now() - started < 9000) {
      for (const gateway of [stack.gatewayUrl, replica.url]) {
        const answer = await catalog(gateway);
        if (JSON.stringify(answer) !== JSON.stringify(full)) seen.push(answer);
        expect(await healthIds(gateway)).toEqual(ALL);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(seen).toEqual([]);
    expect(await redisIds()).toEqual(ALL);
    const restoredBy = [stack.services.gateway, replica].filter((g) =>
      g.tail().some((line) => /Redis lost the registry; restored \d+ entries from this replica/.test(line)),
    );
    expect(restoredBy.length).toBeGreaterThan(0);

    // Exchange tokens are credentials: lost with Redis, not restored (fail closed); a new one works.
    expect((await admin(stack.gatewayUrl, '/admin/exchanges', { token: whToken })).status).toBe(401);
    const reissued = await admin(replica.url, '/admin/tokens', { method: 'POST', body: { exchange: 'wh' } });
    expect(reissued.status).toBe(201);
    const newToken: string = (await reissued.json()).token;

    // A later registration, through the other replica, reaches both.
    const later = await admin(replica.url, '/admin/exchanges', { method: 'POST', token: newToken, body: { ...info('wh'), url: wh.url } });
    expect(later.status).toBe(201);
    const withWh = { errors: null, totalCount: 4 * PER_EXCHANGE + 15 + 5, missing: [], ids: [...ALL, 'wh'].sort() };
    for (const gateway of [stack.gatewayUrl, replica.url]) {
      expect(
        await eventually(
          () => catalog(gateway),
          (c) => c.ids.length === 6,
          2000,
        ),
      ).toEqual(withWh);
    }
    expect(await redisIds()).toEqual([...ALL, 'wh'].sort());
  });

  it('restores removals too: an exchange removed before the loss stays removed', async () => {
    // Whatever else is registered now (the test before adds some), gy is one of the configured four.
    const before: string[] = (await catalog(stack.gatewayUrl)).ids;
    expect(before).toEqual(expect.arrayContaining(['bj', 'gy', 'sh', 'ty']));
    const remaining = before.filter((id: string) => id !== 'gy');
    expect((await admin(stack.gatewayUrl, '/admin/exchanges/gy', { method: 'DELETE' })).status).toBe(200);
    const without = (c: { ids: string[] }) => !c.ids.includes('gy');
    expect((await eventually(() => catalog(replica.url), without, 2000)).ids).toEqual(remaining);
    await redis.kill();
    await redis.restart();
    await eventually(redisIds, (ids) => ids.length > 0, 9000);
    const client = new Redis(redis.url);
    try {
      expect(JSON.parse((await client.hget(REGISTRY_KEY, 'gy'))!)).toMatchObject({ id: 'gy', removed: true });
    } finally {
      client.disconnect();
    }
    // A gateway that starts now on the restored Redis keeps the configured gy removed.
    const third = await stack.startGateway('third');
    expect((await catalog(third.url)).ids).toEqual(remaining);
    for (const gateway of [stack.gatewayUrl, replica.url]) expect((await catalog(gateway)).ids).toEqual(remaining);
  });
});
