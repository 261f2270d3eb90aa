import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { graphql, type GraphQLResult } from '../helpers/graphql.ts';
import { startStack, type Stack } from '../../devkit/stack.ts';
import { startService } from '../../devkit/processes.ts';
import { exchangeService } from '../../devkit/services.ts';
import { CATALOG_VERSION_HEADER } from '../../shared/headers.ts';
import { DEFAULT_EXCHANGES } from '../../shared/domain.ts';
import { startRedisServer, type RedisServer } from '../helpers/redisServer.ts';

// Every answer says how complete it is (extensions.catalog, missingExchanges, errors with paths), and the
// response cache never serves an answer whose completeness is no longer true. Real processes: the four
// exchanges, providers and the gateway (in-memory cache); Guiyang is stopped and started again for real,
// and the gateway's own probes (every 200 ms here) decide when it is OFFLINE and ONLINE.

const PER_EXCHANGE = 30;
const CODES = DEFAULT_EXCHANGES.map((e) => e.id).sort();
let stack: Stack;
let redis: RedisServer | undefined;

/** Each exchange's catalog version as it reports it itself, asked directly (not through the gateway). */
async function ownVersion(exchange: string): Promise<string> {
  const response = await fetch(stack.exchangeUrls[exchange], {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  const version = response.headers.get(CATALOG_VERSION_HEADER);
  expect(version).toBeTruthy();
  return version!;
}

async function metric(name: string, labels: string, gatewayUrl = stack.gatewayUrl): Promise<number> {
  const text = await (await fetch(gatewayUrl.replace(/\/graphql$/, '/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
const responseHits = (gatewayUrl?: string) => metric('gateway_cache_hits_total', 'layer="response"', gatewayUrl);
const responseMisses = (gatewayUrl?: string) => metric('gateway_cache_misses_total', 'layer="response"', gatewayUrl);

async function statusOf(exchange: string, gatewayUrl = stack.gatewayUrl): Promise<string> {
  const result = await graphql(
    gatewayUrl,
    `
      {
        exchanges {
          id
          status
        }
      }
    `,
  );
  return (result.data as any).exchanges.find((e: any) => e.id === exchange).status;
}

async function waitForStatus(exchange: string, status: string, timeoutMs = 20_000, gatewayUrl = stack.gatewayUrl): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while ((await statusOf(exchange, gatewayUrl)) !== status) {
    if (performance.now() > deadline) throw new Error(`${exchange} did not become ${status} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const LISTINGS = `{ datasets(first: 100, sort: TITLE_ASC) { totalCount missingExchanges nodes { id } } }`;
// Slightly different: another page size and a second connection.
const OTHER_LISTINGS = `{ datasets(first: 99, sort: TITLE_ASC) { totalCount missingExchanges } recent: datasets(first: 3) { missingExchanges } }`;

const exchangesIn = (result: GraphQLResult) =>
  [...new Set(((result.data as any).datasets.nodes as Array<{ id: string }>).map((n) => n.id.split(':')[0]))].sort();

beforeAll(async () => {
  stack = await startStack({ perExchange: PER_EXCHANGE, healthIntervalMs: 200, proxies: false });
  // On a loaded machine an exchange may miss its check at start and begin OFFLINE; the probes bring it back.
  for (const code of CODES) await waitForStatus(code, 'ONLINE');
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await redis?.stop();
});

/** Starts gy again on its port, over the database it had (the same catalog). */
async function restartGuiyang(port: number): Promise<void> {
  stack.services.gy = await startService(
    exchangeService('gy', {
      port,
      quiet: true,
      env: { DATA_DIR: stack.dataDir, SEED_PER_EXCHANGE: String(PER_EXCHANGE), LOG_LEVEL: 'warn', NODE_ENV: undefined },
    }),
  );
}

describe('extensions.catalog', () => {
  it('lists every exchange an answer drew from with the catalog version each reports itself, and none missing', async () => {
    const versions = Object.fromEntries(await Promise.all(CODES.map(async (code) => [code, await ownVersion(code)] as const)));
    expect(Object.keys(versions)).toHaveLength(4);
    const query = `{ datasets(first: 7) { totalCount } }`;
    const fresh = await graphql(stack.gatewayUrl, query);
    expect(fresh.errors).toBeUndefined();
    expect(fresh.extensions?.catalog).toEqual({ exchanges: versions, missingExchanges: [] });
    // A response-cache hit carries the report it was built with.
    const cached = await graphql(stack.gatewayUrl, query);
    expect(cached.headers.get('x-response-cache')).toBe('hit');
    expect(cached.extensions?.catalog).toEqual({ exchanges: versions, missingExchanges: [] });
  });

  it('is empty for an answer that touched no exchange', async () => {
    const result = await graphql(
      stack.gatewayUrl,
      `
        {
          exchanges {
            id
            name
          }
        }
      `,
    );
    expect(result.errors).toBeUndefined();
    expect(result.extensions?.catalog).toEqual({ exchanges: {}, missingExchanges: [] });
    // A query refused by validation touched none either.
    const refused = await graphql(
      stack.gatewayUrl,
      `
        {
          datasets(first: 1) {
            noSuchField
          }
        }
      `,
    );
    expect(refused.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(refused.extensions?.catalog).toEqual({ exchanges: {}, missingExchanges: [] });
  });

  it('refuses an unknown exchange of filter.exchanges with one error naming the argument, before any exchange is asked', async () => {
    const result = await graphql(
      stack.gatewayUrl,
      `
        {
          datasets(first: 2, filter: { exchanges: ["bj", "zz"] }) {
            missingExchanges
          }
        }
      `,
    );
    expect(result.status).toBe(400);
    expect(result.data ?? null).toBeNull();
    expect(result.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/^filter\.exchanges: no exchange "zz" is registered/),
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT', argument: 'filter.exchanges' }),
      }),
    ]);
    expect(result.extensions?.catalog).toEqual({ exchanges: {}, missingExchanges: [] });
  });
});

describe('an exchange stopped, then started again', () => {
  it('reports it missing everywhere at once, with paths on its errors, and the response cache never claims otherwise', async () => {
    const uscc = (
      (
        await graphql(
          stack.gatewayUrl,
          `
            {
              datasets(first: 1, filter: { exchanges: ["gy"] }) {
                nodes {
                  provider {
                    uscc
                  }
                }
              }
            }
          `,
        )
      ).data as any
    ).datasets.nodes[0].provider.uscc as string;
    const gyVersion = await ownVersion('gy');

    // Cached while all four answer: the second ask is a hit.
    const full = await graphql(stack.gatewayUrl, LISTINGS);
    expect(full.errors).toBeUndefined();
    expect(exchangesIn(full)).toEqual(CODES);
    const hitsBefore = await responseHits();
    const again = await graphql(stack.gatewayUrl, LISTINGS);
    expect(again.headers.get('x-response-cache')).toBe('hit');
    expect(await responseHits()).toBe(hitsBefore + 1);

    const gy = stack.services.gy;
    const port = Number(new URL(gy.url).port);
    await gy.stop();
    try {
      await waitForStatus('gy', 'OFFLINE');

      // At once: the cached full answer is not served; two different queries at the same moment agree.
      const [hits, misses] = [await responseHits(), await responseMisses()];
      const [same, other] = await Promise.all([graphql(stack.gatewayUrl, LISTINGS), graphql(stack.gatewayUrl, OTHER_LISTINGS)]);
      expect(same.headers.get('x-response-cache')).toBe('miss');
      expect(await responseHits()).toBe(hits);
      expect(await responseMisses()).toBe(misses + 2);
      for (const result of [same, other]) {
        expect(result.extensions?.catalog.missingExchanges).toEqual(['gy']);
        expect(Object.keys(result.extensions?.catalog.exchanges).sort()).toEqual(['bj', 'sh', 'ty']);
        expect((result.data as any).datasets.missingExchanges).toEqual(['gy']);
      }
      expect((other.data as any).recent.missingExchanges).toEqual(['gy']);
      expect(exchangesIn(same)).toEqual(['bj', 'sh', 'ty']);
      expect(same.errors).toEqual([
        expect.objectContaining({ path: ['datasets'], extensions: expect.objectContaining({ code: 'EXCHANGE_UNAVAILABLE', exchange: 'gy' }) }),
      ]);
      // One error for the exchange, at the first field it empties, listing both.
      expect(other.errors).toEqual([
        expect.objectContaining({
          path: ['datasets'],
          extensions: expect.objectContaining({ code: 'EXCHANGE_UNAVAILABLE', exchange: 'gy', paths: [['datasets'], ['recent']] }),
        }),
      ]);

      // The deprecated list has no missingExchanges of its own: its error's path and extensions.catalog say it.
      const stats = await graphql(
        stack.gatewayUrl,
        `
          {
            priceStats(groupBy: EXCHANGE) {
              key
              count
            }
          }
        `,
      );
      expect((stats.data as any).priceStats.map((b: any) => b.key).sort()).toEqual(['bj', 'sh', 'ty']);
      expect(stats.errors).toEqual([
        expect.objectContaining({ path: ['priceStats'], extensions: expect.objectContaining({ code: 'EXCHANGE_UNAVAILABLE', exchange: 'gy' }) }),
      ]);
      expect(stats.extensions?.catalog.missingExchanges).toEqual(['gy']);

      // Entity fetches: Apollo Gateway maps the router's ['_entities', i, field] to the client's path.
      const counts = await graphql(
        stack.gatewayUrl,
        `
          {
            exchanges {
              id
              datasetCount
            }
          }
        `,
      );
      const gyIndex = (counts.data as any).exchanges.findIndex((e: any) => e.id === 'gy');
      expect(gyIndex).toBeGreaterThanOrEqual(0);
      expect((counts.data as any).exchanges[gyIndex].datasetCount).toBeNull();
      expect(counts.errors).toEqual([
        expect.objectContaining({ path: ['exchanges', gyIndex, 'datasetCount'], extensions: expect.objectContaining({ exchange: 'gy' }) }),
      ]);
      const provider = await graphql(
        stack.gatewayUrl,
        `
          query ($uscc: ID!) {
            provider(uscc: $uscc) {
              listings: datasets(first: 5) {
                missingExchanges
              }
            }
          }
        `,
        { uscc },
      );
      expect((provider.data as any).provider.listings.missingExchanges).toEqual(['gy']);
      expect(provider.errors).toEqual([expect.objectContaining({ path: ['provider', 'listings'], extensions: expect.objectContaining({ exchange: 'gy' }) })]);

      // Started again, and ONLINE: answers include it again, at the version it reports itself.
      await restartGuiyang(port);
    } finally {
      // The next test needs gy: started again even when an assertion above failed.
      if (stack.services.gy.state.phase === 'exited') await restartGuiyang(port);
    }
    await waitForStatus('gy', 'ONLINE');
    const [back, otherBack] = await Promise.all([graphql(stack.gatewayUrl, LISTINGS), graphql(stack.gatewayUrl, OTHER_LISTINGS)]);
    expect(exchangesIn(back)).toEqual(CODES);
    for (const result of [back, otherBack]) {
      expect(result.errors).toBeUndefined();
      expect((result.data as any).datasets.missingExchanges).toEqual([]);
      expect(result.extensions?.catalog).toEqual({ exchanges: expect.objectContaining({ gy: await ownVersion('gy') }), missingExchanges: [] });
    }
    expect(await ownVersion('gy')).toBe(gyVersion);
  }, 120_000);
});

describe('two replicas on one Redis', () => {
  it('a replica that sees an exchange OFFLINE does not serve a response another replica cached while it answered', async () => {
    redis = await startRedisServer();
    // A probes only at start (it keeps seeing gy ONLINE); B probes every 200 ms.
    const a = await stack.startGateway('replica-a', { REDIS_URL: redis.url, HEALTH_INTERVAL_MS: '600000' });
    const b = await stack.startGateway('replica-b', { REDIS_URL: redis.url, HEALTH_INTERVAL_MS: '200' });
    for (const code of CODES) await waitForStatus(code, 'ONLINE', 20_000, b.url);
    const query = `{ datasets(first: 11, sort: PRICE_ASC) { totalCount missingExchanges } }`;

    // Cached by A; B finds it in the shared store while it also sees every exchange answering.
    expect((await graphql(a.url, query)).extensions?.catalog.missingExchanges).toEqual([]);
    const hitsOfB = await responseHits(b.url);
    const shared = await graphql(b.url, query);
    expect(shared.headers.get('x-response-cache')).toBe('hit');
    expect(await responseHits(b.url)).toBe(hitsOfB + 1);

    const port = Number(new URL(stack.services.gy.url).port);
    await stack.services.gy.stop();
    try {
      await waitForStatus('gy', 'OFFLINE', 20_000, b.url);
      expect(await statusOf('gy', a.url)).toBe('ONLINE');
      const [hits, misses] = [await responseHits(b.url), await responseMisses(b.url)];
      const fromB = await graphql(b.url, query);
      expect(fromB.headers.get('x-response-cache')).toBe('miss');
      expect([await responseHits(b.url), await responseMisses(b.url)]).toEqual([hits, misses + 1]);
      expect((fromB.data as any).datasets.missingExchanges).toEqual(['gy']);
      expect(fromB.extensions?.catalog.missingExchanges).toEqual(['gy']);
    } finally {
      await restartGuiyang(port);
    }
  }, 120_000);
});
