import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { CachingFetcher } from '../../gateway/src/cache/CachingFetcher.ts';
import { CatalogVersions } from '../../gateway/src/cache/CatalogVersions.ts';
import { MemoryCache } from '../../gateway/src/cache/MemoryCache.ts';
import { GatewayMetrics } from '../../gateway/src/metrics.ts';
import type { ShardRequest } from '../../gateway/src/shards/ShardRouter.ts';
import type { ExchangeAnswer } from '../../gateway/src/exchangeClient/ExchangeClient.ts';
import { startInProcessExchange, type InProcessExchange } from '../helpers/inProcessExchange.ts';

// The caching fetcher in front of a real exchange schema and store, in process: every underlying call is
// counted by the exchange itself, so "one call" below is a count, not an inference from timing.

const PAGE = `query($first: Int) { datasets(first: $first, sort: PRICE_ASC) { edges { cursor node { id title } } totalCount } }`;
const ENTITIES = `query($representations: [_Any!]!) { _entities(representations: $representations) { ... on Dataset { id title } } }`;

let exchange: InProcessExchange;
let cache: MemoryCache;
let versions: CatalogVersions;
let metrics: GatewayMetrics;
let fetcher: CachingFetcher;

const request = (variables: Record<string, unknown>, check: ShardRequest['check'] = () => null): ShardRequest => ({ body: { query: PAGE, variables }, check });
const counter = async (name: 'cacheHits' | 'cacheMisses', layer: string) =>
  (await metrics[name].get()).values.find((v) => v.labels.layer === layer)?.value ?? 0;

beforeAll(() => {
  exchange = startInProcessExchange({ id: 'sh', count: 60 });
});
afterAll(() => {
  exchange?.close();
});
beforeEach(async () => {
  exchange.calls = 0;
  exchange.failWith = null;
  exchange.release();
  cache = new MemoryCache();
  versions = new CatalogVersions(cache);
  await versions.start(['sh']);
  versions.observe('sh', exchange.store.catalogVersion);
  metrics = new GatewayMetrics({ defaultMetrics: false });
  fetcher = new CachingFetcher({ cache, versions, metrics, ttlSeconds: 60 });
});

describe('caching fetcher: single flight', () => {
  it('makes one exchange call for ten identical concurrent fetches, and gives each its own copy', async () => {
    exchange.hold();
    const fetches = Array.from({ length: 10 }, () => fetcher.fetch(exchange, request({ first: 5 })));
    await exchange.arrived(1);
    // Let every other fetch reach the flight before the answer comes back.
    await new Promise((resolve) => setTimeout(resolve, 20));
    exchange.release();
    const results = (await Promise.all(fetches)) as ExchangeAnswer[];
    expect(exchange.calls).toBe(1);
    expect((await metrics.shardFetches.get()).values.map((v) => v.value)).toEqual([1]);
    expect(results).toHaveLength(10);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.filter((r) => r.shared)).toHaveLength(9);
    const ids = results[0].data!.datasets.edges.map((e: any) => e.node.id);
    expect(ids).toHaveLength(5);
    for (const result of results) expect(result.data!.datasets.edges.map((e: any) => e.node.id)).toEqual(ids);
    // The router merges answers in place: one copy changed leaves the others whole.
    results[0].data!.datasets.edges.length = 0;
    expect(results[1].data!.datasets.edges).toHaveLength(5);
  });

  it('serves a later identical fetch from the cache, with no call', async () => {
    await fetcher.fetch(exchange, request({ first: 5 }));
    const again = (await fetcher.fetch(exchange, request({ first: 5 }))) as ExchangeAnswer;
    expect(exchange.calls).toBe(1);
    expect(again.fromCache).toBe(true);
    expect(again.data!.datasets.edges).toHaveLength(5);
    expect(await counter('cacheHits', 'shard')).toBe(1);
    expect(await counter('cacheMisses', 'shard')).toBe(1);
  });

  it('flies different variables apart: one call each', async () => {
    exchange.hold();
    const fetches = [
      fetcher.fetch(exchange, request({ first: 5 })),
      fetcher.fetch(exchange, request({ first: 6 })),
      fetcher.fetch(exchange, request({ first: 5 })),
    ];
    await exchange.arrived(2);
    exchange.release();
    const results = (await Promise.all(fetches)) as ExchangeAnswer[];
    expect(exchange.calls).toBe(2);
    expect(results.map((r) => r.data!.datasets.edges.length)).toEqual([5, 6, 5]);
  });

  it('shares one flight while the catalog version is unknown, but keeps nothing and lets nothing be kept', async () => {
    versions.forget('sh');
    exchange.hold();
    const fetches = Array.from({ length: 4 }, () => fetcher.fetch(exchange, request({ first: 3 })));
    await exchange.arrived(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    exchange.release();
    const results = (await Promise.all(fetches)) as ExchangeAnswer[];
    expect(exchange.calls).toBe(1);
    expect(results.map((r) => r.cacheControl)).toEqual(['no-store', 'no-store', 'no-store', 'no-store']);
    await fetcher.fetch(exchange, request({ first: 3 }));
    expect(exchange.calls).toBe(2);
  });

  it("stores neither a failure nor an answer the router's checks refused", async () => {
    exchange.failWith = 'EXCHANGE_TIMEOUT';
    const failed = await fetcher.fetch(exchange, request({ first: 4 }));
    expect(failed).toMatchObject({ ok: false, code: 'EXCHANGE_TIMEOUT' });
    exchange.failWith = null;
    await fetcher.fetch(
      exchange,
      request({ first: 4 }, () => 'returned edges out of order'),
    );
    const good = (await fetcher.fetch(exchange, request({ first: 4 }))) as ExchangeAnswer;
    expect(good.fromCache).toBeUndefined();
    expect(exchange.calls).toBe(3);
    await fetcher.fetch(exchange, request({ first: 4 }));
    expect(exchange.calls).toBe(3);
  });

  it('asks the exchange only for the entities it has not cached, and answers them in the order asked', async () => {
    const page = (await fetcher.fetch(exchange, request({ first: 4 }))) as ExchangeAnswer;
    const ids: string[] = page.data!.datasets.edges.map((e: any) => e.node.id);
    expect(ids).toHaveLength(4);
    const entities = (wanted: string[]): ShardRequest => {
      const representations = wanted.map((id) => ({ __typename: 'Dataset', id }));
      return { body: { query: ENTITIES, variables: { representations } }, representations, check: () => null };
    };
    await fetcher.fetch(exchange, entities([ids[0], ids[1]]));
    exchange.bodies.length = 0;
    const mixed = (await fetcher.fetch(exchange, entities([ids[2], ids[0], ids[3], ids[1]]))) as ExchangeAnswer;
    expect(exchange.bodies.map((b) => (b.variables!.representations as any[]).map((r) => r.id))).toEqual([[ids[2], ids[3]]]);
    expect(mixed.data!._entities.map((e: any) => e.id)).toEqual([ids[2], ids[0], ids[3], ids[1]]);
    expect(await counter('cacheHits', 'entity')).toBe(2);
    expect(await counter('cacheMisses', 'entity')).toBe(4);
  });
});
