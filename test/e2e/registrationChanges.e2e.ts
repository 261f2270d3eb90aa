import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { Redis } from 'ioredis';
import { graphql, dataOf } from '../helpers/graphql.ts';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { startRedisServer, type RedisServer } from '../helpers/redisServer.ts';
import { startSeededExchange, type ExchangeFixture } from '../helpers/exchangeFixture.ts';
import type { Service } from '../../devkit/processes.ts';
import { FlakyProxy } from '../../devkit/FlakyProxy.ts';
import { Rng } from '../../seed/rng.ts';

// Changes to the registry while queries run and while other changes run: two gateway processes on one
// Redis of the test's own, the four default exchanges as processes, and extra exchanges served over real
// HTTP from this process (some behind a FlakyProxy that holds answers back, to keep a query in flight).

const ADMIN = 'operator-token';
const PER_EXCHANGE = 40;
const READER = { authorization: 'Bearer reader' }; // no whole-response cache: every query reaches the router
const REGISTRY_KEY = 'ecg:record:registry:exchanges';

let stack: Stack;
let redis: RedisServer;
let redisClient: Redis;
let replica: Service;
/** Two different "sz" deployments (150 and 120 datasets), each behind its own proxy, and more exchanges. */
let szOld: ExchangeFixture;
let szNew: ExchangeFixture;
let oldProxy: FlakyProxy;
let newProxy: FlakyProxy;
const extra: Record<string, ExchangeFixture> = {};
const EXTRA_IDS = ['hz', 'wh', 'cq'];

const info = (id: string) => ({
  id,
  name: `${id.toUpperCase()} Data Exchange`,
  nameZh: `${id}数据交易所`,
  city: id,
  province: 'Guangdong',
  divisionCode: '440300',
});

function admin(gatewayUrl: string, path: string, init: { method?: string; body?: unknown } = {}) {
  return fetch(gatewayUrl.replace(/\/graphql$/, path), {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

async function register(gatewayUrl: string, id: string, url: string): Promise<number> {
  const response = await admin(gatewayUrl, '/admin/exchanges', { method: 'POST', body: { ...info(id), url } });
  if (response.status >= 300) throw new Error(`register ${id}: HTTP ${response.status} ${await response.text()}`);
  return response.status;
}

async function queryIds(url: string): Promise<string[]> {
  const data: any = dataOf(await graphql(url, '{ exchanges { id } }'));
  return data.exchanges.map((e: any) => e.id).sort();
}

async function adminIds(url: string): Promise<string[]> {
  const response = await admin(url, '/admin/exchanges');
  expect(response.status).toBe(200);
  return (await response.json()).exchanges.map((e: any) => e.id).sort();
}

async function adminUrlOf(url: string, id: string): Promise<string | undefined> {
  return (await (await admin(url, '/admin/exchanges')).json()).exchanges.find((e: any) => e.id === id)?.url;
}

/** Ids with a registration in Redis (tombstones left by removals, and the registry's marker field, aside). */
async function redisIds(): Promise<string[]> {
  const all = await redisClient.hgetall(REGISTRY_KEY);
  return Object.entries(all)
    .filter(([id, json]) => id !== '~registry' && !JSON.parse(json).removed)
    .map(([id]) => id)
    .sort();
}

/** Polls until `read` returns the same value twice in a row as `expected`, or the deadline passes. */
async function eventually<T>(read: () => Promise<T>, expected: T, withinMs = 2000): Promise<T> {
  const deadline = performance.now() + withinMs;
  let value = await read();
  while (JSON.stringify(value) !== JSON.stringify(expected) && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}

const HELD = `query Held($first: Int) { datasets(filter: { exchanges: ["sz"] }, first: $first) { totalCount missingExchanges nodes { id } } }`;

/** Starts a query that reaches `proxy` and is held there; resolves once the proxy has it (`held` is its outcome). */
async function queryHeldAt(proxy: FlakyProxy, gatewayUrl: string, first: number) {
  const before = proxy.calls;
  const done = graphql(gatewayUrl, HELD, { first }, READER).then((result) => ({ result, at: performance.now() }));
  const deadline = performance.now() + 5000;
  while (proxy.calls === before && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(proxy.calls, 'the held query reached the exchange').toBeGreaterThan(before);
  return { held: done };
}

async function szTotal(url: string) {
  return graphql(
    url,
    `
      {
        datasets(filter: { exchanges: ["sz"] }, first: 1) {
          totalCount
          missingExchanges
        }
      }
    `,
    {},
    READER,
  );
}

beforeAll(async () => {
  redis = await startRedisServer();
  redisClient = new Redis(redis.url);
  stack = await startStack({
    perExchange: PER_EXCHANGE,
    exchangeTimeoutMs: 6000,
    healthIntervalMs: 500,
    gatewayEnv: { REDIS_URL: redis.url, GATEWAY_ADMIN_TOKEN: ADMIN },
  });
  replica = await stack.startGateway('replica');
  [szOld, szNew] = await Promise.all([startSeededExchange({ id: 'sz', count: 150 }), startSeededExchange({ id: 'sz', count: 120 })]);
  oldProxy = await new FlakyProxy(szOld.url).start();
  newProxy = await new FlakyProxy(szNew.url).start();
  for (const id of EXTRA_IDS) extra[id] = await startSeededExchange({ id, count: 10 });
}, 240_000);
afterAll(async () => {
  await oldProxy?.close();
  await newProxy?.close();
  await Promise.allSettled([szOld, szNew, ...Object.values(extra)].map((e) => e?.close()));
  await stack?.stop();
  redisClient?.disconnect();
  await redis?.stop();
});

describe('registration changes: requests in flight all complete', () => {
  it('completes a query in flight to an exchange whose URL changes, and the next query uses the new URL', async () => {
    expect(await register(stack.gatewayUrl, 'sz', oldProxy.url)).toBe(201);
    expect(dataOf(await szTotal(stack.gatewayUrl)).datasets.totalCount).toBe(150);
    // Held long enough to outlast the registration of the new URL, whose checks include the conformance
    // subset (about 17 requests; a second or more on a loaded machine).
    oldProxy.delayMs = 5000;
    try {
      const { held } = await queryHeldAt(oldProxy, stack.gatewayUrl, 3);
      expect(await register(stack.gatewayUrl, 'sz', newProxy.url)).toBe(200);
      const changedAt = performance.now();
      // The very same query: it must not wait for (and share) the answer still in flight to the old URL.
      const next = await graphql(stack.gatewayUrl, HELD, { first: 3 }, READER);
      expect(next.errors).toBeUndefined();
      expect(next.data!.datasets.totalCount).toBe(120);
      expect(next.data!.datasets.missingExchanges).toEqual([]);

      const { result, at } = await held;
      expect(at, 'the held query was still in flight when the URL changed').toBeGreaterThan(changedAt);
      expect(result.errors).toBeUndefined();
      expect(result.data!.datasets.totalCount).toBe(150);
      expect(result.data!.datasets.missingExchanges).toEqual([]);
      expect(result.data!.datasets.nodes).toHaveLength(3);
    } finally {
      oldProxy.delayMs = 0;
    }
  });

  it('completes a query in flight to an exchange that is removed, and the next query no longer asks it', async () => {
    newProxy.delayMs = 1500;
    try {
      const { held } = await queryHeldAt(newProxy, stack.gatewayUrl, 4);
      const response = await admin(stack.gatewayUrl, '/admin/exchanges/sz', { method: 'DELETE' });
      expect(response.status).toBe(200);
      const removedAt = performance.now();
      expect(await queryIds(stack.gatewayUrl)).toEqual(['bj', 'gy', 'sh', 'ty']);
      const all: any = dataOf(
        await graphql(
          stack.gatewayUrl,
          `
            {
              datasets(first: 1) {
                totalCount
                missingExchanges
              }
            }
          `,
          {},
          READER,
        ),
      );
      expect(all.datasets).toEqual({ totalCount: 4 * PER_EXCHANGE, missingExchanges: [] });

      const { result, at } = await held;
      expect(at, 'the held query was still in flight when the exchange was removed').toBeGreaterThan(removedAt);
      expect(result.errors).toBeUndefined();
      expect(result.data!.datasets.totalCount).toBe(120);
      expect(result.data!.datasets.nodes).toHaveLength(4);
    } finally {
      newProxy.delayMs = 0;
    }
  });

  it('completes a query in flight while another exchange registers, and the next query sees both', async () => {
    expect(await register(stack.gatewayUrl, 'sz', newProxy.url)).toBe(201);
    // Outlasts the registration of hz, conformance subset included (see the first test).
    newProxy.delayMs = 5000;
    try {
      const { held } = await queryHeldAt(newProxy, stack.gatewayUrl, 5);
      expect(await register(stack.gatewayUrl, 'hz', extra.hz.url)).toBe(201);
      const registeredAt = performance.now();
      const next: any = dataOf(
        await graphql(
          stack.gatewayUrl,
          `
            {
              datasets(filter: { exchanges: ["hz"] }, first: 1) {
                totalCount
                missingExchanges
              }
            }
          `,
          {},
          READER,
        ),
      );
      expect(next.datasets).toEqual({ totalCount: 10, missingExchanges: [] });

      const { result, at } = await held;
      expect(at).toBeGreaterThan(registeredAt);
      expect(result.errors).toBeUndefined();
      expect(result.data!.datasets.totalCount).toBe(120);
      expect(result.data!.datasets.nodes).toHaveLength(5);
    } finally {
      newProxy.delayMs = 0;
    }
    for (const id of ['sz', 'hz']) expect((await admin(stack.gatewayUrl, `/admin/exchanges/${id}`, { method: 'DELETE' })).status).toBe(200);
  });
});

/**
 * Fires `rounds` registrations and removals of the extra ids, all at once, each at one of `gateways`,
 * drawn from a seeded generator (a failure replays with the same mix). Returns the HTTP statuses.
 */
async function storm(gateways: string[], rounds: number, rng: Rng): Promise<number[]> {
  const calls = Array.from({ length: rounds }, (_, i) => {
    const id = EXTRA_IDS[i % EXTRA_IDS.length];
    const gateway = rng.pick(gateways);
    return rng.chance(0.55)
      ? admin(gateway, '/admin/exchanges', { method: 'POST', body: { ...info(id), url: extra[id].url } })
      : admin(gateway, `/admin/exchanges/${id}`, { method: 'DELETE' });
  });
  const responses = await Promise.all(calls);
  const statuses = responses.map((r) => r.status);
  const bodies = await Promise.all(responses.map((r) => r.json()));
  // Every answer is clear JSON: an outcome, "not registered" for a removal of an absent id, or 409 for a
  // registration of an id that is being checked already, or that changed while it was checked.
  for (const [i, body] of bodies.entries()) {
    if (statuses[i] === 404) expect(body.error.message).toMatch(/is not registered/);
    else if (statuses[i] === 409)
      expect(body.problems).toEqual([
        expect.stringMatching(
          /^[a-z]+: (a registration of this exchange is already being checked|(removed|registered again) \(on this or another gateway replica\) while this registration was being checked)/,
        ),
      ]);
    else expect(body.exchange, `HTTP ${statuses[i]} ${JSON.stringify(body).slice(0, 2000)}`).toBeDefined();
  }
  return statuses;
}

/** Every view of the set of exchanges, on every gateway, once they agree with Redis (within two seconds). */
async function expectAgreement(gateways: string[]) {
  const stored = [...(await redisIds())];
  const expected = [...new Set(['bj', 'gy', 'sh', 'ty', ...stored])].sort();
  expect(stored.filter((id) => !EXTRA_IDS.includes(id)).sort()).toEqual(['bj', 'gy', 'sh', 'ty']);
  for (const gateway of gateways) {
    expect(await eventually(() => adminIds(gateway), expected), `GET /admin/exchanges at ${gateway}`).toEqual(expected);
    expect(await eventually(() => queryIds(gateway), expected), `Query.exchanges at ${gateway}`).toEqual(expected);
    // The shard router fans out to exactly that set: every registered extra exchange answers its part.
    const registeredExtra = expected.filter((id) => EXTRA_IDS.includes(id));
    const all: any = dataOf(
      await graphql(
        gateway,
        `
          {
            datasets(first: 1) {
              totalCount
              missingExchanges
            }
          }
        `,
        {},
        READER,
      ),
    );
    expect(all.datasets).toEqual({ totalCount: 4 * PER_EXCHANGE + 10 * registeredExtra.length, missingExchanges: [] });
  }
  return expected;
}

describe('registration changes: concurrent changes are serialised', () => {
  it('ends in one state in Redis, the admin API, Query.exchanges and the router, after a storm on one gateway', async () => {
    for (let round = 0; round < 3; round++) {
      const statuses = await storm([stack.gatewayUrl], 24, Rng.from('storm', 'one gateway', round));
      expect(statuses.filter((s) => ![200, 201, 404, 409].includes(s))).toEqual([]);
      // The gateway that made every change agrees with Redis at once: a reload triggered by one of its own
      // messages never runs beside a change and undoes it with what it read before.
      const stored = await redisIds();
      expect(await adminIds(stack.gatewayUrl)).toEqual([...new Set(['bj', 'gy', 'sh', 'ty', ...stored])].sort());
      await expectAgreement([stack.gatewayUrl, replica.url]);
    }
  });

  it('ends in one state on two replicas changing the same ids at once on one Redis', async () => {
    for (let round = 0; round < 2; round++) {
      const statuses = await storm([stack.gatewayUrl, replica.url], 30, Rng.from('storm', 'two replicas', round));
      expect(statuses.filter((s) => s >= 500)).toEqual([]);
      await expectAgreement([stack.gatewayUrl, replica.url]);
    }
    // Settle on a known state, and check once more that all views follow it.
    await Promise.all(EXTRA_IDS.map((id) => admin(replica.url, `/admin/exchanges/${id}`, { method: 'DELETE' })));
    expect(await expectAgreement([stack.gatewayUrl, replica.url])).toEqual(['bj', 'gy', 'sh', 'ty']);
  });
});

describe('registration changes: a store written by something else', () => {
  it('skips stored entries it cannot read or apply, and keeps serving the others', async () => {
    const before = await queryIds(stack.gatewayUrl);
    await redisClient.hset(REGISTRY_KEY, 'zz', '{not json', 'yy', JSON.stringify({ ...info('yy'), url: 'not a url' }));
    try {
      await redisClient.publish('ecg:registry', JSON.stringify({ id: 'zz', action: 'upsert' }));
      await new Promise((r) => setTimeout(r, 300));
      for (const gateway of [stack.gatewayUrl, replica.url]) {
        expect(await queryIds(gateway)).toEqual(before);
        const all: any = dataOf(
          await graphql(
            gateway,
            `
              {
                datasets(first: 1) {
                  totalCount
                  missingExchanges
                }
              }
            `,
            {},
            READER,
          ),
        );
        expect(all.datasets.missingExchanges).toEqual([]);
      }
    } finally {
      await redisClient.hdel(REGISTRY_KEY, 'zz', 'yy');
    }
  });
});

describe('registration changes: removing a configured exchange lasts', () => {
  it('keeps a removed default exchange removed across a restart, until it registers again', async () => {
    const configuredUrl = await adminUrlOf(stack.gatewayUrl, 'gy');
    expect(configuredUrl).toBe(stack.proxies.gy.url);
    expect((await admin(stack.gatewayUrl, '/admin/exchanges/gy', { method: 'DELETE' })).status).toBe(200);
    expect(JSON.parse((await redisClient.hget(REGISTRY_KEY, 'gy'))!)).toMatchObject({ id: 'gy', removed: true });

    await stack.services.gateway.stop();
    let gateway = await stack.startGateway('gateway');
    expect(await queryIds(gateway.url)).toEqual(['bj', 'sh', 'ty']);
    expect(await eventually(() => queryIds(replica.url), ['bj', 'sh', 'ty'])).toEqual(['bj', 'sh', 'ty']);
    const all: any = dataOf(
      await graphql(
        gateway.url,
        `
          {
            datasets(first: 1) {
              totalCount
              missingExchanges
            }
          }
        `,
        {},
        READER,
      ),
    );
    expect(all.datasets).toEqual({ totalCount: 3 * PER_EXCHANGE, missingExchanges: [] });

    expect(await register(gateway.url, 'gy', configuredUrl!)).toBe(201);
    await stack.services.gateway.stop();
    gateway = await stack.startGateway('gateway');
    expect(await queryIds(gateway.url)).toEqual(['bj', 'gy', 'sh', 'ty']);
    expect(await eventually(() => queryIds(replica.url), ['bj', 'gy', 'sh', 'ty'])).toEqual(['bj', 'gy', 'sh', 'ty']);
  });

  it('restores a configured exchange from the configuration over a stale stored URL at restart', async () => {
    // bj moves to its direct URL at runtime (not the configured proxy); the configuration wins at the next start.
    expect(await register(stack.services.gateway.url, 'bj', stack.exchangeUrls.bj)).toBe(200);
    expect(await adminUrlOf(stack.services.gateway.url, 'bj')).toBe(stack.exchangeUrls.bj);
    await stack.services.gateway.stop();
    const gateway = await stack.startGateway('gateway');
    expect(await adminUrlOf(gateway.url, 'bj')).toBe(stack.proxies.bj.url);
    expect(JSON.parse((await redisClient.hget(REGISTRY_KEY, 'bj'))!).url).toBe(stack.proxies.bj.url);
    expect(await eventually(() => adminUrlOf(replica.url, 'bj'), stack.proxies.bj.url)).toBe(stack.proxies.bj.url);
  });
});
