import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { graphql, dataOf } from '../helpers/graphql.ts';
import { startStack, type Stack } from '../../devkit/stack.ts';

/**
 * priceStatistics through the gateway over real processes, against references computed from the listings
 * read directly from each exchange's SQLite file (a plain SELECT and a JS reduce, no code of ours).
 */

let stack: Stack;
const EXCHANGES = ['bj', 'gy', 'sh', 'ty'];

interface RawRow {
  exchange: string;
  category: string;
  price_model: string;
  provider_kind: string;
  delivery: string;
  contains_minors: number;
  provider_uscc: string;
  price_micros: number | null;
}

const FIELD_OF: Record<string, (row: RawRow) => string> = {
  EXCHANGE: (row) => row.exchange,
  CATEGORY: (row) => row.category,
  PRICING_MODEL: (row) => row.price_model,
  PROVIDER_KIND: (row) => row.provider_kind,
  DELIVERY: (row) => row.delivery,
};

let rows: RawRow[] = [];

function readListings(exchange: string): RawRow[] {
  const db = new Database(join(stack.dataDir, `${exchange}.db`), { readonly: true, fileMustExist: true });
  try {
    return (
      db.prepare('SELECT category, price_model, provider_kind, delivery, contains_minors, provider_uscc, price_micros FROM datasets').all() as RawRow[]
    ).map((row) => ({ ...row, exchange }));
  } finally {
    db.close();
  }
}

interface Reference {
  keys: string[];
  count: number;
  pricedCount: number;
  min: number | null;
  max: number | null;
  providers: Set<string>;
  amounts: number[];
}

function reference(listings: RawRow[], groupBy: string[]): Reference[] {
  const groups = new Map<string, Reference>();
  for (const row of listings) {
    const keys = groupBy.map((g) => FIELD_OF[g](row));
    const id = JSON.stringify(keys);
    const group = groups.get(id) ?? { keys, count: 0, pricedCount: 0, min: null, max: null, providers: new Set<string>(), amounts: [] };
    groups.set(id, group);
    group.count++;
    group.providers.add(row.provider_uscc);
    if (row.price_micros === null) continue;
    group.pricedCount++;
    group.amounts.push(row.price_micros);
    group.min = group.min === null ? row.price_micros : Math.min(group.min, row.price_micros);
    group.max = group.max === null ? row.price_micros : Math.max(group.max, row.price_micros);
  }
  return [...groups.values()].sort((a, b) => compare(a.keys, b.keys));
}

function compare(a: string[], b: string[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}

function micros(amount: string | null): number | null {
  if (amount === null) return null;
  const [whole, fraction = ''] = amount.split('.');
  return Number(whole) * 1_000_000 + Number(fraction.padEnd(6, '0'));
}

const BUCKET_FIELDS = 'keys count pricedCount min max p25 p50 p75 p90 currency distinctProviders';

function expectBuckets(buckets: any[], expected: Reference[]) {
  expect(expected.length).toBeGreaterThan(0);
  expect(buckets.map((b) => b.keys)).toEqual(expected.map((e) => e.keys));
  buckets.forEach((bucket, i) => {
    const want = expected[i];
    expect({
      count: bucket.count,
      pricedCount: bucket.pricedCount,
      min: micros(bucket.min),
      max: micros(bucket.max),
      distinctProviders: bucket.distinctProviders,
      currency: bucket.currency,
    }).toEqual({ count: want.count, pricedCount: want.pricedCount, min: want.min, max: want.max, distinctProviders: want.providers.size, currency: 'CNY' });
    const sorted = [...want.amounts].sort((a, b) => a - b);
    for (const [field, q] of [
      ['p25', 0.25],
      ['p50', 0.5],
      ['p75', 0.75],
      ['p90', 0.9],
    ] as const) {
      if (sorted.length === 0) continue;
      const exact = sorted[Math.floor(q * (sorted.length - 1))];
      // Merged sketches keep one sketch's bound: 0.5% relative (docs/statistics.md), plus a micro-yuan of rounding.
      expect(Math.abs(micros(bucket[field])! - exact)).toBeLessThanOrEqual(exact * 0.005 + 1);
    }
  });
}

beforeAll(async () => {
  stack = await startStack({ perExchange: 400, exchangeTimeoutMs: 1000 });
  rows = EXCHANGES.flatMap(readListings);
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});
beforeEach(() => {
  for (const proxy of Object.values(stack.proxies)) {
    proxy.reset();
    proxy.transform = null;
  }
});

describe('gateway priceStatistics', () => {
  it("groups by exchange x category x pricing model in one request, equal to every exchange's listings combined", async () => {
    const data: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `{ priceStatistics(groupBy: [EXCHANGE, CATEGORY, PRICING_MODEL]) {
      buckets { ${BUCKET_FIELDS} } missingExchanges } }`,
      ),
    );
    expect(data.priceStatistics.missingExchanges).toEqual([]);
    expectBuckets(data.priceStatistics.buckets, reference(rows, ['EXCHANGE', 'CATEGORY', 'PRICING_MODEL']));
    expect(new Set(data.priceStatistics.buckets.map((b: any) => b.keys[0]))).toEqual(new Set(EXCHANGES));
  });

  it("equals the exchanges' own answers combined: counts summed, min and max of the parts", async () => {
    const query = `{ priceStatistics(groupBy: [CATEGORY, PRICING_MODEL]) { buckets { keys count pricedCount min max } } }`;
    const merged: any = dataOf(await graphql(stack.gatewayUrl, query));
    const parts: any[] = await Promise.all(EXCHANGES.map(async (id) => dataOf(await graphql(stack.exchangeUrls[id], query))));
    const combined = new Map<string, { count: number; pricedCount: number; min: number | null; max: number | null }>();
    for (const part of parts) {
      for (const b of part.priceStatistics.buckets) {
        const id = JSON.stringify(b.keys);
        const c = combined.get(id) ?? { count: 0, pricedCount: 0, min: null, max: null };
        combined.set(id, c);
        c.count += b.count;
        c.pricedCount += b.pricedCount;
        const [min, max] = [micros(b.min), micros(b.max)];
        if (min !== null) c.min = c.min === null ? min : Math.min(c.min, min);
        if (max !== null) c.max = c.max === null ? max : Math.max(c.max, max);
      }
    }
    expect(merged.priceStatistics.buckets.length).toBe(combined.size);
    expect(combined.size).toBeGreaterThan(0);
    for (const bucket of merged.priceStatistics.buckets) {
      expect({ count: bucket.count, pricedCount: bucket.pricedCount, min: micros(bucket.min), max: micros(bucket.max) }).toEqual(
        combined.get(JSON.stringify(bucket.keys)),
      );
    }
  });

  it('counts a provider listed on two exchanges once in distinctProviders', async () => {
    const data: any = dataOf(await graphql(stack.gatewayUrl, `{ priceStatistics(groupBy: [CATEGORY]) { buckets { ${BUCKET_FIELDS} } } }`));
    const expected = reference(rows, ['CATEGORY']);
    expectBuckets(data.priceStatistics.buckets, expected);
    // The same buckets per exchange: their distinct providers add up to more than the union somewhere,
    // so the union above did count a cross-listed provider once.
    const perExchange = reference(rows, ['CATEGORY', 'EXCHANGE']);
    const summed = new Map<string, number>();
    for (const group of perExchange) summed.set(group.keys[0], (summed.get(group.keys[0]) ?? 0) + group.providers.size);
    const crossListed = data.priceStatistics.buckets.filter((b: any) => b.distinctProviders < summed.get(b.keys[0])!);
    expect(crossListed.length).toBeGreaterThan(0);
  });

  it("answers minors' data by exchange and provider kind with distinct providers (docs/statistics.md)", async () => {
    const data: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `{ priceStatistics(filter: { containsMinorsData: true }, groupBy: [EXCHANGE, PROVIDER_KIND]) {
      buckets { ${BUCKET_FIELDS} } missingExchanges } }`,
      ),
    );
    expectBuckets(
      data.priceStatistics.buckets,
      reference(
        rows.filter((r) => r.contains_minors === 1),
        ['EXCHANGE', 'PROVIDER_KIND'],
      ),
    );
  });

  it('keeps priceStats working, deprecated, and by the new dimensions too', async () => {
    const data: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          {
            priceStats(groupBy: DELIVERY) {
              key
              count
              pricedCount
              min
              max
            }
          }
        `,
      ),
    );
    const expected = reference(rows, ['DELIVERY']);
    expect(expected.length).toBeGreaterThan(0);
    expect(data.priceStats.map((b: any) => [b.key, b.count, b.pricedCount, micros(b.min), micros(b.max)])).toEqual(
      expected.map((e) => [e.keys[0], e.count, e.pricedCount, e.min, e.max]),
    );
    const schema: any = dataOf(
      await graphql(
        stack.gatewayUrl,
        `
          {
            __type(name: "Query") {
              fields(includeDeprecated: true) {
                name
                isDeprecated
                deprecationReason
              }
            }
          }
        `,
      ),
    );
    const fields = new Map(schema.__type.fields.map((f: any) => [f.name, f]));
    expect(fields.get('priceStats')).toMatchObject({ isDeprecated: true, deprecationReason: 'use priceStatistics' });
    expect(fields.get('priceStatistics')).toMatchObject({ isDeprecated: false });
  });

  it('hides the sketch and the provider sets from clients', async () => {
    const result = await graphql(
      stack.gatewayUrl,
      `
        {
          priceStatistics(groupBy: [CATEGORY]) {
            buckets {
              keys
              providers
            }
          }
        }
      `,
    );
    expect(result.errors?.[0].message).toMatch(/Cannot query field "providers" on type "PriceStatisticsBucket"/);
  });

  for (const [groupBy, message] of [
    ['[]', 'groupBy: must hold 1 to 3 dimensions, got 0'],
    ['[EXCHANGE, CATEGORY, TYPE, DELIVERY]', 'groupBy: must hold 1 to 3 dimensions, got 4'],
    ['[CATEGORY, PRICING_MODEL, CATEGORY]', 'groupBy: each dimension may appear once, got CATEGORY twice'],
  ]) {
    it(`refuses groupBy: ${groupBy}, naming the argument and the rule`, async () => {
      const result: any = await graphql(stack.gatewayUrl, `{ priceStatistics(groupBy: ${groupBy}) { buckets { keys count } } }`);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toMatchObject({ message, path: ['priceStatistics'], extensions: { code: 'BAD_USER_INPUT' } });
      expect(JSON.stringify(result.errors)).not.toMatch(/ at .*\.ts/);
    });
  }

  it("drops an exchange that answers statistics of another exchange, naming it missing, with the error's path", async () => {
    stack.proxies.gy.upstreamUrl = stack.exchangeUrls.ty;
    try {
      const result: any = await graphql(
        stack.gatewayUrl,
        `
          {
            lie: priceStatistics(groupBy: [EXCHANGE, DELIVERY]) {
              buckets {
                keys
                count
              }
              missingExchanges
            }
          }
        `,
      );
      expect(result.data.lie.missingExchanges).toEqual(['gy']);
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toMatchObject({
        message: 'exchange gy gave a bad response: lie: returned statistics of another exchange (ty)',
        path: ['lie'],
        extensions: { code: 'EXCHANGE_BAD_RESPONSE', exchange: 'gy' },
      });
      const expected = reference(
        rows.filter((r) => r.exchange !== 'gy'),
        ['EXCHANGE', 'DELIVERY'],
      );
      expect(result.data.lie.buckets).toEqual(expected.map((e) => ({ keys: e.keys, count: e.count })));
    } finally {
      stack.proxies.gy.upstreamUrl = stack.exchangeUrls.gy;
    }
  });

  it('drops an exchange that answers a count that is not a count', async () => {
    stack.proxies.gy.transform = (body) => body.replace(/"_sr0_st_count":(\d+)/g, '"_sr0_st_count":-$1');
    const result: any = await graphql(
      stack.gatewayUrl,
      `
        {
          priceStatistics(groupBy: [TYPE]) {
            buckets {
              keys
              count
            }
            missingExchanges
          }
        }
      `,
    );
    expect(result.data.priceStatistics.missingExchanges).toEqual(['gy']);
    expect(result.errors[0]).toMatchObject({
      message: 'exchange gy gave a bad response: priceStatistics: returned a count that is not a count',
      path: ['priceStatistics'],
    });
  });

  it('runs every example query of docs/statistics.md without errors, each with buckets', async () => {
    const doc = readFileSync(new URL('../../docs/statistics.md', import.meta.url), 'utf8');
    const examples = [...doc.matchAll(/```graphql\n(\{[\s\S]*?)```/g)].map((m) => m[1]);
    expect(examples.length).toBeGreaterThanOrEqual(4);
    for (const query of examples) {
      const data: any = dataOf(await graphql(stack.gatewayUrl, query));
      expect(data.priceStatistics.missingExchanges).toEqual([]);
      expect(data.priceStatistics.buckets.length).toBeGreaterThan(0);
    }
  });

  // Last: it stops an exchange process for good.
  it('names a stopped exchange in missingExchanges, with an error that has the path of the statistics', async () => {
    await stack.services.gy.stop();
    const result: any = await graphql(
      stack.gatewayUrl,
      `{ down: priceStatistics(filter: { pricingModels: [ANNUAL, PER_CALL] }, groupBy: [EXCHANGE, PRICING_MODEL]) {
      buckets { ${BUCKET_FIELDS} } missingExchanges } }`,
    );
    expect(result.data.down.missingExchanges).toEqual(['gy']);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ path: ['down'], extensions: { code: 'EXCHANGE_UNAVAILABLE', exchange: 'gy' } });
    expectBuckets(
      result.data.down.buckets,
      reference(
        rows.filter((r) => r.exchange !== 'gy' && ['ANNUAL', 'PER_CALL'].includes(r.price_model)),
        ['EXCHANGE', 'PRICING_MODEL'],
      ),
    );
  });
});
