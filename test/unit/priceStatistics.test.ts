import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphQLError, parse } from 'graphql';
import { seedExchangeDatabase } from '../../subgraphs/exchange/seedStore.ts';
import { DatasetStore } from '../../subgraphs/exchange/store/DatasetStore.ts';
import { priceStatistics, priceStatsByNewGroup } from '../../subgraphs/exchange/priceStatistics.ts';
import type { DatasetFilterInput } from '../../subgraphs/exchange/store/filterSql.ts';
import type { StatsGroup } from '../../shared/domain.ts';
import { HIDDEN, shapeOf } from '../../gateway/src/shards/shardPlan.ts';
import { mergePriceStatistics } from '../../gateway/src/shards/statisticsMerge.ts';
import { statisticsProblem } from '../../gateway/src/shards/answerChecks.ts';

/**
 * The exchange's grouped statistics against an independent reference: every listing read straight from
 * the exchange's SQLite file with a plain SELECT and grouped with a JS reduce (no code of the store).
 */

interface RawRow {
  id: string;
  type: string;
  category: string;
  provider_uscc: string;
  provider_kind: string;
  security_level: string;
  personal_info: string;
  contains_minors: number;
  data_origin: string;
  delivery: string;
  price_model: string;
  price_micros: number | null;
  compliance_assessed: number;
  product_code: string;
}

const COLUMN_OF: Record<StatsGroup, (row: RawRow, exchange: string) => string> = {
  EXCHANGE: (_row, exchange) => exchange,
  CATEGORY: (row) => row.category,
  PROVIDER_KIND: (row) => row.provider_kind,
  PRICING_MODEL: (row) => row.price_model,
  SECURITY_LEVEL: (row) => row.security_level,
  TYPE: (row) => row.type,
  PERSONAL_INFO: (row) => row.personal_info,
  CONTAINS_MINORS_DATA: (row) => (row.contains_minors ? 'true' : 'false'),
  COMPLIANCE_ASSESSED: (row) => (row.compliance_assessed ? 'true' : 'false'),
  DATA_ORIGIN: (row) => row.data_origin,
  DELIVERY: (row) => row.delivery,
};

interface Reference {
  keys: string[];
  count: number;
  pricedCount: number;
  min: number | null;
  max: number | null;
  providers: Set<string>;
  amounts: number[];
}

function reference(rows: RawRow[], groupBy: StatsGroup[], exchange: string): Reference[] {
  const groups = new Map<string, Reference>();
  for (const row of rows) {
    const keys = groupBy.map((g) => COLUMN_OF[g](row, exchange));
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
  return [...groups.values()].sort((a, b) => (JSON.stringify(a.keys) < JSON.stringify(b.keys) ? -1 : 1));
}

/** "1200.5" → 1200500000 micro-yuan, written here so the reference does not use the code under test. */
function micros(amount: string | null): number | null {
  if (amount === null) return null;
  const [whole, fraction = ''] = amount.split('.');
  return Number(whole) * 1_000_000 + Number(fraction.padEnd(6, '0'));
}

let dir: string;
let store: DatasetStore;
let rows: RawRow[];
const EXCHANGE = 'sh';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'price-statistics-'));
  const dbPath = join(dir, 'sh.db');
  seedExchangeDatabase({ exchange: EXCHANGE, divisionCode: '310000', count: 4000, dbPath });
  store = new DatasetStore(EXCHANGE, dbPath);
  rows = store.db.prepare('SELECT * FROM datasets').all() as RawRow[];
});

afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

function expectMatches(groupBy: StatsGroup[], filter: DatasetFilterInput | null, keep: (row: RawRow) => boolean) {
  const expected = reference(rows.filter(keep), groupBy, EXCHANGE);
  expect(expected.length).toBeGreaterThan(0);
  const buckets = store.session().statistics(filter, groupBy);
  expect(buckets.map((b) => b.keys)).toEqual(expected.map((e) => e.keys));
  buckets.forEach((bucket, i) => {
    const want = expected[i];
    expect(bucket.keys).toHaveLength(groupBy.length);
    expect({
      count: bucket.count,
      pricedCount: bucket.pricedCount,
      min: micros(bucket.min),
      max: micros(bucket.max),
      distinctProviders: bucket.distinctProviders,
    }).toEqual({ count: want.count, pricedCount: want.pricedCount, min: want.min, max: want.max, distinctProviders: want.providers.size });
    expect(bucket.providers).toEqual([...want.providers].sort());
    const sorted = [...want.amounts].sort((a, b) => a - b);
    for (const [field, q] of [
      ['p50', 0.5],
      ['p90', 0.9],
    ] as const) {
      if (sorted.length === 0) {
        expect(bucket[field]).toBeNull();
        continue;
      }
      const exact = sorted[Math.floor(q * (sorted.length - 1))];
      // The sketch's documented bound: 0.5% relative (plus a micro-yuan of rounding).
      expect(Math.abs(micros(bucket[field])! - exact)).toBeLessThanOrEqual(exact * 0.005 + 1);
    }
  });
}

describe('exchange priceStatistics (store)', () => {
  it('groups every listing by exchange, category and pricing model, as a reduce over the raw rows does', () => {
    expectMatches(['EXCHANGE', 'CATEGORY', 'PRICING_MODEL'], null, () => true);
  });

  it('groups by three dimensions in the order of groupBy, with the flags keyed "true" and "false"', () => {
    expectMatches(['CONTAINS_MINORS_DATA', 'PROVIDER_KIND', 'COMPLIANCE_ASSESSED'], null, () => true);
    const keys = store
      .session()
      .statistics(null, ['CONTAINS_MINORS_DATA', 'PROVIDER_KIND', 'COMPLIANCE_ASSESSED'])
      .map((b) => b.keys);
    expect(new Set(keys.map((k) => k[0]))).toEqual(new Set(['true', 'false']));
    expect(new Set(keys.map((k) => k[2]))).toEqual(new Set(['true', 'false']));
  });

  it('groups by each dimension alone', () => {
    for (const group of Object.keys(COLUMN_OF) as StatsGroup[]) expectMatches([group], null, () => true);
  });

  it('counts only what a list and price filter keeps', () => {
    expectMatches(
      ['CATEGORY', 'DELIVERY'],
      { categories: ['PUBLIC_HEALTH', 'FINANCE'], minPrice: '10' },
      (r) => ['PUBLIC_HEALTH', 'FINANCE'].includes(r.category) && r.price_micros !== null && r.price_micros >= 10_000_000,
    );
  });

  it("counts only the minors' data when filtered by containsMinorsData", () => {
    expectMatches(['EXCHANGE', 'PROVIDER_KIND'], { containsMinorsData: true }, (r) => r.contains_minors === 1);
  });

  it('counts only the listings of one provider (a filter the columns cannot test)', () => {
    const uscc = rows[0].provider_uscc;
    expectMatches(['TYPE', 'PRICING_MODEL'], { providerUscc: uscc }, (r) => r.provider_uscc === uscc);
  });

  it('counts only the listings whose text matches', () => {
    const words = store.db.prepare("SELECT id FROM datasets WHERE title LIKE '%data%' OR description LIKE '%data%' OR keywords LIKE '%data%'").all() as Array<{
      id: string;
    }>;
    const ids = new Set(words.map((w) => w.id));
    // The text index matches word prefixes; rows with "data" inside another word are not the point here,
    // so the check is that every listing counted is one the LIKE finds and the counts agree with a page total.
    const buckets = store.session().statistics({ text: 'data' }, ['CATEGORY']);
    const total = buckets.reduce((sum, b) => sum + b.count, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBe(store.session().count({ text: 'data' }));
    expect(total).toBeLessThanOrEqual(ids.size);
  });

  it('stays exact after a price change (the filter columns follow it)', () => {
    const row = rows.find((r) => r.price_model === 'ANNUAL')!;
    store.updatePrice(row.id, 'ANNUAL', '987654321.00');
    rows = store.db.prepare('SELECT * FROM datasets').all() as RawRow[];
    expectMatches(['CATEGORY', 'PRICING_MODEL'], null, () => true);
    const bucket = store.session().statistics({ pricingModels: ['ANNUAL'] }, ['PRICING_MODEL'])[0];
    expect(micros(bucket.max)).toBe(987_654_321_000_000);
  });

  it('keeps priceStats by a new grouping (TYPE) equal to the one-dimension statistics', () => {
    const expected = reference(rows, ['TYPE'], EXCHANGE);
    const buckets = priceStatsByNewGroup(store.session(), null, 'TYPE');
    expect(buckets.map((b) => [b.key, b.count, b.pricedCount])).toEqual(expected.map((e) => [e.keys[0], e.count, e.pricedCount]));
  });

  it('refuses groupBy without dimensions, with more than three, or with one twice, naming the argument and the rule', () => {
    const cases: Array<[StatsGroup[], RegExp]> = [
      [[], /^groupBy: must hold 1 to 3 dimensions, got 0$/],
      [['EXCHANGE', 'CATEGORY', 'TYPE', 'DELIVERY'], /^groupBy: must hold 1 to 3 dimensions, got 4$/],
      [['CATEGORY', 'CATEGORY'], /^groupBy: each dimension may appear once, got CATEGORY twice$/],
    ];
    for (const [groupBy, message] of cases) {
      let error: unknown;
      try {
        priceStatistics(store.session(), null, groupBy);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(GraphQLError);
      expect((error as GraphQLError).message).toMatch(message);
      expect((error as GraphQLError).extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'groupBy' });
    }
  });
});

describe('gateway priceStatistics merge and answer checks (unit)', () => {
  // Answers as an exchange sends them under the router's hidden aliases; the sketch is built by hand (wire form).
  const sketchOf = (bins: Array<[number, number]>) => JSON.stringify({ v: 1, alpha: 0.005, zero: 0, bins });
  const bucket = (keys: string[], count: number, min: string, max: string, providers: string[]) => ({
    [HIDDEN.statistics.keys]: keys,
    [HIDDEN.statistics.count]: count,
    [HIDDEN.statistics.pricedCount]: count,
    [HIDDEN.statistics.min]: min,
    [HIDDEN.statistics.max]: max,
    [HIDDEN.statistics.sketch]: sketchOf([[461, count]]),
    [HIDDEN.statistics.providers]: providers,
  });
  const shape = shapeOf((parse('{ buckets { keys count min max distinctProviders } missingExchanges }').definitions[0] as any).selectionSet)!;

  it('adds counts, combines min and max, and counts a provider of two exchanges once', () => {
    const merged: any = mergePriceStatistics({
      parts: [
        { buckets: [bucket(['FINANCE'], 2, '5.00', '9.00', ['A', 'B'])] },
        { buckets: [bucket(['FINANCE'], 3, '1.00', '7.00', ['B', 'C']), bucket(['ENERGY'], 1, '2.00', '2.00', ['D'])] },
      ],
      shape,
      missingExchanges: ['gy'],
    });
    expect(merged).toEqual({
      buckets: [
        { keys: ['ENERGY'], count: 1, min: '2.00', max: '2.00', distinctProviders: 1 },
        { keys: ['FINANCE'], count: 5, min: '1.00', max: '9.00', distinctProviders: 3 },
      ],
      missingExchanges: ['gy'],
    });
  });

  it('refuses buckets keyed by another exchange, the same bucket twice, a key missing, or a negative count', () => {
    const check = (buckets: unknown[], groupBy = ['EXCHANGE', 'CATEGORY']) => statisticsProblem({ buckets }, groupBy, 'gy', shape);
    expect(check([bucket(['gy', 'FINANCE'], 1, '1.00', '1.00', ['A'])])).toBeNull();
    expect(check([bucket(['ty', 'FINANCE'], 1, '1.00', '1.00', ['A'])])).toBe('returned statistics of another exchange (ty)');
    expect(check([bucket(['gy', 'FINANCE'], 1, '1.00', '1.00', ['A']), bucket(['gy', 'FINANCE'], 1, '1.00', '1.00', ['A'])])).toBe(
      'returned the same bucket twice',
    );
    expect(check([bucket(['gy'], 1, '1.00', '1.00', ['A'])])).toBe('returned a bucket without one key per groupBy dimension (2)');
    expect(check([bucket(['gy', 'FINANCE'], -1, '1.00', '1.00', ['A'])])).toBe('returned a count that is not a count');
    expect(check([{ ...bucket(['gy', 'FINANCE'], 1, '1.00', '1.00', ['A']), [HIDDEN.statistics.sketch]: '{}' }])).toBe(
      'returned a statistics bucket with a bad sketch',
    );
  });
});
