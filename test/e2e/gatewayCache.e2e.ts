import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { graphql, dataOf } from '../helpers/graphql.ts';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { startRedisServer, type RedisServer } from '../helpers/redisServer.ts';
import { freePort, type Service } from '../../devkit/processes.ts';
import { writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';

// The gateway's caches against a real Redis (a redis-server of the test's own, so it can be killed),
// over real exchange processes. Mechanisms are proven by counters: the exchanges' own call counts
// (FlakyProxy) and the gateway's /metrics.

const ADMIN = 'gateway-admin-token';
const EXCHANGE_ADMIN = 'exchange-admin-token';
let stack: Stack;
let redis: RedisServer;
let replica: Service;

async function metric(gatewayUrl: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(gatewayUrl.replace(/\/graphql$/, '/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

const exchangeCalls = () => Object.values(stack.proxies).reduce((sum, p) => sum + p.calls, 0);
/** Authenticated requests skip the response cache, so they exercise the shard and entity caches. */
const asUser = { authorization: 'Bearer some-user' };

async function priceOf(url: string, id: string, headers: Record<string, string> = {}): Promise<string | null> {
  const data: any = dataOf(
    await graphql(
      url,
      `
        query ($id: ID!) {
          dataset(id: $id) {
            price {
              amount
            }
          }
        }
      `,
      { id },
      headers,
    ),
  );
  return data.dataset.price.amount;
}

async function changePrice(exchange: string, id: string, amount: string): Promise<void> {
  const response = await fetch(stack.exchangeUrls[exchange].replace(/\/graphql$/, '/admin/prices'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${EXCHANGE_ADMIN}` },
    body: JSON.stringify({ datasetId: id, model: 'PER_CALL', amount }),
  });
  expect(response.status).toBe(200);
}

async function firstId(exchange: string, skip = 0): Promise<string> {
  const data: any = dataOf(
    await graphql(
      stack.exchangeUrls[exchange],
      `
        {
          datasets(first: 10, sort: TITLE_ASC) {
            nodes {
              id
            }
          }
        }
      `,
    ),
  );
  return data.datasets.nodes[skip].id;
}

beforeAll(async () => {
  redis = await startRedisServer();
  stack = await startStack({
    perExchange: 300,
    exchangeEnv: { EXCHANGE_ADMIN_TOKEN: EXCHANGE_ADMIN },
    // Neither replica polls for versions here: they learn them from answers and from each other, which
    // lets the tests see a stale entry until it is invalidated. The staleness test adds a poller.
    // A longer Redis deadline than production's: the CI machine runs test files side by side on 2 cores,
    // and a reply late by scheduling alone would turn a hit the test counts into a miss.
    gatewayEnv: { REDIS_URL: redis.url, GATEWAY_ADMIN_TOKEN: ADMIN, VERSION_POLL_MS: '600000', REDIS_COMMAND_TIMEOUT_MS: '500' },
  });
  replica = await stack.startGateway('replica');
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  await redis?.stop();
});
beforeEach(() => {
  for (const proxy of Object.values(stack.proxies)) proxy.reset();
});

describe('gateway caches on Redis', () => {
  it('answers a repeated query without calling any exchange', async () => {
    const query = `{ datasets(first: 15, filter: { categories: [FINANCE, TELECOM] }) { totalCount nodes { id title } } }`;
    const first = dataOf(await graphql(stack.gatewayUrl, query));
    const calls = exchangeCalls();
    expect(calls).toBe(4);
    const fetchesBefore = await metric(stack.gatewayUrl, 'gateway_shard_fetches_total', 'exchange="sh"');
    const hitsBefore = await metric(stack.gatewayUrl, 'gateway_cache_hits_total', 'layer="response"');
    const second = await graphql(stack.gatewayUrl, query);
    expect(dataOf(second)).toEqual(first);
    expect(second.headers.get('x-response-cache')).toBe('hit');
    expect(exchangeCalls()).toBe(calls);
    expect(await metric(stack.gatewayUrl, 'gateway_shard_fetches_total', 'exchange="sh"')).toBe(fetchesBefore);
    expect(await metric(stack.gatewayUrl, 'gateway_cache_hits_total', 'layer="response"')).toBe(hitsBefore + 1);
  });

  it('sends a hit with the Cache-Control header its miss was sent with, answered before Apollo or by it', async () => {
    const query = `{ datasets(first: 7, sort: TITLE_ASC, filter: { exchanges: ["gy"] }) { totalCount nodes { id } } }`;
    const miss = await graphql(stack.gatewayUrl, query);
    expect(miss.headers.get('x-response-cache')).toBe('miss');
    // Apollo Server's answer for a schema without cache hints: not for shared caches to keep.
    const sent = miss.headers.get('cache-control');
    expect(sent).toBe('no-store');
    const hit = await graphql(stack.gatewayUrl, query);
    expect(hit.headers.get('x-response-cache')).toBe('hit');
    expect(hit.headers.get('cache-control')).toBe(sent);
    // A GET is not answered before Apollo: the plugin's hit inside Apollo Server carries it too.
    const viaGet = await fetch(`${stack.gatewayUrl}?query=${encodeURIComponent(query)}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect(viaGet.status).toBe(200);
    expect(viaGet.headers.get('x-response-cache')).toBe('hit');
    expect(viaGet.headers.get('cache-control')).toBe(sent);
    const body = await viaGet.json();
    expect(body.data).toEqual(dataOf(miss));
    expect(body.data.datasets.nodes).toHaveLength(7);
  });

  it('answers a hit byte for byte the same whether asked by query text or by its persisted-query hash', async () => {
    const query = `query Cheap($first: Int) { datasets(first: $first, sort: TITLE_ASC, filter: { exchanges: ["ty"] }) { nodes { id title } } }`;
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(stack.gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const first = await post({ query, variables: { first: 3 }, operationName: 'Cheap' });
    expect(first.headers.get('x-response-cache')).toBe('miss');
    const firstText = await first.text();
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const hits = await metric(stack.gatewayUrl, 'gateway_cache_hits_total', 'layer="response"');
    const byText = await post({ query, variables: { first: 3 }, operationName: 'Cheap' });
    const byHash = await post({ variables: { first: 3 }, operationName: 'Cheap', extensions: { persistedQuery: { version: 1, sha256Hash } } });
    for (const response of [byText, byHash]) {
      expect(response.headers.get('x-response-cache')).toBe('hit');
      expect(await response.text()).toBe(firstText);
    }
    expect(await metric(stack.gatewayUrl, 'gateway_cache_hits_total', 'layer="response"')).toBe(hits + 2);
    expect(stack.proxies.ty.calls).toBe(1);
    // Other variables, or an Authorization header: not this entry.
    expect((await post({ query, variables: { first: 4 }, operationName: 'Cheap' })).headers.get('x-response-cache')).toBe('miss');
    expect((await post({ query, variables: { first: 3 }, operationName: 'Cheap' }, asUser)).headers.get('x-response-cache')).toBeNull();
  });

  it('keeps nothing an exchange answers with Cache-Control: no-store', async () => {
    stack.proxies.bj.headers = { 'cache-control': 'no-store' };
    const query = `{ datasets(first: 4, sort: TITLE_ASC, filter: { exchanges: ["bj"], types: [DATA_SERVICE] }) { nodes { id } } }`;
    const first = await graphql(stack.gatewayUrl, query);
    const second = await graphql(stack.gatewayUrl, query);
    expect(dataOf(second)).toEqual(dataOf(first));
    expect(second.headers.get('x-response-cache')).toBe('miss');
    expect(stack.proxies.bj.calls).toBe(2);
  });

  it('keeps a response no longer than the max-age of the exchange answers it was built from', async () => {
    stack.proxies.sh.headers = { 'cache-control': 'max-age=1' };
    const query = `{ datasets(first: 4, sort: PRICE_ASC, filter: { exchanges: ["sh"], types: [DATA_REPORT] }) { nodes { id } } }`;
    dataOf(await graphql(stack.gatewayUrl, query));
    expect((await graphql(stack.gatewayUrl, query)).headers.get('x-response-cache')).toBe('hit');
    expect(stack.proxies.sh.calls).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    // Gone from the response cache and from the shard cache alike: the exchange is asked again.
    expect((await graphql(stack.gatewayUrl, query)).headers.get('x-response-cache')).toBe('miss');
    expect(stack.proxies.sh.calls).toBe(2);
  });

  it('serves an authenticated repeat from the shard cache, with no exchange call', async () => {
    const query = `{ datasets(first: 7, sort: PRICE_DESC) { nodes { id } } }`;
    dataOf(await graphql(stack.gatewayUrl, query, {}, asUser));
    const hits = await metric(stack.gatewayUrl, 'gateway_cache_hits_total', 'layer="shard"');
    stack.proxies.bj.reset();
    dataOf(await graphql(stack.gatewayUrl, query, {}, asUser));
    expect(stack.proxies.bj.calls).toBe(0);
    expect(await metric(stack.gatewayUrl, 'gateway_cache_hits_total', 'layer="shard"')).toBe(hits + 4);
  });

  it('fetches only the misses of a partly cached _entities batch', async () => {
    // Every provider to every exchange: pruning by summaries (catalogPruning.e2e.ts) would send each
    // provider only to the exchanges that may list it, which the counts below do not model.
    const gateway = await stack.startGateway('entities-unpruned', { EXCHANGE_PRUNING: '0' });
    try {
      const query = (n: number) => `{ providers(first: ${n}) { nodes { uscc datasets(first: 1) { totalCount } } } }`;
      dataOf(await graphql(gateway.url, query(3), {}, asUser));
      for (const proxy of Object.values(stack.proxies)) proxy.reset();
      const hits = await metric(gateway.url, 'gateway_cache_hits_total', 'layer="entity"');
      const misses = await metric(gateway.url, 'gateway_cache_misses_total', 'layer="entity"');
      const data: any = dataOf(await graphql(gateway.url, query(6), {}, asUser));
      expect(data.providers.nodes).toHaveLength(6);
      expect(await metric(gateway.url, 'gateway_cache_hits_total', 'layer="entity"')).toBe(hits + 3 * 4);
      expect(await metric(gateway.url, 'gateway_cache_misses_total', 'layer="entity"')).toBe(misses + 3 * 4);
      for (const proxy of Object.values(stack.proxies)) {
        expect(proxy.bodies).toHaveLength(1);
        expect(proxy.bodies[0].variables?.representations).toHaveLength(3);
      }
    } finally {
      await gateway.stop();
    }
  });

  it('serves a changed price within the staleness bound though nobody tells the gateway', async () => {
    // A gateway with the default version poll (VERSION_POLL_MS 2000).
    const poller = await stack.startGateway('poller', { VERSION_POLL_MS: undefined });
    try {
      const id = await firstId('sh', 1);
      const before = await priceOf(poller.url, id);
      expect(await priceOf(poller.url, id)).toBe(before);
      const next = before === '7.77' ? '8.88' : '7.77';
      const changed = performance.now();
      await changePrice('sh', id, next);
      let seen: string | null = before;
      while (seen !== next && performance.now() - changed < 6000) {
        await new Promise((r) => setTimeout(r, 100));
        seen = await priceOf(poller.url, id);
      }
      expect(seen).toBe(next);
      expect(performance.now() - changed).toBeLessThan(5000);
    } finally {
      await poller.stop();
    }
  });

  it('serves a changed price at once after the invalidate call, on every replica', async () => {
    const id = await firstId('ty', 2);
    const before = await priceOf(replica.url, id, asUser);
    expect(await priceOf(replica.url, id, asUser)).toBe(before);
    const next = before === '3.33' ? '4.44' : '3.33';
    await changePrice('ty', id, next);
    // The replica never polls: without invalidation it keeps its cached answer.
    expect(await priceOf(replica.url, id, asUser)).toBe(before);
    const response = await fetch(stack.gatewayUrl.replace(/\/graphql$/, '/admin/exchanges/ty/invalidate'), {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(response.status).toBe(200);
    const deadline = performance.now() + 1000;
    let seen = before;
    while (seen !== next && performance.now() < deadline) seen = await priceOf(replica.url, id, asUser);
    expect(seen).toBe(next);
  });

  it('still serves a changed price within the bound while another exchange hangs', async () => {
    // Each exchange's version is probed on its own: a probe that hangs until the timeout holds back
    // no other exchange's. The timeout here is longer than the bound, so one shared round would miss it.
    const poller = await stack.startGateway('poller-hang', { VERSION_POLL_MS: undefined, EXCHANGE_TIMEOUT_MS: '6000' });
    try {
      const id = await firstId('sh', 3);
      const before = await priceOf(poller.url, id);
      stack.proxies.gy.mode = 'hang';
      await new Promise((r) => setTimeout(r, 2500)); // a poll turn has started a probe of gy that hangs
      const next = before === '5.55' ? '6.66' : '5.55';
      const changed = performance.now();
      await changePrice('sh', id, next);
      let seen: string | null = before;
      while (seen !== next && performance.now() - changed < 7000) {
        await new Promise((r) => setTimeout(r, 100));
        seen = await priceOf(poller.url, id);
      }
      expect(seen).toBe(next);
      expect(performance.now() - changed).toBeLessThan(5000);
    } finally {
      stack.proxies.gy.reset();
      await poller.stop();
    }
  });

  it('shares one exchange call among identical concurrent misses (single flight)', async () => {
    for (const proxy of Object.values(stack.proxies)) proxy.delayMs = 300;
    const fetches = await Promise.all(DEFAULT_EXCHANGES.map((e) => metric(stack.gatewayUrl, 'gateway_shard_fetches_total', `exchange="${e.id}"`)));
    const query = `{ datasets(first: 7, sort: PRICE_DESC, filter: { types: [DATASET] }) { totalCount nodes { id } } }`;
    const answers = await Promise.all(Array.from({ length: 20 }, () => graphql(stack.gatewayUrl, query, {}, asUser)));
    const first = dataOf(answers[0]);
    for (const answer of answers) expect(dataOf(answer)).toEqual(first);
    // One call per exchange for twenty requests, and the counter agrees with the exchanges.
    for (const proxy of Object.values(stack.proxies)) expect(proxy.calls).toBe(1);
    const after = await Promise.all(DEFAULT_EXCHANGES.map((e) => metric(stack.gatewayUrl, 'gateway_shard_fetches_total', `exchange="${e.id}"`)));
    expect(after.map((n, i) => n - fetches[i])).toEqual([1, 1, 1, 1]);
    // And the flight stored its answer: a later repeat is a hit.
    dataOf(await graphql(stack.gatewayUrl, query, {}, asUser));
    for (const proxy of Object.values(stack.proxies)) expect(proxy.calls).toBe(1);
  });

  it('retires a cached response when a registration changes (the directory is in responses too)', async () => {
    const query = `{ exchanges { id name } }`;
    await graphql(stack.gatewayUrl, query);
    const cached = await graphql(stack.gatewayUrl, query);
    expect(cached.headers.get('x-response-cache')).toBe('hit');
    const bj = DEFAULT_EXCHANGES.find((e) => e.id === 'bj')!;
    const register = (name: string) =>
      fetch(stack.gatewayUrl.replace(/\/graphql$/, '/admin/exchanges'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN}` },
        body: JSON.stringify({ ...bj, name, url: stack.proxies.bj.url }),
      });
    try {
      expect((await register('Beijing International Big Data Exchange (renamed)')).status).toBeLessThan(300);
      for (const url of [stack.gatewayUrl, replica.url]) {
        const deadline = performance.now() + 1500;
        let name: string | undefined;
        while (name !== 'Beijing International Big Data Exchange (renamed)' && performance.now() < deadline) {
          name = ((await graphql(url, query)).data as any).exchanges.find((e: any) => e.id === 'bj').name;
        }
        expect(name).toBe('Beijing International Big Data Exchange (renamed)');
      }
    } finally {
      expect((await register(bj.name)).status).toBeLessThan(300);
    }
  });

  it('refuses the invalidate call without the admin token', async () => {
    const url = stack.gatewayUrl.replace(/\/graphql$/, '/admin/exchanges/ty/invalidate');
    expect((await fetch(url, { method: 'POST' })).status).toBe(401);
    expect((await fetch(url, { method: 'POST', headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await fetch(url.replace('/ty/', '/zz/'), { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(404);
  });

  it('shares entries between replicas on one Redis', async () => {
    const query = `{ datasets(first: 9, sort: TITLE_ASC, filter: { types: [MODEL] }) { nodes { id } } }`;
    dataOf(await graphql(stack.gatewayUrl, query, {}, asUser));
    for (const proxy of Object.values(stack.proxies)) proxy.reset();
    const result = dataOf(await graphql(replica.url, query, {}, asUser));
    expect((result as any).datasets.nodes.length).toBeGreaterThan(0);
    expect(exchangeCalls()).toBe(0);
  });

  it('calls the exchanges on every repeat when CACHE_DISABLED=1', async () => {
    const uncached = await stack.startGateway('uncached', { CACHE_DISABLED: '1' });
    try {
      const query = `{ datasets(first: 3, filter: { types: [DATASET] }) { nodes { id } } }`;
      dataOf(await graphql(uncached.url, query));
      const calls = exchangeCalls();
      const second = await graphql(uncached.url, query);
      expect(second.headers.get('x-response-cache')).toBeNull();
      expect(exchangeCalls()).toBe(calls + 4);
    } finally {
      await uncached.stop();
    }
  });

  it('still caches the responses of the other exchanges while one exchange has never answered', async () => {
    const exchangesFile = join(stack.dataDir, 'with-dead-exchange.json');
    const deadPort = await freePort();
    writeFileSync(
      exchangesFile,
      JSON.stringify({
        exchanges: [
          { ...DEFAULT_EXCHANGES.find((e) => e.id === 'bj'), url: stack.proxies.bj.url },
          { ...DEFAULT_EXCHANGES.find((e) => e.id === 'gy'), url: `http://127.0.0.1:${deadPort}/graphql` },
        ],
      }),
    );
    const gateway = await stack.startGateway('with-dead-exchange', { EXCHANGES_FILE: exchangesFile, REDIS_URL: undefined });
    try {
      stack.proxies.bj.reset(); // the registration's own calls at start
      const query = `{ datasets(first: 5, filter: { exchanges: ["bj"], types: [DATASET] }) { nodes { id } } }`;
      const first = await graphql(gateway.url, query);
      const second = await graphql(gateway.url, query);
      expect(dataOf(second)).toEqual(dataOf(first));
      expect(second.headers.get('x-response-cache')).toBe('hit');
      expect(stack.proxies.bj.calls).toBe(1);
      // A response that needs the unknown exchange is partial: never kept.
      const everywhere = `{ datasets(first: 5, filter: { types: [DATASET] }) { missingExchanges nodes { id } } }`;
      await graphql(gateway.url, everywhere);
      const again = await graphql(gateway.url, everywhere);
      expect(again.headers.get('x-response-cache')).toBe('miss');
      expect((again.data as any).datasets.missingExchanges).toEqual(['gy']);
    } finally {
      await gateway.stop();
    }
  });

  it('keeps answering when Redis dies, and caches again when it returns', async () => {
    const health = async () => (await (await fetch(stack.gatewayUrl.replace(/\/graphql$/, '/health'))).json()).cache.status;
    expect(await health()).toBe('redis');
    // A steady stream of queries from four clients, anonymous and authenticated, on both replicas;
    // Redis is killed in the middle of it.
    let stop = false;
    const outcomes: Array<{ worker: number; startedAt: number; ok: boolean; ms: number; detail?: string }> = [];
    const client = async (worker: number) => {
      for (let i = 0; !stop; i++) {
        const started = performance.now();
        const url = worker % 2 === 0 ? stack.gatewayUrl : replica.url;
        const headers: Record<string, string> = worker < 2 ? asUser : {};
        try {
          const result = await graphql(
            url,
            `
              query ($n: Int) {
                datasets(first: $n) {
                  totalCount
                  nodes {
                    id
                  }
                }
              }
            `,
            { n: 1 + (i % 5) },
            headers,
          );
          const ok = result.errors === undefined && (result.data as any)?.datasets.totalCount === 1200;
          outcomes.push({ worker, startedAt: started, ok, ms: performance.now() - started, detail: ok ? undefined : JSON.stringify(result).slice(0, 300) });
        } catch (err) {
          outcomes.push({ worker, startedAt: started, ok: false, ms: performance.now() - started, detail: String(err) });
        }
      }
    };
    const clients = [0, 1, 2, 3].map(client);
    // Conditions, not fixed sleeps: on a loaded machine the first queries can take longer than any fixed wait.
    const until = async (want: () => boolean, timeoutMs = 30_000) => {
      const deadline = performance.now() + timeoutMs;
      while (!want() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    };
    // Every client has had an answer with Redis alive (both replicas, anonymous and authenticated).
    const answeredClients = () => new Set(outcomes.filter((o) => o.ok).map((o) => o.worker)).size;
    await until(() => answeredClients() === 4);
    const beforeKill = outcomes.length;
    await redis.kill();
    const killedAt = performance.now();
    const sentWhileDead = () => outcomes.filter((o) => o.startedAt >= killedAt).length;
    // At least 2.5 s with Redis dead (the breaker opens and half-opens in that time), and queries sent in it.
    await until(() => performance.now() - killedAt >= 2500 && sentWhileDead() > 8);
    stop = true;
    await Promise.all(clients);
    expect(new Set(outcomes.slice(0, beforeKill).map((o) => o.worker))).toEqual(new Set([0, 1, 2, 3]));
    expect(sentWhileDead()).toBeGreaterThan(8); // queries did run while Redis was dead
    expect(outcomes.filter((o) => !o.ok).map((o) => o.detail)).toEqual([]);
    // A dead Redis holds no query up: every query that finished after the kill (those in flight at the kill
    // included) took less than 1.5 s. The ones before it waited on a warming cache, not on Redis.
    expect(Math.max(...outcomes.slice(beforeKill).map((o) => o.ms))).toBeLessThan(1500);
    expect(await health()).toBe('degraded');
    await redis.restart();
    const deadline = performance.now() + 15_000;
    while ((await health()) !== 'redis' && performance.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await health()).toBe('redis');
    await new Promise((r) => setTimeout(r, 1500)); // the version watcher re-reads the epochs from the fresh Redis
    const query = `{ datasets(first: 4, sort: PRICE_ASC) { nodes { id } } }`;
    dataOf(await graphql(stack.gatewayUrl, query, {}, asUser));
    const calls = exchangeCalls();
    dataOf(await graphql(stack.gatewayUrl, query, {}, asUser));
    expect(exchangeCalls()).toBe(calls);
  });
});
